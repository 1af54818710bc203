"""The worker's wiring, built without a broker (a Faust app connects only when it starts)."""

import asyncio
from dataclasses import replace
from types import SimpleNamespace

import structlog
from faust.types import TP

from streams.agents import PartitionWorker
from streams.app import create_app
from streams.core.buckets import BucketGate
from streams.core.clusters import Heartbeat
from streams.core.stage import Output
from streams.lanes import lanes
from streams.producing import SendWatch
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


def route_worker_over(ends: dict[int, int | None], last_offset: int = 4) -> tuple[PartitionWorker, list]:
    """A route lane's worker over stand-ins for Faust's consumer and the partitions' states (no
    broker): ``ends`` is each assigned partition's end as the last fetch gave it; what the worker
    forwards is collected in the list returned."""
    settings = Settings(app_id="wiring-test")
    (route, *_rest) = lanes(create_app(settings), settings)
    topic = route.topic.get_topic_name()
    consumer = SimpleNamespace(
        assignment=lambda: [TP(topic, p) for p in ends], highwater=lambda tp: ends[tp.partition]
    )
    worker = PartitionWorker(SimpleNamespace(faust=SimpleNamespace(consumer=consumer)), settings, route)
    worker.states = {p: SimpleNamespace(last_offset=last_offset, watermark=100.0) for p in ends}
    said = []

    async def forward(routed):
        said.extend(item for items in routed.values() for item in items)

    worker._forward = forward
    return worker, said


def test_an_idle_partition_with_records_waiting_is_said_busy_before_another_forwards():
    worker, said = route_worker_over({0: 10, 1: 7})
    worker.router.route(0, [], 100.0)
    worker.router.idle(1, 101.0)
    asyncio.run(worker._say_waiting_partitions_busy(resuming=False))
    assert len(said) == worker.settings.partitions  # to every detect partition
    assert all(beat.source == 1 and not beat.idle and beat.watermark is None for beat in said)
    assert worker.router.is_busy(1)


def test_a_partition_not_heard_since_assignment_whose_end_is_unknown_is_said_busy():
    # After a restart the detect partitions may re-read idle announcements their snapshots do not
    # hold: a partition this assignment has not spoken for must be said busy before another's records.
    worker, said = route_worker_over({0: 10, 1: None})
    worker.router.route(0, [], 100.0)
    asyncio.run(worker._say_waiting_partitions_busy(resuming=False))
    assert {beat.source for beat in said} == {1} and not any(beat.idle for beat in said)


def test_a_partition_that_applied_its_whole_log_is_not_said_busy():
    worker, said = route_worker_over({0: 5, 1: 5})
    worker.router.idle(1, 101.0)
    asyncio.run(worker._say_waiting_partitions_busy(resuming=False))
    assert {beat.source for beat in said} == set()
    assert worker.router.is_idle(1)


def test_a_partition_whose_run_is_being_applied_is_said_busy_though_its_state_is_at_the_end():
    # Its state has applied the run (last offset at the end) but has not forwarded it yet.
    worker, said = route_worker_over({0: 5, 1: 5})
    worker.router.idle(1, 101.0)

    async def while_applying_1():
        async with worker.locks[1]:
            await worker._say_waiting_partitions_busy(resuming=False)

    asyncio.run(while_applying_1())
    assert {beat.source for beat in said} == {1} and not any(beat.idle for beat in said)


def test_a_partition_resuming_from_idle_says_every_idle_partition_busy():
    # The last fetch may not show the other partitions' new records yet.
    worker, said = route_worker_over({0: 5, 1: 5, 2: 5})
    for partition in (0, 1, 2):
        worker.router.idle(partition, 101.0)
    asyncio.run(worker._say_waiting_partitions_busy(resuming=True))
    assert {beat.source for beat in said} == {0, 1, 2} and not any(beat.idle for beat in said)


def test_a_run_that_puts_items_in_a_later_bucket_logs_which_source_sent_them():
    settings = Settings(app_id="wiring-test", clusters=False)
    (_route, detect) = lanes(create_app(settings), settings)
    worker = PartitionWorker(SimpleNamespace(faust=SimpleNamespace()), settings, detect)
    gate = BucketGate(sources=2, bucket_s=1.0)
    gate.hear(Heartbeat(0, 50.0)), gate.hear(Heartbeat(1, 60.0))  # released through 50 s

    def apply(_records):  # a stand-in for the core: source 1's event of 42 s comes after its bucket
        gate.offer("event", bucket=42, dedup=1, position=7)
        return Output(events=1)

    state = SimpleNamespace(gate=gate, apply=apply, watermark=60.0)
    worker.states = {3: state}
    with structlog.testing.capture_logs() as logs:
        assert asyncio.run(worker._apply_part(3, state, []))
    (warning,) = [entry for entry in logs if entry["event"] == "merge stragglers"]
    assert (warning["partition"], warning["count"], warning["last_from"]) == (3, 1, "1")
    assert (warning["last_bucket_ts"], warning["released_through"]) == (42.0, 50.0)


def test_a_snapshot_is_not_due_sooner_than_the_lanes_share_of_time_for_snapshots_allows():
    from streams.agents import SNAPSHOT_SHARE

    worker, _said = route_worker_over({0: 5, 1: 5})
    worker.snapshot_at = {0: 100.0}
    worker.since_snapshot[0] = worker.settings.snapshot_every
    worker.snapshot_seconds = {0: 0.5}  # two partitions: one snapshot every 10 s at most
    spacing = 0.5 * 2 / SNAPSHOT_SHARE
    assert not worker._snapshot_due(0, 100.0 + spacing - 0.1)
    assert worker._snapshot_due(0, 100.0 + spacing)


def test_a_cheap_snapshot_is_due_after_the_interval():
    worker, _said = route_worker_over({0: 5})
    worker.snapshot_at = {0: 100.0}
    worker.snapshot_seconds = {0: 0.001}
    interval = worker.settings.snapshot_interval_s
    assert not worker._snapshot_due(0, 100.0 + interval - 0.1)
    assert worker._snapshot_due(0, 100.0 + interval)


def snapshotting_worker(sends: SendWatch) -> tuple[PartitionWorker, list]:
    """A detect lane's worker holding partition 0 (applied up to offset 41, one delivery waiting for
    its ack), over a producer whose flush returns at once; the acks it gives are collected."""
    settings = Settings(app_id="wiring-test", detector=MURMUR2)
    app = create_app(settings)
    (detect, *_rest) = lanes(app, settings)

    async def flush():
        return None

    stand_in = SimpleNamespace(faust=SimpleNamespace(producer=SimpleNamespace(flush=flush)), sends=sends)
    worker = PartitionWorker(stand_in, settings, detect)
    worker.lane = SimpleNamespace(table=SimpleNamespace(data={}, send_changelog=lambda *args: None))
    worker.states = {0: SimpleNamespace(last_offset=41, snapshot=lambda: b"state")}
    worker.unacked[0] = ["delivery"]
    acked = []

    async def ack(event):
        acked.append(event)

    worker.stream = SimpleNamespace(ack=ack)
    return worker, acked


def failed_send() -> asyncio.Future:
    future = asyncio.get_running_loop().create_future()
    future.set_exception(RuntimeError("batch expired"))
    return future


def test_a_snapshot_makes_its_offsets_durable_and_acks_its_deliveries_once_every_send_arrived():
    worker, acked = snapshotting_worker(SendWatch(stop=lambda *failure: None))
    asyncio.run(worker._snapshot(0))
    assert worker.durable[0] == 42 and acked == ["delivery"]


def test_a_snapshot_after_a_failed_send_stops_the_worker_and_commits_nothing():
    stops = []
    worker, acked = snapshotting_worker(SendWatch(stop=lambda failed, error: stops.append(failed)))

    async def snapshot_after_a_failed_send():
        worker.app.sends.observe(failed_send())
        await worker._snapshot(0)

    asyncio.run(snapshot_after_a_failed_send())
    assert stops == [1] and 0 not in worker.durable and acked == []
