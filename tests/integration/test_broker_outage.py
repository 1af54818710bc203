"""Broker faults while a producer keeps buffering events, and the worker reconnects by itself,
catches up, and loses nothing:

- an outage: the broker stops for 60 s, then starts again;
- a freeze: the broker's process is stopped (SIGSTOP) for 20 s, then continued. Its connections
  stay open and its requests go unanswered, the shape of the stall seen in a worker's stacks (a
  producer flush waiting on an answer that never came). The worker's producer gives each request
  5 s here, then sends it again on a new connection; the broker, once continued, also writes what
  it had read before it froze, and the idempotent producer keeps those copies out.

These tests stop or freeze the suite's one broker (``infra/kafka/kafka.sh``'s); they always start or
continue it again, so the tests after them find it running. They are marked ``alone``: ``make test``
runs them after the other integration tests, which run two at a time, so that no fault of theirs
reaches another test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import orjson
import pytest
from confluent_kafka import Producer

from streams.topics import ensure_topics
from tests.integration.test_clusters import ENV, assert_live_matches_detect, swarm_traffic

pytestmark = [pytest.mark.integration, pytest.mark.alone]
ROOT = Path(__file__).resolve().parents[2]
KAFKA = ROOT / "infra" / "kafka" / "kafka.sh"
OUTAGE_S = 60.0
FROZEN_S = 20.0
FROZEN_REQUEST_TIMEOUT_S = 5.0


def broker(command: str) -> None:
    subprocess.run([str(KAFKA), command], check=True, capture_output=True, timeout=180)


def test_a_60_s_broker_outage_loses_nothing_and_the_worker_catches_up(settings, start_worker):
    lines, swarm = swarm_traffic(hours=2)
    ensure_topics(settings)
    worker = start_worker(**ENV)

    produce_through(settings, lines, lambda: broker("down"), lambda: broker("up"), OUTAGE_S)
    assert worker.alive(), "the worker survived the outage"
    assert_live_matches_detect(settings, lines, swarm, [worker])


def test_a_frozen_broker_costs_the_worker_neither_a_message_nor_a_copy(settings, start_worker):
    lines, swarm = swarm_traffic(hours=2)
    ensure_topics(settings)
    worker = start_worker(**ENV, EXTRACTWATCH_PRODUCER_REQUEST_TIMEOUT_S=str(FROZEN_REQUEST_TIMEOUT_S))
    pid = int((Path(os.environ.get("KAFKA_DATA", ROOT / ".data" / "kafka")) / "broker.pid").read_text())
    produce_through(
        settings, lines, lambda: os.kill(pid, signal.SIGSTOP), lambda: os.kill(pid, signal.SIGCONT), FROZEN_S
    )
    assert worker.alive(), "the worker survived the freeze"
    assert_live_matches_detect(settings, lines, swarm, [worker])
    assert "RequestTimedOutError" in worker.log_path.read_text(errors="replace"), (
        "a request of the worker's producer went unanswered past its timeout and was sent again"
    )


def produce_through(settings, lines: list[bytes], break_broker, mend_broker, fault_s: float) -> None:
    """Produce ``lines`` with Java's murmur2 (as ``produce`` does), spread over a fault of
    ``fault_s`` seconds, and wait until every event is delivered. Up to 5 minutes to
    deliver each one: the producer buffers through the fault, as a gateway's producer would.
    Idempotent: its retries after the fault keep each partition's order (``detect`` reads the
    events in theirs)."""
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
                time.sleep(0.2)  # spread over the fault: about 10 s of sending per 10,000 events

    time.sleep(10)  # the worker has joined and is reading
    sender = threading.Thread(target=produce, daemon=True)
    sender.start()
    time.sleep(3)
    break_broker()
    try:
        time.sleep(fault_s)
        buffered = len(producer)  # events waiting in the producer for the broker
    finally:
        mend_broker()
    assert buffered > 0, "events were produced during the fault"
    sender.join(60)
    assert producer.flush(240) == 0 and not failures, failures[:3]
