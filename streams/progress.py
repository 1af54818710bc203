"""Progress of a long command (train, eval, replay) on a terminal: done of total, a rate, an ETA."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_REDRAW_S = 0.5


class Progress:
    """``done/total``, optionally the rate, and an ETA on stderr, when stderr is a terminal."""

    def __init__(self, what: str, total: int, show_rate: bool = False):
        self.what, self.total, self.done, self.started = what, total, 0, time.monotonic()
        self.show_rate = show_rate
        self.tty = sys.stderr.isatty()
        self._drawn = 0.0

    def step(self) -> None:
        self.advance(1)

    def advance(self, n: int) -> None:
        self.done += n
        if not self.tty:
            return
        now = time.monotonic()
        finished = self.done >= self.total
        if not finished and now - self._drawn < _REDRAW_S:
            return
        self._drawn = now
        elapsed = max(now - self.started, 1e-9)
        eta = elapsed / max(self.done, 1) * max(self.total - self.done, 0)
        rate = f" ({self.done / elapsed:,.0f}/s)" if self.show_rate else ""
        print(
            f"\r{self.what} {self.done:,}/{self.total:,}{rate}, ETA {eta:.0f} s   ",
            end="\n" if finished else "",
            file=sys.stderr,
            flush=True,
        )

    def close(self) -> None:
        """End the line when the work stopped before the total (a window that ended early)."""
        if self.tty and self.done < self.total:
            print(file=sys.stderr, flush=True)


def tracked(items: Iterable[T], progress: Progress) -> Iterator[T]:
    """``items``, advancing ``progress`` by one each, its line ended however the iteration ends.

    >>> list(tracked("ab", Progress("letters", 2)))
    ['a', 'b']
    """
    try:
        for item in items:
            progress.step()
            yield item
    finally:
        progress.close()
