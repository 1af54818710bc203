"""A topic's history as one stream in event-time order: what ``replay --fresh`` and ``backtest`` read.

Every partition is read from its beginning to its end as of the start (records produced later are
not waited for), with a consumer that joins no group and commits nothing, so a live worker's group
and offsets are never touched. The partitions are merged on each record's event time (ties by
partition, then offset), so the order depends neither on the producer's partitioner nor on its
record timestamps. The merge is streaming: it holds at most ``BUFFER`` records per partition
(pausing the partitions that are ahead), so a topic larger than memory can be read.
"""

from __future__ import annotations

import heapq
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

import orjson
from confluent_kafka import Consumer, KafkaError, TopicPartition

from streams.core.validate import event_time
from streams.errors import DeliveryError
from streams.kafka_client import watermarks
from streams.settings import Settings

BUFFER = 20_000  # records buffered per partition before it is paused
_POLL_BATCH = 5_000


@dataclass(frozen=True, slots=True)
class HistoryRecord:
    ts: float  # the record's event time (its first event's, for an envelope)
    partition: int
    offset: int
    value: bytes
    timestamp: float = 0.0  # the Kafka record timestamp, seconds


def record_event_time(value: bytes | None, previous: float) -> float:
    """The event time a record is merged on; a record without one (not JSON, no ``ts``) keeps its
    place after the partition's previous record.

    >>> record_event_time(b'{"ts": 5}', 0.0), record_event_time(b'[{"ts": 7}, {"ts": 9}]', 0.0)
    (5.0, 7.0)
    >>> record_event_time(b'not json', 3.0)
    3.0
    """
    try:
        doc = orjson.loads(value or b"")
    except orjson.JSONDecodeError:
        return previous
    first = doc[0] if isinstance(doc, list) and doc else doc
    ts = event_time(first) if isinstance(first, dict) else None
    return previous if ts is None else ts


class TopicHistory:
    """Iterate ``records()`` once. ``total`` is the number of records to read (for progress)."""

    def __init__(
        self, settings: Settings, topic: str, starts: dict[int, int] | None = None, timeout_s: float = 30.0
    ):
        """``starts``: the first offset to read per partition (default: each partition's beginning)."""
        self.topic = topic
        self.timeout_s = timeout_s
        self.consumer = Consumer(
            {
                "bootstrap.servers": settings.bootstrap_servers,
                "group.id": "extractwatch-history-reader",  # required; never joined, nothing committed
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                "auto.offset.reset": "earliest",
                "log_level": 4,
            }
        )
        meta = self.consumer.list_topics(topic, timeout=timeout_s).topics.get(topic)
        if meta is None or meta.error is not None or not meta.partitions:
            self.consumer.close()
            raise DeliveryError(f"topic {topic!r} not found on {settings.bootstrap_servers}")
        self.bounds: dict[int, tuple[int, int]] = {}
        for p in sorted(meta.partitions):
            low, high = watermarks(self.consumer, TopicPartition(topic, p), timeout_s)
            if starts is not None:
                low = max(low, starts.get(p, low))
            if high > low:
                self.bounds[p] = (low, high)
        self.total = sum(high - low for low, high in self.bounds.values())

    def records(self) -> Iterator[HistoryRecord]:
        try:
            yield from self._merged()
        finally:
            self.consumer.close()

    def _merged(self) -> Iterator[HistoryRecord]:
        buffers: dict[int, deque[HistoryRecord]] = {p: deque() for p in self.bounds}
        last_ts = dict.fromkeys(self.bounds, 0.0)
        unread = {p: low for p, (low, _) in self.bounds.items()}  # next offset to arrive, per partition
        paused: set[int] = set()
        self.consumer.assign([TopicPartition(self.topic, p, low) for p, low in unread.items()])
        heads: list[tuple[float, int, int]] = []  # (ts, partition, offset) of each buffer's first record
        while buffers:
            # the merge may only take the smallest head once every unfinished partition has one
            waiting = [p for p, buf in buffers.items() if not buf and unread[p] < self.bounds[p][1]]
            if waiting:
                self._fill(buffers, unread, last_ts, paused, heads)
                continue
            if not heads:
                return
            _, p, _ = heapq.heappop(heads)
            record = buffers[p].popleft()
            yield record
            if buffers[p]:
                head = buffers[p][0]
                heapq.heappush(heads, (head.ts, p, head.offset))
            elif unread[p] >= self.bounds[p][1]:
                del buffers[p]
            if p in paused and len(buffers.get(p, ())) < BUFFER // 2:
                self.consumer.resume([TopicPartition(self.topic, p)])
                paused.discard(p)

    def _fill(self, buffers, unread, last_ts, paused, heads) -> None:
        deadline = time.monotonic() + self.timeout_s
        while not (messages := self.consumer.consume(_POLL_BATCH, timeout=0.2)):
            if time.monotonic() > deadline:
                raise DeliveryError(f"no records from {self.topic!r} within {self.timeout_s:.0f} s")
        for msg in messages:
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    continue
                raise DeliveryError(f"reading {self.topic!r}: {msg.error()}")
            p, offset = msg.partition(), msg.offset()
            if p not in buffers or offset >= self.bounds[p][1]:
                continue  # produced after the start: not part of this history
            unread[p] = offset + 1
            last_ts[p] = record_event_time(msg.value(), last_ts[p])
            record = HistoryRecord(last_ts[p], p, offset, msg.value(), msg.timestamp()[1] / 1000.0)
            if not buffers[p]:
                heapq.heappush(heads, (record.ts, p, offset))
            buffers[p].append(record)
            if len(buffers[p]) >= BUFFER and p not in paused:
                self.consumer.pause([TopicPartition(self.topic, p)])
                paused.add(p)
        # a partition whose log ends below its recorded end (compaction, transaction markers)
        for p, (_, high) in self.bounds.items():
            if p in buffers and unread[p] < high:
                position = self.consumer.position([TopicPartition(self.topic, p)])[0].offset
                if position >= high:
                    unread[p] = high
