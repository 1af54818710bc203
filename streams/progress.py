"""Progress of a long command (train, eval) on a terminal: done of total, and an ETA."""

from __future__ import annotations

import sys
import time


class Progress:
    """``done/total`` and an ETA on stderr, when stderr is a terminal."""

    def __init__(self, what: str, total: int):
        self.what, self.total, self.done, self.started = what, total, 0, time.monotonic()
        self.tty = sys.stderr.isatty()

    def step(self) -> None:
        self.done += 1
        if not self.tty:
            return
        elapsed = time.monotonic() - self.started
        eta = elapsed / self.done * (self.total - self.done)
        end = "\n" if self.done == self.total else ""
        print(
            f"\r{self.what} {self.done}/{self.total}, ETA {eta:.0f} s   ",
            end=end,
            file=sys.stderr,
            flush=True,
        )
