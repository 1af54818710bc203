"""The worker's wiring, built without a broker (a Faust app connects only when it starts)."""

from dataclasses import replace
from types import SimpleNamespace

from faust.types import TP

from streams.agents import PartitionWorker, lanes
from streams.app import create_app
from streams.settings import Settings


def test_clusters_on_gives_three_lanes_each_forwarding_to_the_next():
    settings = Settings(app_id="wiring-test")
    detect, clusters, swarms = lanes(create_app(settings), settings)
    assert (detect.name, clusters.name, swarms.name) == ("detect", "clusters", "swarms")
    assert detect.next_topic is clusters.topic and clusters.next_topic is swarms.topic
    assert swarms.router is None and swarms.topic.get_topic_name() == "wiring-test-cluster-decisions"


def test_clusters_off_gives_the_detect_lane_alone_forwarding_nothing():
    settings = replace(Settings(app_id="wiring-test"), clusters=False)
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
    (detect, *_rest) = lanes(app, settings)
    worker = PartitionWorker(
        SimpleNamespace(faust=SimpleNamespace(consumer=SimpleNamespace(highwater=revoked))), settings, detect
    )
    assert worker._fetched_end(TP(detect.topic.get_topic_name(), 0)) is None
