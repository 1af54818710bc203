"""``extractwatch produce``: publish JSONL events to the input topic, keyed by client_id."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import orjson
import structlog

from streams.core.partitioner import partition_for
from streams.core.validate import event_time
from streams.kafka_client import producer
from streams.settings import Settings
from streams.topics import TopicSpec, ensure_topics, topic_specs

log = structlog.get_logger(__name__)


@dataclass
class ProduceReport:
    messages: int = 0
    events: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def record_timestamp_ms(ts: float | None, now: float) -> int:
    """The event time, capped at now so the broker accepts it and history is findable by time.

    >>> record_timestamp_ms(100.0, 200.0), record_timestamp_ms(300.0, 200.0), record_timestamp_ms(None, 2.0)
    (100000, 200000, 2000)
    """
    return int(min(ts if ts is not None else now, now) * 1000)


class InputPublisher:
    """Publishes events one per message, or packed into envelopes of up to ``batch`` events."""

    def __init__(
        self, settings: Settings, topic: str | None = None, batch: int = 1, **producer_config: object
    ):
        self.settings = settings
        self.topic = topic or settings.input_topic
        self.batch = max(1, batch)
        self.producer = producer(settings, **producer_config)
        self.report = ProduceReport()
        self._envelopes: dict[int, list[tuple[bytes, float | None, str]]] = {}  # line, ts, client

    def ensure_topic(self) -> None:
        specs = [s for s in topic_specs(self.settings) if s.name == self.topic]
        ensure_topics(self.settings, specs or [TopicSpec(self.topic, self.settings.partitions)])

    def publish_line(self, line: bytes) -> None:
        line = line.strip()
        if not line:
            return
        try:
            doc = orjson.loads(line)
        except orjson.JSONDecodeError:
            doc = None
        client_id = doc.get("client_id") if isinstance(doc, dict) else None
        if self.batch == 1 or not isinstance(client_id, str):
            # Lines that are not single events (bad JSON, arrays) go as sent: the worker decides.
            self._send(line, client_id, event_time(doc), events=1)
            return
        partition = partition_for(client_id, self.settings.partitions)
        pending = self._envelopes.setdefault(partition, [])
        pending.append((line, event_time(doc), client_id))
        if len(pending) >= self.batch:
            self._flush_envelope(partition)

    def close(self, timeout: float = 60.0) -> ProduceReport:
        for partition in list(self._envelopes):
            self._flush_envelope(partition)
        remaining = self.producer.flush(timeout)
        if remaining:
            self.report.failed += remaining
            self.report.errors.append(f"{remaining} messages not delivered within {timeout:.0f}s")
        return self.report

    def _flush_envelope(self, partition: int) -> None:
        pending = self._envelopes.pop(partition, [])
        if not pending:
            return
        value = b"[" + b",".join(line for line, _, _ in pending) + b"]"
        times = [ts for _, ts, _ in pending if ts is not None]
        # An envelope's key is one of its clients: the same partition, by construction.
        self._send(value, pending[0][2], max(times) if times else None, events=len(pending))

    def _send(self, value: bytes, key: str | None, ts: float | None, events: int) -> None:
        def on_delivery(err, _msg) -> None:
            if err is not None:
                self.report.failed += 1
                if len(self.report.errors) < 10:
                    self.report.errors.append(str(err))

        kwargs = {"key": key.encode() if key is not None else None, "on_delivery": on_delivery}
        while True:
            try:
                self.producer.produce(
                    self.topic, value, timestamp=record_timestamp_ms(ts, time.time()), **kwargs
                )
                break
            except BufferError:
                self.producer.poll(0.1)  # the local queue is full: let deliveries drain
        self.producer.poll(0)
        self.report.messages += 1
        self.report.events += events


def publish(
    settings: Settings,
    lines: Iterable[bytes],
    topic: str | None = None,
    batch: int = 1,
    **producer_config: object,
) -> ProduceReport:
    """``producer_config`` overrides librdkafka settings (e.g. another ``partitioner``)."""
    publisher = InputPublisher(settings, topic, batch, **producer_config)
    publisher.ensure_topic()
    for line in lines:
        publisher.publish_line(line)
    report = publisher.close()
    log.info(
        "produced",
        topic=publisher.topic,
        messages=report.messages,
        events=report.events,
        failed=report.failed,
    )
    return report
