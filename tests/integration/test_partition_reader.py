"""Reading a hole of a partition straight from the real broker, and a lane filling its holes so."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from confluent_kafka import Producer, TopicPartition

from streams.agents import PartitionWorker, lanes
from streams.app import create_app
from streams.core.stage import InputRecord
from streams.partition_reader import read_range
from streams.topics import TopicSpec, admin_client, ensure_topics
from tests.integration.conftest import _free_port

pytestmark = pytest.mark.integration
RECORDS = 30


@pytest.fixture
def topic(settings) -> str:
    name = f"{settings.app_id}-holes"
    ensure_topics(settings, [TopicSpec(name, 1)])
    producer = Producer({"bootstrap.servers": settings.bootstrap_servers, "partitioner": "murmur2_random"})
    for i in range(RECORDS):
        producer.produce(name, f"record {i}".encode(), partition=0, timestamp=1_700_000_000_000 + i)
    assert producer.flush(30) == 0
    return name


def test_a_range_is_read_in_order_with_values_and_timestamps(settings, topic):
    records = read_range(settings.bootstrap_servers, topic, 0, 10, 20, timeout_s=30)
    assert [r.offset for r in records] == list(range(10, 20))
    assert records[0].value == b"record 10" and records[0].timestamp == 1_700_000_000.010


def test_records_removed_by_retention_are_absent_and_the_read_begins_at_the_first_kept(settings, topic):
    admin = admin_client(settings)  # kept referenced until its future completes
    deleted = admin.delete_records([TopicPartition(topic, 0, 15)])
    deleted[TopicPartition(topic, 0, 15)].result(timeout=30)
    records = read_range(settings.bootstrap_servers, topic, 0, 5, 20, timeout_s=30)
    assert [r.offset for r in records] == list(range(15, 20))


def test_a_range_past_the_end_of_the_log_stops_at_the_end(settings, topic):
    records = read_range(settings.bootstrap_servers, topic, 0, 25, 100, timeout_s=30)
    assert [r.offset for r in records] == list(range(25, RECORDS))


def test_no_broker_gives_none_when_the_time_is_up():
    assert read_range(f"127.0.0.1:{_free_port()}", "nowhere", 0, 0, 10, timeout_s=1.0) is None


def delivered_with_holes(settings, topic, offsets: list[int]) -> tuple[PartitionWorker, list[InputRecord]]:
    """The detect lane of a worker (not started: no group, no Faust consumer) over ``topic``, and
    what Faust handed it: the records at ``offsets``."""
    settings = replace(settings, input_topic=topic, clusters=False)
    app = create_app(settings)
    worker = PartitionWorker(app, settings, lanes(app, settings)[0])
    worker._state_for(0)  # empty: nothing applied yet
    return worker, [InputRecord(o, 0.0, f"record {o}".encode()) for o in offsets]


def test_a_lane_reads_the_records_missing_before_those_delivered_and_applies_all_in_order(settings, topic):
    worker, delivered = delivered_with_holes(settings, topic, [0, 1, 5, 6, 9])
    complete = asyncio.run(worker._with_holes_read(0, delivered))
    assert [r.offset for r in complete] == list(range(10))
    assert complete[3].value == b"record 3" and worker.counters["holes_read"] == 2


def test_a_lane_applies_through_offsets_the_broker_no_longer_has_and_counts_them(settings, topic):
    admin = admin_client(settings)
    admin.delete_records([TopicPartition(topic, 0, 3)])[TopicPartition(topic, 0, 3)].result(timeout=30)
    worker, delivered = delivered_with_holes(settings, topic, [5, 6])
    complete = asyncio.run(worker._with_holes_read(0, delivered))
    assert [r.offset for r in complete] == [3, 4, 5, 6]
    assert worker.counters["offsets_absent"] == 3


def test_a_stalled_partition_passes_absent_offsets_at_its_tail_instead_of_reading_them_forever(
    settings, topic
):
    admin = admin_client(settings)
    admin.delete_records([TopicPartition(topic, 0, RECORDS)])[TopicPartition(topic, 0, RECORDS)].result(
        timeout=30
    )
    worker, _ = delivered_with_holes(settings, topic, [])
    asyncio.run(worker._read_tail(0, RECORDS))
    assert worker.states[0].last_offset == RECORDS - 1
    assert worker.counters["offsets_absent"] == RECORDS
