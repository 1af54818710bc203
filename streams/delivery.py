"""Delivery repair: each partition's records, exactly once each, in offset order, from the state's
next offset, whatever Faust's consumer hands over.

What Faust's consumer does that needs repair:
- **Generations.** Records buffered before or during a rebalance belong to an older consumer
  generation: the consumer is seeked back to the committed offset and delivers them again, in order,
  to the partition's owner. Applying the stale copies would skip records, so they are dropped
  (Faust's own stream iteration skips them the same way).
- **Holes.** It skips (and acks) records that arrive while its flow is paused, and records fetched
  before a rebalance can be dropped. Seeking it back does not reliably bring them: records fetched
  from beyond the hole keep arriving and move its read offset past them. A hole before a delivered
  record is read straight from the broker (``streams.partition_reader``).
- **Stalled tails.** A partition whose last records were dropped, and that receives nothing newer,
  never shows a hole; a partition Faust stopped fetching shows a stale end offset too. A partition
  quiet for ``quiet_s`` asks the broker for its end offset and reads what it lacks, a take at a time.
- **Transaction markers and retention.** Offsets the broker does not have are passed, with a count.
- **Revocations.** A partition taken away, even while a read of it is awaited, hands nothing more.

Each partition has its own task: its deliveries and tail reads are handled in order, and a read of
one partition (up to ``read_timeout_s``) never holds up another's. No lock is held over a read. The
delivery hands runs of records to ``apply`` (the lane's glue) and never sees the core.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import structlog

from streams.core.stage import InputRecord
from streams.partition_reader import missing_ranges

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Delivered:
    """One record as Faust's consumer handed it; ``ack`` is what to acknowledge once it is durable."""

    offset: int
    timestamp: float
    value: bytes | None
    generation: int
    ack: Any = None


@dataclass(frozen=True, slots=True)
class Run:
    """Records ``[records[0].offset, next_offset)`` of a partition, complete: the offsets between that
    are not in ``records`` are absent from the broker. ``acks`` are the Faust deliveries among them."""

    records: list[InputRecord]
    next_offset: int
    acks: list[Any] = field(default_factory=list)


def parts_of(run: Run, max_bytes: int) -> Iterator[list[InputRecord]]:
    """The run's records in order, cut into parts of at most ``max_bytes`` of values (a larger
    record is a part of its own); one empty part for a run without records.

    >>> run = Run([InputRecord(offset, 0.0, b"x" * 40) for offset in range(5)], 5)
    >>> [[r.offset for r in part] for part in parts_of(run, 100)]
    [[0, 1], [2, 3], [4]]
    >>> list(parts_of(Run([], 7), 100))
    [[]]
    """
    part: list[InputRecord] = []
    size = 0
    for record in run.records:
        length = len(record.value or b"")
        if part and size + length > max_bytes:
            yield part
            part, size = [], 0
        part.append(record)
        size += length
    yield part


class Consumer(Protocol):
    """What the delivery asks of the group consumer (Faust's, or a fake in tests)."""

    def is_active(self) -> bool:
        """False during a rebalance: nothing is handed over until it ends."""

    def assigned(self) -> set[int]:
        """The partitions of the lane's topic this worker owns now."""

    def generation(self) -> int:
        """The consumer's current group generation."""


class Broker(Protocol):
    """Reads straight from the broker, outside the group (``streams.partition_reader`` in a thread)."""

    async def read(self, partition: int, start: int, end: int) -> list[InputRecord] | None:
        """Records ``[start, end)``, those the broker has; None when the read did not finish in time."""

    async def end_offsets(self, partitions: Sequence[int]) -> dict[int, int] | None:
        """Each partition's log end offset; None when the broker did not answer in time."""


Apply = Callable[[int, Run], Awaitable[bool]]


class _Feed:
    """One partition's queue of work and the task that works through it in order."""

    def __init__(self, max_batches: int):
        self.queue: asyncio.Queue[list[Delivered] | int] = asyncio.Queue(max_batches)
        self.task: asyncio.Task | None = None
        self.arrived_at = time.monotonic()
        self.tail_queued = False
        self.applying = False  # a run is being applied: a revocation lets it finish, then stops the task
        self.closed = False
        self.job_started_at: float | None = None  # the job in hand (a batch, a tail read) began then


class Delivery:
    """Turns a lane's deliveries into complete runs per partition, handed to ``apply``.

    ``next_offset(partition)`` is the first offset the partition's state has not applied; ``apply``
    returns False when it did not apply the run (the records are then read again later, by this
    worker or by the partition's next owner).
    """

    def __init__(
        self,
        consumer: Consumer,
        broker: Broker,
        next_offset: Callable[[int], int],
        apply: Apply,
        *,
        take_max: int,
        quiet_s: float,
        max_batches: int = 8,
        counters: Counter[str] | None = None,
    ):
        self.consumer = consumer
        self.broker = broker
        self.next_offset = next_offset
        self.apply = apply
        self.take_max = take_max
        self.quiet_s = quiet_s
        self.max_batches = max_batches
        self.feeds: dict[int, _Feed] = {}
        self.broker_ends: dict[int, int] = {}  # the last end offsets the broker gave
        self.accepting = True  # False once the worker is stopping
        self.counters: Counter[str] = Counter() if counters is None else counters

    # -- what the glue calls ------------------------------------------------------------------------

    async def deliver(self, partition: int, batch: list[Delivered]) -> None:
        """Queue a batch Faust handed over for ``partition``. Waits only while that partition already
        has ``max_batches`` waiting (a bound on memory)."""
        if not self.accepting:
            return  # stopping: neither applied nor acked, so read again after the restart
        feed = self._feed(partition)
        feed.arrived_at = time.monotonic()
        await feed.queue.put(batch)

    async def check_tails(self) -> None:
        """Ask the broker for the end of every assigned partition that has been quiet for ``quiet_s``
        and queue a tail read for those that lack records."""
        if not self.accepting or not self.consumer.is_active():
            return
        assigned = sorted(self.consumer.assigned())
        feeds = {p: self._feed(p) for p in assigned}  # a partition never delivered is quiet since now
        now = time.monotonic()
        quiet = [p for p in assigned if now - feeds[p].arrived_at >= self.quiet_s]
        if not quiet:
            return
        ends = await self.broker.end_offsets(quiet)
        if ends is None:
            self.counters["read_timeouts"] += 1
            return
        self.broker_ends.update(ends)
        for partition, end in ends.items():
            feed = self.feeds.get(partition)
            if feed is None or feed.tail_queued or partition not in self.consumer.assigned():
                continue
            if self.next_offset(partition) < end and feed.queue.empty():
                feed.tail_queued = True
                feed.queue.put_nowait(end)

    def job_seconds(self) -> dict[int, float]:
        """Per partition with a job in hand (reading, applying), the seconds since it began. A job
        is bounded (a take of records, reads with a timeout): one that runs on for minutes is a
        stall, and what ``/healthz`` reports."""
        now = time.monotonic()
        return {p: now - f.job_started_at for p, f in self.feeds.items() if f.job_started_at is not None}

    def quiet_s_of(self, partition: int) -> float:
        """Seconds since Faust last handed over records of ``partition`` (or since it was first seen)."""
        return time.monotonic() - self._feed(partition).arrived_at

    def revoke(self, partitions: set[int]) -> None:
        """Partitions taken away: what is queued for them is dropped, and a read in flight is
        discarded when it returns (the new owner reads from its snapshot's offset)."""
        for partition in partitions:
            feed = self.feeds.pop(partition, None)
            self.broker_ends.pop(partition, None)
            if feed is None:
                continue
            feed.closed = True
            if not feed.applying and feed.task is not None:
                feed.task.cancel()

    async def close(self) -> None:
        """Stop every partition's task (the worker is stopping)."""
        tasks = [f.task for f in self.feeds.values() if f.task is not None]
        self.feeds.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def drain(self) -> None:
        """Wait until every queued batch has been handed on."""
        for feed in list(self.feeds.values()):
            await feed.queue.join()

    async def finish(self) -> None:
        """A graceful stop: take nothing more, and hand on what is queued."""
        self.accepting = False
        await self.drain()

    # -- one partition's task --------------------------------------------------------------------------

    def _feed(self, partition: int) -> _Feed:
        feed = self.feeds.get(partition)
        if feed is None:
            feed = self.feeds[partition] = _Feed(self.max_batches)
            feed.task = asyncio.get_running_loop().create_task(self._work(partition, feed))
        return feed

    async def _work(self, partition: int, feed: _Feed) -> None:
        while not feed.closed:
            job = await feed.queue.get()
            feed.job_started_at = time.monotonic()
            try:
                if isinstance(job, int):
                    run = await self._tail(partition, job)
                    feed.tail_queued = False
                else:
                    run = await self._batch(partition, job)
                # Revoked while the read was awaited: the partition is no longer ours.
                if run is not None and not feed.closed and self._owned(partition):
                    feed.applying = True
                    await self.apply(partition, run)
            except Exception:  # a bug here must not silently stop the partition's stream
                log.exception("delivery failed; the records are read again later", partition=partition)
                self.counters["delivery_errors"] += 1
            finally:
                feed.applying = False
                feed.job_started_at = None
                feed.queue.task_done()

    def _owned(self, partition: int) -> bool:
        return self.consumer.is_active() and partition in self.consumer.assigned()

    async def _batch(self, partition: int, batch: list[Delivered]) -> Run | None:
        if not self._owned(partition):
            self.counters["dropped_after_rebalance"] += len(batch)
            return None
        generation = self.consumer.generation()
        current = sorted((d for d in batch if d.generation == generation), key=lambda d: d.offset)
        self.counters["dropped_after_rebalance"] += len(batch) - len(current)
        start = self.next_offset(partition)
        fresh = [d for d in current if d.offset >= start]
        self.counters["redelivered"] += len(current) - len(fresh)
        if not fresh:
            return None
        records = [InputRecord(d.offset, d.timestamp, d.value) for d in fresh]
        for hole_start, hole_end in missing_ranges([d.offset for d in fresh], start):
            read = await self._read(partition, hole_start, hole_end)
            if read is None:
                return None  # not applied, not acked: the hole shows again, or the tail read finds it
            self.counters["holes_read"] += 1
            records.extend(read)
        records.sort(key=lambda r: r.offset)
        return Run(records, fresh[-1].offset + 1, [d.ack for d in fresh])

    async def _tail(self, partition: int, end: int) -> Run | None:
        start = self.next_offset(partition)
        end = min(end, start + self.take_max)
        if start >= end:
            return None
        records = await self._read(partition, start, end)
        if records is None:
            return None
        self.counters["stalled_reads"] += 1
        return Run(records, end)

    async def _read(self, partition: int, start: int, end: int) -> list[InputRecord] | None:
        records = await self.broker.read(partition, start, end)
        if records is None:
            log.warning("reading missing records timed out: tried again later", partition=partition)
            self.counters["read_timeouts"] += 1
            return None
        absent = (end - start) - len(records)
        if absent:
            log.warning(
                "offsets absent from the broker passed",
                partition=partition,
                start=start,
                end=end,
                absent=absent,
                why="removed by retention, or transaction markers",
            )
            self.counters["offsets_absent"] += absent
        return records
