"""Reading a range of one partition's records straight from the broker.

Faust's consumer can leave holes in what it hands a stream: it skips (and acks) records that arrive
while its flow is paused or from an older consumer generation, and records fetched before a
rebalance can be dropped. Seeking its consumer back does not reliably bring them: records already
fetched from beyond the hole keep arriving and move Faust's read offset past them, and it then drops
the re-fetched ones as already read. A lane therefore reads a hole itself, with a consumer of its
own that joins no group and commits nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

import structlog
from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

from streams.core.stage import InputRecord

log = structlog.get_logger(__name__)
T = TypeVar("T")

# A blocking call to the broker returns within its own timeout, or is given up this much later. Each
# call has a bound of its own, but librdkafka can still block past it (a consumer's close() that
# waits on its broker threads is a known case), and a partition awaiting such a call forever would
# stop its lane without a word.
GIVE_UP_AFTER_S = 10.0


async def in_thread(call: Callable[[], T], limit_s: float, what: str) -> T | None:
    """``call()`` run in a daemon thread of its own; its result, or None if it has not returned
    within ``limit_s`` (logged; the thread is left behind, and never keeps the process from exiting).
    An exception it raises is raised here.

    >>> asyncio.run(in_thread(lambda: 42, 1.0, "answer"))
    42
    """
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: Exception | None) -> None:
        if done.done():  # given up meanwhile
            return
        if error is None:
            done.set_result(result)
        else:
            done.set_exception(error)

    def run() -> None:
        try:
            result, error = call(), None
        except Exception as exc:  # handed to the awaiting task
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: the worker stopped
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name=f"broker: {what}", daemon=True).start()
    try:
        return await asyncio.wait_for(done, limit_s)
    except TimeoutError:
        log.error(
            "a broker call did not return: given up, its thread left behind", call=what, limit_s=limit_s
        )
        return None


def missing_ranges(offsets: list[int], next_offset: int) -> list[tuple[int, int]]:
    """The offset ranges ``[start, end)`` absent before each of ``offsets`` (sorted), counting from
    ``next_offset``, the first one the state has not applied. Offsets below it are redelivered.

    >>> missing_ranges([5, 6, 7], 5), missing_ranges([3, 4, 5, 9, 12], 5), missing_ranges([8], 5)
    ([], [(6, 9), (10, 12)], [(5, 8)])
    """
    ranges = []
    for offset in offsets:
        if offset > next_offset:
            ranges.append((next_offset, offset))
        next_offset = max(next_offset, offset + 1)
    return ranges


def _reader(bootstrap_servers: str) -> Consumer:
    return Consumer(
        {
            "bootstrap.servers": bootstrap_servers,
            "group.id": "extractwatch-partition-reader",  # required; never joined, nothing committed
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "auto.offset.reset": "earliest",  # below the log start: begin at the first record kept
            "enable.partition.eof": True,
            "log_level": 4,
        }
    )


def read_range(
    bootstrap_servers: str, topic: str, partition: int, start: int, end: int, timeout_s: float
) -> list[InputRecord] | None:
    """The records of ``topic``/``partition`` with offsets in ``[start, end)``, in order.

    Offsets in the range that the result lacks are not on the broker (removed by retention, or
    transaction markers). None: the broker did not give the whole range within ``timeout_s``.
    Blocking: call it from a thread.
    """
    consumer = _reader(bootstrap_servers)
    try:
        consumer.assign([TopicPartition(topic, partition, start)])
        records: list[InputRecord] = []
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            msg = consumer.poll(min(left, 1.0))
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    return records
                continue  # transient (the client retries); the deadline bounds it
            if msg.offset() >= end:
                return records
            records.append(InputRecord(msg.offset(), msg.timestamp()[1] / 1000.0, msg.value()))
            if msg.offset() == end - 1:
                return records
        return None
    finally:
        consumer.close()


def read_to_end(
    bootstrap_servers: str, topic: str, starts: dict[int, int], timeout_s: float
) -> dict[int, list[InputRecord]] | None:
    """Each listed partition's records of ``topic`` from its start offset to the partition's end, in
    order. None: the broker did not reach every partition's end within ``timeout_s``. Blocking: call
    it from a thread."""
    if not starts:
        return {}
    consumer = _reader(bootstrap_servers)
    try:
        consumer.assign([TopicPartition(topic, p, start) for p, start in starts.items()])
        records: dict[int, list[InputRecord]] = {p: [] for p in starts}
        open_partitions = set(starts)
        deadline = time.monotonic() + timeout_s
        while open_partitions and (left := deadline - time.monotonic()) > 0:
            msg = consumer.poll(min(left, 1.0))
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    open_partitions.discard(msg.partition())
                continue  # transient (the client retries); the deadline bounds it
            records[msg.partition()].append(
                InputRecord(msg.offset(), msg.timestamp()[1] / 1000.0, msg.value())
            )
        return None if open_partitions else records
    finally:
        consumer.close()


class PartitionReader:
    """The broker side of ``streams.delivery`` for one topic: reads in threads, so the event loop (and
    every other partition) runs on meanwhile, each given up ``GIVE_UP_AFTER_S`` past its own timeout.
    End offsets come from one long-lived consumer: the delivery asks for them every second or so
    while a partition is quiet."""

    def __init__(self, bootstrap_servers: str, topic: str, timeout_s: float):
        self.bootstrap_servers = bootstrap_servers
        self.topic = topic
        self.timeout_s = timeout_s
        self._ends_consumer: Consumer | None = None
        self._ends_lock = threading.Lock()  # one librdkafka call at a time on that consumer

    async def read(self, partition: int, start: int, end: int) -> list[InputRecord] | None:
        return await in_thread(
            lambda: read_range(self.bootstrap_servers, self.topic, partition, start, end, self.timeout_s),
            self.timeout_s + GIVE_UP_AFTER_S,
            f"read {self.topic}/{partition}",
        )

    async def end_offsets(self, partitions: Sequence[int]) -> dict[int, int] | None:
        # Asked for each partition in turn, so it may take a timeout per partition.
        limit_s = self.timeout_s * (len(partitions) + 1) + GIVE_UP_AFTER_S
        what = f"end offsets {self.topic}"
        return await in_thread(lambda: self._end_offsets(list(partitions)), limit_s, what)

    def _end_offsets(self, partitions: list[int]) -> dict[int, int] | None:
        # A call left behind may still hold the consumer: this one then answers None, not a wait.
        if not self._ends_lock.acquire(timeout=self.timeout_s):
            return None
        try:
            if self._ends_consumer is None:
                self._ends_consumer = _reader(self.bootstrap_servers)
            try:
                return {
                    p: self._ends_consumer.get_watermark_offsets(
                        TopicPartition(self.topic, p), timeout=self.timeout_s
                    )[1]
                    for p in partitions
                }
            except KafkaException:
                return None
        finally:
            self._ends_lock.release()

    def close(self) -> None:
        with self._ends_lock:
            if self._ends_consumer is not None:
                self._ends_consumer.close()
                self._ends_consumer = None
