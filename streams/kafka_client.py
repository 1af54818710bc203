"""confluent-kafka clients configured the one way the project needs."""

from __future__ import annotations

from confluent_kafka import Consumer, Producer

from streams.settings import Settings
from streams.topics import DLQ_MAX_MESSAGE_BYTES


def producer(settings: Settings, **extra: object) -> Producer:
    return Producer(
        {
            "bootstrap.servers": settings.bootstrap_servers,
            # Java, faust and aiokafka partition keys with murmur2; librdkafka's default is CRC32.
            "partitioner": "murmur2_random",
            "enable.idempotence": True,  # keeps file order per partition across retries
            "linger.ms": 20,
            "compression.type": "lz4",
            "message.max.bytes": DLQ_MAX_MESSAGE_BYTES,
            **extra,
        }
    )


def consumer(settings: Settings, group_id: str, **extra: object) -> Consumer:
    return Consumer(
        {
            "bootstrap.servers": settings.bootstrap_servers,
            "group.id": group_id,
            "enable.auto.commit": False,
            "auto.offset.reset": "latest",
            **extra,
        }
    )
