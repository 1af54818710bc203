"""``extractwatch alerts``: read alerts from the alerts topic."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import orjson
from confluent_kafka import OFFSET_BEGINNING, OFFSET_END, TopicPartition

from streams.kafka_client import consumer, watermarks
from streams.settings import Settings


def read_alerts(
    settings: Settings,
    topic: str | None = None,
    follow: bool = False,
    from_beginning: bool = False,
    idle_timeout: float = 5.0,
) -> Iterator[dict]:
    """Alerts as dicts. Without ``follow``, stops at the end offsets the topic had when called."""
    topic = topic or settings.alerts_topic
    c = consumer(settings, group_id=f"extractwatch-alerts-{uuid.uuid4().hex[:8]}")
    try:
        meta = c.list_topics(topic, timeout=10).topics[topic]
        start = OFFSET_BEGINNING if from_beginning else OFFSET_END
        partitions = [TopicPartition(topic, p, start) for p in sorted(meta.partitions)]
        ends = {tp.partition: watermarks(c, tp, 10)[1] for tp in partitions}
        c.assign(partitions)
        remaining = {p for p, end in ends.items() if end > 0} if from_beginning else set()
        while follow or remaining:
            msg = c.poll(0.5 if follow else idle_timeout)
            if msg is None:
                if not follow:
                    return
                continue
            if msg.error():
                continue
            if msg.offset() + 1 >= ends.get(msg.partition(), 0):
                remaining.discard(msg.partition())
            yield orjson.loads(msg.value())
    finally:
        c.close()


def format_text(alert: dict) -> str:
    return f"[{alert['status']:8s} {alert['severity']:8s} seq={alert['seq']}] {alert['summary']}"
