"""Reading a partition straight from the real broker, and the delivery repairing holes and tails so."""

from __future__ import annotations

import asyncio

import pytest
from confluent_kafka import Producer, TopicPartition

from streams.delivery import Delivered, Delivery, Run
from streams.partition_reader import PartitionReader, read_range
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


class OnePartition:
    """The group side, faked: partition 0 assigned, generation 1 (no group is joined here)."""

    def is_active(self) -> bool:
        return True

    def assigned(self) -> set[int]:
        return {0}

    def generation(self) -> int:
        return 1


def deliver(settings, topic, offsets: list[int], tail: bool = False) -> tuple[list[Run], Delivery]:
    """Hand a delivery over the real broker the records at ``offsets`` as Faust would (then, with
    ``tail``, let it look for a stalled tail); the runs it hands on."""
    runs: list[Run] = []
    next_offset = {0: 0}

    async def apply(partition: int, run: Run) -> bool:
        runs.append(run)
        next_offset[partition] = run.next_offset
        return True

    async def go() -> Delivery:
        reader = PartitionReader(settings.bootstrap_servers, topic, timeout_s=30)
        delivery = Delivery(OnePartition(), reader, next_offset.get, apply, take_max=100, quiet_s=0.0)
        if offsets:
            await delivery.deliver(0, [Delivered(o, 0.0, f"record {o}".encode(), 1) for o in offsets])
            await delivery.drain()
        if tail:
            await delivery.check_tails()
            await delivery.drain()
        await delivery.close()
        reader.close()
        return delivery

    return runs, asyncio.run(go())


def test_the_records_missing_before_those_delivered_are_read_and_handed_on_in_order(settings, topic):
    runs, delivery = deliver(settings, topic, [0, 1, 5, 6, 9])
    (run,) = runs
    assert [r.offset for r in run.records] == list(range(10)) and run.next_offset == 10
    assert run.records[3].value == b"record 3" and delivery.counters["holes_read"] == 2


def test_offsets_the_broker_no_longer_has_are_passed_and_counted(settings, topic):
    admin = admin_client(settings)
    admin.delete_records([TopicPartition(topic, 0, 3)])[TopicPartition(topic, 0, 3)].result(timeout=30)
    runs, delivery = deliver(settings, topic, [5, 6])
    assert [r.offset for r in runs[0].records] == [3, 4, 5, 6]
    assert delivery.counters["offsets_absent"] == 3


def test_a_quiet_partition_reads_its_tail_from_the_end_offset_the_broker_gives(settings, topic):
    runs, delivery = deliver(settings, topic, [0, 1], tail=True)
    assert [r.offset for run in runs for r in run.records] == list(range(RECORDS))
    assert delivery.broker_ends == {0: RECORDS} and delivery.counters["stalled_reads"] == 1


def test_a_stalled_tail_the_broker_no_longer_has_is_passed_instead_of_read_forever(settings, topic):
    admin = admin_client(settings)
    admin.delete_records([TopicPartition(topic, 0, RECORDS)])[TopicPartition(topic, 0, RECORDS)].result(
        timeout=30
    )
    runs, delivery = deliver(settings, topic, [], tail=True)
    assert [(run.records, run.next_offset) for run in runs] == [([], RECORDS)]
    assert delivery.counters["offsets_absent"] == RECORDS
