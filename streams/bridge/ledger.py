"""The bridge's ledger: the last ``seq`` PagerDuty accepted per ``dedup_key``, in a compacted topic.

Written before the alert's offset can be committed, and read in full whenever partitions are
assigned, so neither a crash, a restart nor a rebalance sends a step twice once it is recorded.
"""

from __future__ import annotations

from collections.abc import Callable

import orjson
from confluent_kafka import OFFSET_BEGINNING, Producer, TopicPartition

from streams.kafka_client import consumer
from streams.settings import Settings
from streams.topics import TopicSpec, retention_config

READ_TIMEOUT_S = 30.0


def ledger_topic(alerts_topic: str) -> str:
    return f"{alerts_topic}-pagerduty-ledger"


def bridge_topic_specs(settings: Settings, alerts_topic: str) -> list[TopicSpec]:
    """The alerts topic (the bridge may start before any worker), the ledger (compacted; entries older
    than the alerts' retention can no longer be re-read, so they are deleted too) and the bridge's DLQ."""
    retention = retention_config(settings)
    return [
        TopicSpec(alerts_topic, settings.partitions, retention),
        TopicSpec(ledger_topic(alerts_topic), 1, {"cleanup.policy": "compact,delete", **retention}),
        TopicSpec(f"{alerts_topic}-dlq", settings.partitions, retention),
    ]


def ledger_entry(dedup_key: str, seq: int, status: str, at: float) -> tuple[bytes, bytes]:
    """The ledger record (key, value) of one accepted step.

    >>> ledger_entry("client:acme:1", 2, "resolved", 1.5)
    (b'client:acme:1', b'{"seq":2,"status":"resolved","at":1.5}')
    """
    return dedup_key.encode(), orjson.dumps({"seq": seq, "status": status, "at": at})


def read_ledger(settings: Settings, topic: str) -> dict[str, int]:
    """Every ``dedup_key``'s last accepted seq, read to the topic's end as of now."""
    c = consumer(settings, group_id="extractwatch-ledger-reader")
    try:
        tp = TopicPartition(topic, 0, OFFSET_BEGINNING)
        low, high = c.get_watermark_offsets(tp, timeout=READ_TIMEOUT_S)
        seqs: dict[str, int] = {}
        if high <= low:
            return seqs
        c.assign([tp])
        while True:
            msg = c.poll(READ_TIMEOUT_S)
            if msg is None:
                raise TimeoutError(f"the ledger {topic} did not arrive within {READ_TIMEOUT_S:.0f} s")
            if msg.error():
                continue
            if msg.value() is not None:
                seq = orjson.loads(msg.value())["seq"]
                key = msg.key().decode()
                seqs[key] = max(seq, seqs.get(key, -1))
            if msg.offset() + 1 >= high:
                return seqs
    finally:
        c.close()


def record(
    producer: Producer, topic: str, dedup_key: str, seq: int, status: str, at: float, on_delivery: Callable
) -> None:
    key, value = ledger_entry(dedup_key, seq, status, at)
    producer.produce(topic, key=key, value=value, on_delivery=on_delivery)
