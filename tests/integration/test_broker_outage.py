"""A broker outage: the broker stops for 60 s while a producer keeps buffering events, then starts
again. The worker reconnects by itself and catches up, and nothing is lost.

This test stops and starts the suite's one broker (``infra/kafka/kafka.sh``); it always starts it
again, so the tests after it find it running.
"""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import orjson
import pytest
from confluent_kafka import Producer

from streams.topics import ensure_topics
from tests.integration.test_clusters import ENV, assert_live_matches_detect, swarm_traffic

pytestmark = pytest.mark.integration
KAFKA = Path(__file__).resolve().parents[2] / "infra" / "kafka" / "kafka.sh"
OUTAGE_S = 60.0


def broker(command: str) -> None:
    subprocess.run([str(KAFKA), command], check=True, capture_output=True, timeout=180)


def test_a_60_s_broker_outage_loses_nothing_and_the_worker_catches_up(settings, start_worker):
    lines, swarm = swarm_traffic(hours=2)
    ensure_topics(settings)
    worker = start_worker(**ENV)
    # Java's murmur2 (as ``produce`` uses), and up to 5 minutes to deliver each event: the producer
    # buffers through the outage, as a gateway's producer would. Idempotent: its retries after the
    # outage keep each partition's order (``detect`` reads the events in theirs).
    producer = Producer(
        {
            "bootstrap.servers": settings.bootstrap_servers,
            "partitioner": "murmur2_random",
            "enable.idempotence": True,
            "message.timeout.ms": 300_000,
            "queue.buffering.max.messages": 1_000_000,
        }
    )
    failures: list[str] = []

    def produce() -> None:
        for i, line in enumerate(lines):
            producer.produce(
                settings.input_topic,
                line,
                key=orjson.loads(line)["client_id"].encode(),
                on_delivery=lambda err, _msg: err and failures.append(str(err)),
            )
            producer.poll(0)
            if i % 200 == 0:
                time.sleep(0.2)  # spread over the outage: about 10 s of sending per 10,000 events

    time.sleep(10)  # the worker has joined and is reading
    sender = threading.Thread(target=produce, daemon=True)
    sender.start()
    try:
        time.sleep(3)
        broker("down")
        time.sleep(OUTAGE_S)
        buffered = len(producer)  # events waiting in the producer for the broker
    finally:
        broker("up")
    assert buffered > 0, "events were produced during the outage"
    sender.join(60)
    assert producer.flush(240) == 0 and not failures, failures[:3]
    assert worker.alive(), "the worker survived the outage"
    assert_live_matches_detect(settings, lines, swarm, [worker])
