"""The worker's wiring, built without a broker (a Faust app connects only when it starts)."""

import asyncio
from dataclasses import replace
from types import SimpleNamespace

from faust.types import TP

from streams.agents import PartitionWorker
from streams.app import create_app
from streams.lanes import lanes
from streams.settings import DetectorSettings, Settings

MURMUR2 = replace(DetectorSettings(), input_partitioner="murmur2")


def test_any_partitioner_gives_a_route_lane_before_detect_that_reads_what_it_forwards():
    settings = Settings(app_id="wiring-test")
    route, detect, clusters, swarms = lanes(create_app(settings), settings)
    assert (route.name, detect.name) == ("route", "detect")
    assert route.topic.get_topic_name() == settings.input_topic
    assert route.next_topic is detect.topic and detect.topic.get_topic_name() == "wiring-test-routed"
    assert detect.next_topic is clusters.topic


def test_clusters_on_gives_three_lanes_each_forwarding_to_the_next():
    settings = Settings(app_id="wiring-test", detector=MURMUR2)
    detect, clusters, swarms = lanes(create_app(settings), settings)
    assert (detect.name, clusters.name, swarms.name) == ("detect", "clusters", "swarms")
    assert detect.topic.get_topic_name() == settings.input_topic
    assert detect.next_topic is clusters.topic and clusters.next_topic is swarms.topic
    assert swarms.router is None and swarms.topic.get_topic_name() == "wiring-test-cluster-decisions"


def test_clusters_off_gives_the_detect_lane_alone_forwarding_nothing():
    settings = Settings(app_id="wiring-test", clusters=False, detector=MURMUR2)
    (detect,) = lanes(create_app(settings), settings)
    assert detect.router is None and detect.next_topic is None
    assert detect.new_state(0).clusters is False


def test_a_partition_revoked_under_the_timer_has_no_fetched_end():
    # A stand-in for the consumer (no broker): aiokafka's ``highwater`` asserts the partition is
    # assigned, and the consumer thread can revoke it between ``_assigned()`` and the call.
    def revoked(_tp):
        raise AssertionError("Partition is not assigned")

    settings = Settings(app_id="wiring-test")
    app = create_app(settings)
    (route, *_rest) = lanes(app, settings)
    worker = PartitionWorker(
        SimpleNamespace(faust=SimpleNamespace(consumer=SimpleNamespace(highwater=revoked))), settings, route
    )
    assert worker._fetched_end(TP(route.topic.get_topic_name(), 0)) is None


def test_an_idle_partition_with_records_waiting_is_said_busy_before_another_forwards():
    # Stand-ins for Faust's consumer and the partitions' states (no broker): partition 1 was
    # announced idle and the last fetch shows records it has not applied yet.
    settings = Settings(app_id="wiring-test")
    (route, *_rest) = lanes(create_app(settings), settings)
    topic = route.topic.get_topic_name()
    ends = {0: 10, 1: 7}
    consumer = SimpleNamespace(
        assignment=lambda: [TP(topic, 0), TP(topic, 1)], highwater=lambda tp: ends[tp.partition]
    )
    worker = PartitionWorker(SimpleNamespace(faust=SimpleNamespace(consumer=consumer)), settings, route)
    worker.states = {p: SimpleNamespace(last_offset=4, watermark=100.0) for p in (0, 1)}
    worker.router.idle(1, 101.0)
    said = []

    async def forward(routed):
        said.extend(item for items in routed.values() for item in items)

    worker._forward = forward
    asyncio.run(worker._wake_idle_with_backlog())
    assert len(said) == settings.partitions  # to every detect partition
    assert all(beat.source == 1 and not beat.idle and beat.watermark == 100.0 for beat in said)
    assert not worker.router.is_idle(1)
