"""confluent-kafka clients configured the one way the project needs."""

from __future__ import annotations

import time
from collections.abc import Iterator

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, Message, Producer, TopicPartition

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


def watermarks(c: Consumer, tp: TopicPartition, timeout: float, retry_every: float = 0.5) -> tuple[int, int]:
    """The partition's (low, high) offsets. A partition without a leader (a topic moments old, a
    broker electing one) answers with an error for a while: asked again until ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return c.get_watermark_offsets(tp, timeout=timeout)
        except KafkaException:
            if time.monotonic() + retry_every > deadline:
                raise
            time.sleep(retry_every)


def messages_to_end(settings: Settings, topic: str, timeout: float = 30.0) -> Iterator[Message]:
    """Every message of ``topic``, each partition from its beginning to its end as of the call, with
    a consumer that joins no group and commits nothing."""
    c = consumer(settings, group_id="extractwatch-reader", **{"enable.partition.eof": False})
    try:
        meta = c.list_topics(topic, timeout=timeout).topics[topic]
        if meta.error is not None:
            return
        ends = {}
        for p in sorted(meta.partitions):
            low, high = watermarks(c, TopicPartition(topic, p), timeout)
            if high > low:
                ends[p] = high
        c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in ends])
        while ends:
            msg = c.poll(timeout)
            if msg is None:
                raise TimeoutError(f"{topic}: nothing read for {timeout:.0f} s before its end")
            if msg.error():
                continue
            if msg.offset() + 1 >= ends.get(msg.partition(), 0):
                ends.pop(msg.partition(), None)
            yield msg
    finally:
        c.close()
