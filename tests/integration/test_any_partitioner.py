"""Producers that do not partition with murmur2 lose nothing. kcat (Debian's, installed by
``make test``) produces with librdkafka's default partitioner: crc32 of the key, or a random
partition for a message without one. A bulk load of history before the worker starts, live traffic
while it runs (without keys), and a catch-up on the traffic of the hours it was stopped, all give
``detect``'s alerts, and no event is judged late or reaches the merge late."""

from __future__ import annotations

import subprocess
import time
import uuid

import orjson
import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from streams.core.cluster_wire import decode_envelope
from streams.core.clusters import Heartbeat
from streams.topics import ensure_topics, routed_topic
from tests.integration.conftest import _free_port, committed, end_offsets, read_topic, wait_for
from tests.integration.test_health import get, metric
from tests.integration.test_pipeline import START, detect_alerts, live_alerts, simulated

pytestmark = pytest.mark.integration
HOUR = 3600.0


def kcat_produce(settings, lines: list[bytes], keyed: bool) -> None:
    """One kcat run: each line a message, keyed by its ``client_id`` (``keyed``) or without a key."""
    if keyed:
        data = b"".join(orjson.loads(line)["client_id"].encode() + b"\t" + line + b"\n" for line in lines)
    else:
        data = b"".join(line + b"\n" for line in lines)
    # Idempotence keeps each partition in the order produced: without it, a retry (such as the first
    # sends to a topic just created, before its leaders are known) can put a batch of history hours
    # behind its successors, and those events are then late by the partition's own watermark.
    command = ["kcat", "-P", "-b", settings.bootstrap_servers, "-t", settings.input_topic, "-q"]
    command += ["-X", "enable.idempotence=true"]
    done = subprocess.run(
        [*command, *(["-K", "\t"] if keyed else [])], input=data, capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")


class IdleAnnouncements:
    """Follows the routed topic from its beginning: whether every source's last heartbeat, on every
    routed partition, says it is idle. From the beginning, because a source may have said it before
    the live traffic was sent and never spoken since: kcat's keyless messages stick to one partition
    for a few milliseconds at a time (librdkafka's sticky partitioning), so a partition can get no
    live records at all. A count of records would not do: the announcements may come before or
    after the live traffic's last routed events are counted."""

    def __init__(self, settings):
        self.partitions = settings.partitions
        routed = routed_topic(settings)
        self.consumer = Consumer(
            {"bootstrap.servers": settings.bootstrap_servers, "group.id": f"idle-{uuid.uuid4().hex}"}
        )
        self.consumer.assign([TopicPartition(routed, p, OFFSET_BEGINNING) for p in range(self.partitions)])
        self.idle: dict[tuple[int, int], bool] = {}  # (routed partition, source) -> last heartbeat idle

    def by_every_source(self) -> bool:
        for msg in self.consumer.consume(1000, timeout=0.05):
            if msg.error():
                continue
            for item in decode_envelope(msg.value()):
                if isinstance(item, Heartbeat):
                    self.idle[(msg.partition(), item.source)] = item.idle
        return len(self.idle) == self.partitions**2 and all(self.idle.values())

    def close(self) -> None:
        self.consumer.close()


def caught_up(settings) -> bool:
    return committed(settings) == end_offsets(settings)


def stragglers(port: int) -> float | None:
    """Events the merge has put in a later bucket than their own so far (kept in snapshots)."""
    return metric(get(port, "/metrics")[1].decode(), 'extractwatch_merge_stragglers{stage="detect"}')


def straggler_warnings(worker) -> list[str]:
    """The worker's "merge stragglers" log lines: which source sent them, what the merge knew."""
    return [line for line in worker.log_path.read_text().splitlines() if "merge stragglers" in line]


def test_kcat_bulk_load_live_traffic_and_catch_up_give_detects_alerts(settings, start_worker):
    lines, _ = simulated(seed=6, hours=7)
    ts = [orjson.loads(line)["ts"] for line in lines]
    bulk = [line for line, t in zip(lines, ts, strict=True) if t < START + 4 * HOUR]
    live = [line for line, t in zip(lines, ts, strict=True) if START + 4 * HOUR <= t < START + 5 * HOUR]
    missed = [line for line, t in zip(lines, ts, strict=True) if t >= START + 5 * HOUR]
    assert bulk and live and missed

    ensure_topics(settings)  # as `extractwatch topics` does before the first producer
    kcat_produce(settings, bulk, keyed=True)
    port = _free_port()
    worker = start_worker(EXTRACTWATCH_WEB_PORT=str(port))
    wait_for(lambda: caught_up(settings), 240, "the bulk load applied", worker)
    assert stragglers(port) == 0, f"stragglers in the bulk load: {straggler_warnings(worker)}"
    for start in range(0, len(live), len(live) // 3 + 1):
        kcat_produce(settings, live[start : start + len(live) // 3 + 1], keyed=False)
        time.sleep(2)
    idle_said = IdleAnnouncements(settings)
    wait_for(lambda: caught_up(settings), 120, "the live traffic applied", worker)
    # Killed as soon as its six partitions have said they are idle to the six detect partitions:
    # their snapshots do not hold the announcements yet, so the restarted worker's detect partitions
    # re-read them and take every source for idle while the catch-up's records are on their way.
    try:
        wait_for(idle_said.by_every_source, 60, "idle said", worker, every=0.05)
    finally:
        idle_said.close()
    assert stragglers(port) == 0, f"stragglers in the live traffic: {straggler_warnings(worker)}"
    worker.kill9()

    kcat_produce(settings, missed, keyed=True)  # two hours of traffic while no worker runs
    port = _free_port()
    worker = start_worker(EXTRACTWATCH_WEB_PORT=str(port))
    expected = detect_alerts(settings, lines)
    assert expected, "the traffic raises alerts"
    wait_for(lambda: caught_up(settings), 240, "the catch-up", worker)
    wait_for(lambda: live_alerts(settings) == expected, 90, "detect's alerts", worker)
    assert stragglers(port) == 0, f"stragglers in the catch-up: {straggler_warnings(worker)}"
    dead = read_topic(settings, settings.dlq_topic, idle_s=1.0)
    assert b"late" not in [dict(m.headers() or [])["reason"] for m in dead]
