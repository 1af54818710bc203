"""The bridge's ledger: the last ``seq`` PagerDuty accepted per ``dedup_key``, in a compacted topic.

Written before the alert's offset can be committed, and read in full whenever partitions are
assigned, so neither a crash, a restart nor a rebalance sends a step twice once it is recorded.
"""

from __future__ import annotations

from collections.abc import Callable

import orjson
from confluent_kafka import Producer

from streams.kafka_client import messages_to_end
from streams.settings import Settings
from streams.topics import TopicSpec, retention_config

READ_TIMEOUT_S = 30.0


def ledger_topic(alerts_topic: str) -> str:
    return f"{alerts_topic}-pagerduty-ledger"


def bridge_dlq_topic(alerts_topic: str) -> str:
    """Where alerts PagerDuty refused, or the bridge could not read, go with the reason."""
    return f"{alerts_topic}-dlq"


def bridge_topic_specs(settings: Settings, alerts_topic: str) -> list[TopicSpec]:
    """The alerts topic (the bridge may start before any worker), the ledger (compacted; entries older
    than the alerts' retention can no longer be re-read, so they are deleted too) and the bridge's DLQ."""
    retention = retention_config(settings)
    return [
        TopicSpec(alerts_topic, settings.partitions, retention),
        TopicSpec(ledger_topic(alerts_topic), 1, {"cleanup.policy": "compact,delete", **retention}),
        TopicSpec(bridge_dlq_topic(alerts_topic), settings.partitions, retention),
    ]


def ledger_entry(dedup_key: str, seq: int, status: str, at: float) -> tuple[bytes, bytes]:
    """The ledger record (key, value) of one accepted step.

    >>> ledger_entry("client:acme:1", 2, "resolved", 1.5)
    (b'client:acme:1', b'{"seq":2,"status":"resolved","at":1.5}')
    """
    return dedup_key.encode(), orjson.dumps({"seq": seq, "status": status, "at": at})


def read_ledger(settings: Settings, topic: str) -> dict[str, int]:
    """Every ``dedup_key``'s last accepted seq, read to the topic's end as of now."""
    seqs: dict[str, int] = {}
    for msg in messages_to_end(settings, topic, READ_TIMEOUT_S):
        if msg.value() is not None:
            key = msg.key().decode()
            seqs[key] = max(orjson.loads(msg.value())["seq"], seqs.get(key, -1))
    return seqs


def record(
    producer: Producer, topic: str, dedup_key: str, seq: int, status: str, at: float, on_delivery: Callable
) -> None:
    key, value = ledger_entry(dedup_key, seq, status, at)
    producer.produce(topic, key=key, value=value, on_delivery=on_delivery)
