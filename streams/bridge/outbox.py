"""What the bridge sends next, and which alerts are settled: pure, with time passed in.

The rules, per ``dedup_key`` (one extractwatch incident):

- Steps go out in ``seq`` order, one at a time: the next is sent only once the previous is settled,
  so a ``resolve`` never overtakes its ``trigger``.
- A step whose ``seq`` is not newer than the ledger's (delivered before a crash or a rebalance), or
  than a step already queued, is settled without sending: PagerDuty would open a second incident for
  a ``trigger`` whose ``resolve`` already went out.
- While steps wait (behind the rate limit, a retry or the step in flight), a newer ``firing``
  supersedes a waiting ``firing``; a ``resolve`` is never dropped. Nothing coalesces across keys.
- 429, 5xx and network errors are retried with exponential backoff and jitter, for that key only:
  other incidents keep flowing. A 429 also empties the rate limiter's bucket, as the limit is the
  routing key's. A 400 is dead-lettered.

Offsets are committed up to the first unsettled one of each partition (``OffsetBook``).
"""

from __future__ import annotations

import random
from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from streams.settings import PagerDutySettings


@dataclass(slots=True)
class Step:
    """One alert read from the alerts topic, and the event it becomes."""

    partition: int
    offset: int
    dedup_key: str
    seq: int
    status: str
    event: dict[str, Any]
    value: bytes  # the alert as read, for the DLQ
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class Settled:
    step: Step
    why: str  # sent, dead_lettered, superseded, already_delivered, skipped_replay, invalid


class OffsetBook:
    """The offsets of one partition read and not yet settled: commit up to the first of them.

    >>> book = OffsetBook()
    >>> for offset in (5, 6, 7):
    ...     book.add(offset)
    >>> book.settle(6); book.committable()
    5
    >>> book.settle(5); book.committable()
    7
    >>> book.settle(7); book.committable()
    8
    """

    def __init__(self) -> None:
        self._settled: OrderedDict[int, bool] = OrderedDict()
        self._next: int | None = None  # one past the highest offset read
        self._open = 0

    def add(self, offset: int) -> None:
        self._settled[offset] = False
        self._next = offset + 1
        self._open += 1

    def settle(self, offset: int) -> None:
        if self._settled.get(offset) is False:
            self._settled[offset] = True
            self._open -= 1
        while self._settled and next(iter(self._settled.values())):
            self._settled.popitem(last=False)

    def committable(self) -> int | None:
        """The offset to commit (the first unsettled, or one past the last read); None: nothing read."""
        if self._settled:
            return next(iter(self._settled))
        return self._next

    def __len__(self) -> int:
        """The offsets read and not settled."""
        return self._open


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` saved: a storm is smoothed, never dropped.

    >>> bucket = TokenBucket(rate=2.0, burst=1, now=0.0)
    >>> bucket.take(0.0), bucket.take(0.1), bucket.take(0.6)
    (True, False, True)
    """

    def __init__(self, rate: float, burst: int, now: float):
        self.rate, self.burst = rate, burst
        self.tokens, self.at = float(burst), now

    def _refill(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now

    def take(self, now: float) -> bool:
        self._refill(now)
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True

    def wait_s(self, now: float) -> float:
        """Seconds until a token is there."""
        self._refill(now)
        return max(0.0, (1.0 - self.tokens) / self.rate)

    def empty(self, now: float) -> None:
        self._refill(now)
        self.tokens = min(self.tokens, 0.0)


@dataclass(slots=True)
class _Incident:
    """The steps of one ``dedup_key`` not yet settled."""

    waiting: deque[Step] = field(default_factory=deque)
    in_flight: Step | None = None
    not_before: float = 0.0
    order: int = 0  # when its oldest waiting step arrived: older incidents go first

    def newest_seq(self) -> int:
        steps = [*self.waiting, *([self.in_flight] if self.in_flight else [])]
        return max((s.seq for s in steps), default=-1)


class Outbox:
    def __init__(self, cfg: PagerDutySettings, now: float, rng: random.Random | None = None):
        self.cfg = cfg
        self.rng = rng or random.Random()
        self.bucket = TokenBucket(cfg.rate_per_minute / 60.0, cfg.burst, now)
        self.delivered: dict[str, int] = {}  # the ledger: last seq accepted by PagerDuty per dedup_key
        self.incidents: dict[str, _Incident] = {}
        self.books: dict[int, OffsetBook] = {}
        self._arrivals = 0

    # -- reading ------------------------------------------------------------------------------------

    def read(self, partition: int, offset: int) -> OffsetBook:
        """Note an offset read; every offset read must later be settled (or its partition dropped)."""
        book = self.books.setdefault(partition, OffsetBook())
        book.add(offset)
        return book

    def settle(self, partition: int, offset: int) -> None:
        """An offset that needs no sending (a replay, an invalid alert once dead-lettered)."""
        self.books[partition].settle(offset)

    def offer(self, step: Step) -> list[Settled]:
        """Queue a step (already ``read``); returns what it settles at once: itself, or what it supersedes."""
        incident = self.incidents.get(step.dedup_key)
        newest = max(self.delivered.get(step.dedup_key, -1), incident.newest_seq() if incident else -1)
        if step.seq <= newest:
            return [self._settle(step, "already_delivered")]
        if incident is None:
            incident = self.incidents[step.dedup_key] = _Incident(order=self._arrivals)
        self._arrivals += 1
        settled = []
        if step.status == "firing" and incident.waiting and incident.waiting[-1].status == "firing":
            settled.append(self._settle(incident.waiting.pop(), "superseded"))
        incident.waiting.append(step)
        return settled

    # -- sending ------------------------------------------------------------------------------------

    def due(self, now: float, slots: int) -> list[Step]:
        """Up to ``slots`` steps to send now, oldest incident first, as the rate limit allows."""
        out: list[Step] = []
        ready = [
            i for i in self.incidents.values() if i.in_flight is None and i.waiting and i.not_before <= now
        ]
        for incident in sorted(ready, key=lambda i: i.order):
            if len(out) >= slots or not self.bucket.take(now):
                break
            incident.in_flight = incident.waiting.popleft()
            incident.in_flight.attempts += 1
            out.append(incident.in_flight)
        return out

    def wait_s(self, now: float) -> float | None:
        """Seconds until a step may be due (None: nothing waits)."""
        waits = [
            max(i.not_before - now, self.bucket.wait_s(now))
            for i in self.incidents.values()
            if i.in_flight is None and i.waiting
        ]
        return max(0.0, min(waits)) if waits else None

    def accepted(self, step: Step) -> Settled:
        """PagerDuty took it (202); the ledger entry is already durable."""
        self.delivered[step.dedup_key] = max(step.seq, self.delivered.get(step.dedup_key, -1))
        return self._finish(step, "sent")

    def rejected(self, step: Step) -> Settled:
        """PagerDuty refused it as invalid (400); it is already in the DLQ."""
        return self._finish(step, "dead_lettered")

    def retry(
        self, step: Step, now: float, throttled: bool = False, retry_after: float | None = None
    ) -> list[Settled]:
        """Try again after a backoff; returns the step itself if a newer ``firing`` superseded it."""
        incident = self.incidents[step.dedup_key]
        incident.in_flight = None
        incident.not_before = now + max(self.backoff_s(step.attempts), retry_after or 0.0)
        if throttled:
            self.bucket.empty(now)
        if step.status == "firing" and incident.waiting and incident.waiting[0].status == "firing":
            settled = [self._settle(step, "superseded")]
            self._forget_if_done(step.dedup_key)
            return settled
        incident.waiting.appendleft(step)
        return []

    def backoff_s(self, attempts: int) -> float:
        """Exponential, capped, with 'equal jitter': between half and all of the nominal delay."""
        nominal = min(self.cfg.retry_max_s, self.cfg.retry_initial_s * 2 ** max(attempts - 1, 0))
        return nominal * (0.5 + 0.5 * self.rng.random())

    # -- partitions ---------------------------------------------------------------------------------

    def drop(self, partitions: Iterable[int]) -> int:
        """Forget what was read from partitions taken away (they are re-read from the commit by whoever
        gets them). In-flight steps must have finished first. Returns the steps dropped."""
        gone = set(partitions)
        dropped = 0
        for key in list(self.incidents):
            incident = self.incidents[key]
            kept = deque(s for s in incident.waiting if s.partition not in gone)
            dropped += len(incident.waiting) - len(kept)
            incident.waiting = kept
            self._forget_if_done(key)
        for partition in gone:
            self.books.pop(partition, None)
        return dropped

    def in_flight(self) -> list[Step]:
        return [i.in_flight for i in self.incidents.values() if i.in_flight is not None]

    def unsettled(self) -> int:
        return sum(len(book) for book in self.books.values())

    # -- internals ----------------------------------------------------------------------------------

    def _finish(self, step: Step, why: str) -> Settled:
        incident = self.incidents[step.dedup_key]
        incident.in_flight, incident.not_before = None, 0.0
        if incident.waiting:
            incident.order = self._arrivals
        settled = self._settle(step, why)
        self._forget_if_done(step.dedup_key)
        return settled

    def _settle(self, step: Step, why: str) -> Settled:
        book = self.books.get(step.partition)
        if book is not None:
            book.settle(step.offset)
        return Settled(step, why)

    def _forget_if_done(self, key: str) -> None:
        incident = self.incidents.get(key)
        if incident is not None and incident.in_flight is None and not incident.waiting:
            del self.incidents[key]
