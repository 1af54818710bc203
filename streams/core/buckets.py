"""Event-time buckets that close in the same order whatever the arrival order. Pure.

A stage fed by several source partitions holds what they send in buckets and releases a bucket once
the watermark of every busy source has passed it; sources announce their watermarks (and when they
are idle) with ``Heartbeat``. Each source's items arrive in its own order, before its heartbeats, so
a released bucket holds everything it will ever hold, however the sources' sends interleave.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from streams.core.clusters import Heartbeat


class BucketGate:
    """
    >>> gate = BucketGate(sources=2, bucket_s=60.0)
    >>> gate.offer("a", bucket=0, dedup=0, position=1)
    >>> gate.hear(Heartbeat(0, 120.0)), gate.hear(Heartbeat(1, 70.0))
    ([], [(0, ['a'])])
    >>> gate.offer("b", bucket=0, dedup=1, position=1)  # its bucket is gone: held for the next one
    >>> gate.late, gate.last_late, gate.pending
    (1, (1, 0.0), {1: ['b']})
    """

    # The last item put in a later bucket than its own: (its stream, its bucket's start). A class
    # default, so that a gate restored from a snapshot written before it existed has it too.
    last_late: tuple[Hashable, float] | None = None

    def __init__(self, sources: int, bucket_s: float):
        self.sources = sources
        self.bucket_s = bucket_s
        self.source_watermarks: dict[int, float | None] = {}
        self.idle_sources: set[int] = set()
        self.seen: dict[Hashable, Any] = {}  # dedup stream -> last position offered
        self.pending: dict[int, list[Any]] = {}  # bucket number -> items
        self.next_bucket: int | None = None  # the oldest bucket not yet released
        self.late = 0  # items for a bucket already released, put in the next open one

    def __getstate__(self) -> dict[str, Any]:
        """Idle marks are not kept in a snapshot: they judge the wall clock of the run that heard
        them. A source restored as idle would let the busy ones release buckets before its own
        backlog (a catch-up after a restart) reached the gate, and its events would come too late
        for them. A restored gate waits for every source until an idle one says so again (a source
        says it once per assignment of its partition, and a restore follows a new assignment)."""
        return {**self.__dict__, "idle_sources": set()}

    @property
    def closed_through(self) -> float | None:
        """Every bucket ending at or before this time has been released."""
        return None if self.next_bucket is None else self.next_bucket * self.bucket_s

    def offer(self, item: Any, bucket: int, dedup: Hashable, position: Any) -> None:
        """Hold ``item``, unless its position in its stream (``dedup``) was offered already: a source
        restarted from an older snapshot sends its items again."""
        if dedup in self.seen and position <= self.seen[dedup]:
            return
        self.seen[dedup] = position
        if self.next_bucket is not None and bucket < self.next_bucket:
            self.late += 1
            self.last_late = (dedup, bucket * self.bucket_s)
            bucket = self.next_bucket
        self.pending.setdefault(bucket, []).append(item)

    def hear(self, beat: Heartbeat) -> list[tuple[int, list[Any]]]:
        """Note a source's watermark; return the buckets it releases, oldest first."""
        # A source restarted from an older snapshot repeats lower watermarks: they never go back.
        known = self.source_watermarks.get(beat.source)
        if known is None or (beat.watermark is not None and beat.watermark > known):
            self.source_watermarks[beat.source] = beat.watermark
        if beat.idle:
            self.idle_sources.add(beat.source)
        else:
            self.idle_sources.discard(beat.source)
        low = self.low_watermark()
        if low is None:
            return []
        size = self.bucket_s
        released = []
        for bucket in sorted(b for b in self.pending if (b + 1) * size <= low):
            released.append((bucket, self.pending.pop(bucket)))
            self.next_bucket = bucket + 1
        if self.next_bucket is None or (self.next_bucket + 1) * size <= low:
            self.next_bucket = int(low // size)
        return released

    def low_watermark(self) -> float | None:
        """How far buckets may close: the lowest watermark of the busy sources, or the highest of
        all once every source is idle. None while a busy source has not seen an event yet, and until
        every source has spoken."""
        if len(self.source_watermarks) < self.sources:
            return None
        busy = [w for s, w in self.source_watermarks.items() if s not in self.idle_sources]
        if None in busy:
            return None
        if busy:
            return min(busy)
        known = [w for w in self.source_watermarks.values() if w is not None]
        return max(known) if known else None
