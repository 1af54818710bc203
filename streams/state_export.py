"""``extractwatch state export``: a partition's latest snapshot, from Kafka to a file."""

from __future__ import annotations

import uuid

import orjson
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from streams.core.partition import PartitionState
from streams.errors import CheckpointError
from streams.kafka_client import watermarks
from streams.settings import Settings
from streams.topics import state_changelog_topic


def latest_snapshot(
    settings: Settings, partition: int, timeout: float = 30.0, topic: str | None = None
) -> bytes:
    """The last snapshot the worker wrote for ``partition`` in a state table's changelog (``topic``;
    default: the input partitions' states). The changelog is compacted."""
    topic = topic or state_changelog_topic(settings)
    c = Consumer(
        {
            "bootstrap.servers": settings.bootstrap_servers,
            "group.id": f"export-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
        }
    )
    try:
        tp = TopicPartition(topic, partition)
        _, end = watermarks(c, tp, timeout)
        if end <= 0:
            raise CheckpointError(
                f"no snapshot of partition {partition} in {topic}: has a worker with "
                f"EXTRACTWATCH_APP_ID={settings.app_id} processed it?"
            )
        c.assign([TopicPartition(topic, partition, OFFSET_BEGINNING)])
        latest: bytes | None = None
        key = orjson.dumps(str(partition))  # Faust serialises the table's str keys as JSON
        while True:
            msg = c.poll(timeout)
            if msg is None:
                raise CheckpointError(f"timed out reading {topic} partition {partition}")
            if not msg.error() and msg.key() == key and msg.value():
                latest = msg.value()
            if msg.offset() + 1 >= end:
                break
        if latest is None:
            raise CheckpointError(f"no snapshot of partition {partition} in {topic}")
        return latest
    finally:
        c.close()


def export(settings: Settings, partition: int, raw: bool) -> bytes:
    """The snapshot as written (``raw``: a River-version-stamped checkpoint), or as readable JSON."""
    blob = latest_snapshot(settings, partition)
    if raw:
        return blob
    state = PartitionState.restore(blob, settings.detector)
    return orjson.dumps(state.describe(), option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY)
