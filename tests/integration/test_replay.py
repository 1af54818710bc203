"""``extractwatch replay --fresh`` over topics on the real broker, as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from confluent_kafka import Producer

from streams.core.detector import Detector
from streams.produce import publish
from streams.settings import settings_env
from streams.topics import TopicSpec, ensure_topics, state_changelog_topic
from tests.helpers import swarm_arriving_late
from tests.integration.conftest import (
    ROOT,
    alerts_of,
    committed_total,
    end_offsets,
    held_still,
    read_topic,
    wait_for,
)
from tests.integration.test_clusters import ENV, expected_alerts
from tests.integration.test_pipeline import START, live_alerts, simulated

pytestmark = pytest.mark.integration


def run_cli(settings, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "streams.cli", *args],
        cwd=ROOT,
        env=settings_env(settings),
        capture_output=True,
    )
    assert not check or done.returncode == 0, done.stderr.decode()[-2000:]
    return done


def detect_alerts(settings, lines) -> dict[str, dict]:
    detector = Detector(settings.partitions, settings.detector, clusters=settings.clusters)
    return {a.alert_id: dict(a.to_dict(), replay=True) for a in detector.run(lines)}


def replayed(path: Path) -> dict[str, dict]:
    alerts = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    by_id = {a["alert_id"]: a for a in alerts}
    assert len(by_id) == len(alerts), "each alert once"
    return by_id


def test_fresh_replay_of_a_produced_topic_gives_detects_alerts(settings, tmp_path):
    lines, _ = simulated(seed=4, hours=4)
    assert publish(settings, lines).failed == 0
    out = tmp_path / "replay.jsonl"
    run_cli(settings, "replay", "--fresh", "--output", str(out))
    expected = detect_alerts(settings, lines)
    assert expected, "the traffic raises alerts"
    assert replayed(out) == expected


def test_fresh_replay_gives_detects_alerts_whatever_partitioner_and_record_time_the_producer_used(
    settings, tmp_path
):
    lines, _ = simulated(seed=4, hours=4)
    ensure_topics(settings, [TopicSpec(settings.input_topic, settings.partitions)])
    # librdkafka's default partitioner (not murmur2), and every record stamped with production time.
    # Idempotent, so that a retry under load cannot reorder a partition's records: the merge keeps
    # each partition's order, and detect reads the lines in theirs.
    p = Producer({"bootstrap.servers": settings.bootstrap_servers, "enable.idempotence": True})
    for line in lines:
        p.produce(settings.input_topic, line, key=orjson.loads(line)["client_id"].encode())
        p.poll(0)
    assert p.flush(30) == 0
    out = tmp_path / "replay.jsonl"
    run_cli(settings, "replay", "--fresh", "--output", str(out))
    assert replayed(out) == detect_alerts(settings, lines)


def test_replay_of_a_window_for_one_client_gives_only_its_alerts_in_the_window(settings, tmp_path):
    lines, _ = simulated(seed=4, hours=4)
    assert publish(settings, lines).failed == 0
    expected_all = detect_alerts(settings, lines)
    start, end = START + 1800, START + 3.5 * 3600
    inside = {a["client_id"] for a in expected_all.values() if start <= a["ts"] < end}
    outside = {a["client_id"] for a in expected_all.values() if not start <= a["ts"] < end}
    assert inside & outside, "a client with alerts inside the window and outside it"
    client = sorted(inside & outside)[0]
    out = tmp_path / "replay.jsonl"
    from_rfc3339 = datetime.fromtimestamp(start, UTC).isoformat()
    window = ["--from", from_rfc3339, "--to", str(end)]  # RFC 3339 and epoch seconds
    run_cli(settings, "replay", "--fresh", *window, "--client", client, "--output", str(out))
    expected = {
        k: a
        for k, a in expected_all.items()
        if start <= a["ts"] < end and (a["client_id"] == client or client in a["members"])
    }
    assert expected, "the client has alerts in the window"
    assert replayed(out) == expected


def test_replay_writes_to_its_own_topic_never_the_live_one_and_commits_nothing(settings):
    lines, _ = simulated(seed=4, hours=2)
    assert publish(settings, lines).failed == 0
    done = run_cli(settings, "replay", "--fresh")
    topic = done.stderr.decode().split("replay alerts to topic ")[1].split()[0]
    assert topic.startswith(f"{settings.alerts_topic}-replay-")
    replay_alerts = [orjson.loads(m.value()) for m in read_topic(settings, topic, idle_s=1.0)]
    assert replay_alerts and all(a["replay"] for a in replay_alerts)
    assert alerts_of(settings) == [], "nothing on the live alerts topic"
    refused = run_cli(settings, "replay", "--fresh", "--output-topic", settings.alerts_topic, check=False)
    assert refused.returncode == 2 and b"live alerts topic" in refused.stderr
    assert not group_exists(settings, settings.app_id), "no consumer group joined or committed"


def group_exists(settings, group: str) -> bool:
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": settings.bootstrap_servers})
    return any(g.group_id == group for g in admin.list_consumer_groups().result(timeout=10).valid)


def test_replays_from_snapshots_give_the_live_workers_alerts_for_the_day_and_a_window_in_it(
    settings, start_worker, tmp_path
):
    lines, _ = swarm_arriving_late(4, START, hours=24, after_h=12)
    assert publish(settings, lines).failed == 0
    worker = start_worker(**ENV)
    expected = expected_alerts(settings, lines)  # what the worker gives, as the cluster tests show
    wait_for(lambda: live_alerts(settings) == expected, 300, "the live worker's alerts", worker)
    live = {k: dict(a, replay=True) for k, a in live_alerts(settings).items()}

    detector = Detector(settings.partitions, settings.detector, clusters=True, keep_cuts=True)
    list(detector.run(lines))
    # The newest mark each input partition is cut at (the routed topic's offsets, which the worker's
    # cuts record, do not exist in detect).
    cut_points = {}
    for c in detector.cuts:
        if c.stage == "detect":
            cut_points[c.partition] = max(cut_points.get(c.partition, c.mark), c.mark)

    def listed() -> list[list[str]]:
        return [
            line.split() for line in run_cli(settings, "state", "snapshots").stdout.decode().splitlines()[1:]
        ]

    def live_points() -> dict:
        newest = {}
        for f in listed():
            if f[1] == "detect":
                mark = float(f[0].rsplit("@", 1)[1])
                newest[int(f[2])] = max(newest.get(int(f[2]), mark), mark)
        return newest

    # the last cuts are written as the worker applies the last records, after the last alert
    wait_for(
        lambda: live_points() == cut_points, 60, "the input partitions cut at detect's last marks", worker
    )
    assert {f[1] for f in listed()} == {"detect", "clusters", "swarms"}, "every stage keeps snapshots"

    def books() -> tuple:
        return committed_total(settings), changelog_ends(settings), len(alerts_of(settings))

    # The stages write their last snapshots and idle marks on timers (a source is idle after
    # EXTRACTWATCH_SOURCE_IDLE_AFTER_S, 10 s), so the books are taken once they stop moving.
    wait_for(held_still(books, quiet_s=15.0), 120, "the live worker's books to hold still", worker, every=1.0)
    untouched = books()
    whole = tmp_path / "day.jsonl"
    run_cli(settings, "replay", "--output", str(whole))
    assert replayed(whole) == live

    start, end = START + 8 * 3600, START + 18 * 3600
    middle = tmp_path / "middle.jsonl"
    done = run_cli(settings, "replay", "--from", str(start), "--to", str(end), "--output", str(middle))
    assert "swarms-0@" in done.stderr.decode(), "the window resumes from snapshots"
    window_alerts = {k: a for k, a in live.items() if start <= a["ts"] < end}
    # the swarm's cluster alert; the model's client alerts come in the first two hours, outside it
    assert any(a["scope"] == "cluster" for a in window_alerts.values()), "the swarm alerted in the window"
    assert len(window_alerts) < len(live), "and alerts outside it"
    assert replayed(middle) == window_alerts
    assert books() == untouched, (
        "the live group's offsets, its state changelog and its alerts topic are untouched"
    )


def changelog_ends(settings) -> list[int]:
    return end_offsets(replace(settings, input_topic=state_changelog_topic(settings)))
