"""The worker's wiring, built without a broker (a Faust app connects only when it starts)."""

import asyncio
from dataclasses import replace

from faust.types import TP

from streams import agents
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


def test_a_consumer_call_that_never_answers_is_given_up_so_the_lane_lock_is_released(monkeypatch):
    settings = Settings(app_id="wiring-test")
    app = create_app(settings)
    worker = PartitionWorker(app, settings, lanes(app, settings)[0])
    monkeypatch.setattr(agents, "CONSUMER_CALL_TIMEOUT_S", 0.05)
    tp = TP(settings.input_topic, 3)

    async def ask_twice():
        never = asyncio.get_running_loop().create_future()  # a consumer thread that never answers
        answered = asyncio.get_running_loop().create_future()
        answered.set_result(42)
        given_up = await worker._ask_consumer(never, "position", tp)
        return given_up, await worker._ask_consumer(answered, "position", tp)

    assert asyncio.run(ask_twice()) == (None, 42)
    assert worker.counters["consumer_call_timeouts"] == 1
