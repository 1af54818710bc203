"""A bounded window of the event ids a partition applied, to send repeats to the DLQ. Pure.

Producers retry, and a retry after a lost acknowledgement writes the event twice. Counting it twice
would inflate the client's volume and rate. Only the last ``size`` ids are kept, as 64-bit digests
(a repeat older than that is applied again, and a digest collision costs one event in about 10^14
with the default size).
"""

from __future__ import annotations

import hashlib
from collections import deque


def _digest(event_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(event_id.encode(), digest_size=8).digest(), "little")


class RecentIds:
    """
    >>> ids = RecentIds(size=2)
    >>> [ids.repeat(e) for e in ("a", "b", "a", "c", "a", "b")]  # "c" pushes "a" out
    [False, False, True, False, False, False]
    """

    def __init__(self, size: int):
        self.size = size
        self._order: deque[int] = deque()
        self._kept: set[int] = set()

    def repeat(self, event_id: str) -> bool:
        """True when ``event_id`` is in the window; otherwise it enters it (pushing the oldest out)."""
        digest = _digest(event_id)
        if digest in self._kept:
            return True
        self._order.append(digest)
        self._kept.add(digest)
        if len(self._order) > self.size:
            self._kept.discard(self._order.popleft())
        return False

    def __len__(self) -> int:
        return len(self._order)

    # The set is rebuilt on restore: a snapshot carries each digest once.
    def __getstate__(self) -> dict:
        return {"size": self.size, "order": list(self._order)}

    def __setstate__(self, state: dict) -> None:
        self.size = state["size"]
        self._order = deque(state["order"])
        self._kept = set(self._order)
