"""Crash safety: ``kill -9`` or SIGTERM mid-stream loses nothing and counts nothing twice, and the
group's offsets follow the state."""

from __future__ import annotations

import orjson
import pytest

from streams.core.partition import PartitionState
from streams.core.routing import SourceState
from streams.errors import ExtractwatchError
from streams.produce import publish
from streams.state_export import export, latest_snapshot
from streams.topics import ROUTE_STATE_TABLE, STATE_TABLE, state_changelog_topic
from tests.integration.conftest import (
    _free_port,
    applied_topic,
    committed,
    committed_total,
    end_offsets,
    group_is_stable_with,
    wait_for,
)
from tests.integration.test_clusters import assert_live_matches_detect, swarm_traffic
from tests.integration.test_health import get, metric

pytestmark = pytest.mark.integration


def snapshots_at_end(settings) -> bool:
    """Each non-empty partition's latest snapshot ends at the partition's last offset (of the topic
    the detect partitions apply)."""
    for partition, end in enumerate(end_offsets(settings, applied_topic(settings))):
        if not end:
            continue
        try:
            if orjson.loads(export(settings, partition, raw=False))["last_offset"] != end - 1:
                return False
        except ExtractwatchError:  # no snapshot of this partition written yet
            return False
    return True


def test_kill_9_mid_stream_then_restart_gives_exactly_the_detect_alerts(settings, start_worker):
    # with a swarm: the cluster and swarm stages recover too, and drop what a restart sends again
    lines, swarm = swarm_traffic(hours=6)
    report = publish(settings, lines)
    assert report.failed == 0
    total = report.messages
    assert sum(end_offsets(settings)) == total
    # Small, frequent snapshots: the kill lands between a snapshot and the next commit.
    env = {"EXTRACTWATCH_SNAPSHOT_EVERY": "300", "EXTRACTWATCH_SNAPSHOT_INTERVAL_S": "1"}

    first = start_worker(**env)
    killed_at = wait_for(
        lambda: (c := committed_total(settings)) >= total // 4 and c,
        180,
        "a quarter of the input committed",
        first,
        every=0.05,
    )
    first.kill9()
    assert killed_at < total, "the worker was killed before it had finished"
    # The dead member holds its partitions until its session expires; restarting after that keeps
    # this test about crash recovery, not about a rebalance in the middle of the stream.
    wait_for(lambda: group_is_stable_with(settings, 0), 60, "the killed worker's session to expire")

    second = start_worker(**env)
    wait_for(lambda: snapshots_at_end(settings), 180, "every partition's snapshot at its last record", second)
    # Faust alone can stop committing a partition after a restart (faust-streaming #596); the worker
    # commits what its snapshots cover every EXTRACTWATCH_COMMIT_INTERVAL_S (1 s). The input topic's
    # offsets follow the route stage's snapshot, due up to EXTRACTWATCH_SNAPSHOT_INTERVAL_S (1 s) after
    # the detect stage's. On a loaded CI machine (two integration tests at once) the worker's timers
    # woke up to 1.2 s late and one round of snapshots took 1.6 s, so a 3 s bound failed once; a
    # commit that stalls (#596) never arrives, which any bound still catches.
    ends = end_offsets(settings)
    seen: list[list[int]] = []
    wait_for(
        lambda: seen.append(committed(settings)) or seen[-1] == ends,
        10.0,
        lambda: f"offsets committed up to the ends {ends} (last committed: {seen[-1]})",
        second,
    )

    # Same alert ids with identical content (risk, events_seen, members, ...) as one uninterrupted
    # pass: an event or observation lost or applied twice would change the features and the alerts.
    assert_live_matches_detect(settings, lines, swarm, [second])
    log = second.log_path.read_text()
    assert '"restored": true' in log, "the restarted worker resumed from a snapshot"


def snapshot_offsets(settings, stage: str) -> dict[int, int]:
    """The next offset each partition's latest snapshot of ``stage`` (route or detect) covers
    (partitions with one)."""
    table, state = {"route": (ROUTE_STATE_TABLE, SourceState), "detect": (STATE_TABLE, PartitionState)}[stage]
    out = {}
    for partition in range(settings.partitions):
        try:
            blob = latest_snapshot(settings, partition, topic=state_changelog_topic(settings, table))
        except ExtractwatchError:
            continue
        out[partition] = state.restore(blob, settings.detector).last_offset + 1
    return out


def test_sigterm_mid_stream_snapshots_and_commits_so_a_restart_rereads_nothing(settings, start_worker):
    lines, swarm = swarm_traffic(hours=6)
    assert publish(settings, lines).failed == 0
    # Rare snapshots: without the stop's own snapshot and commit, a restart would re-read thousands.
    port = _free_port()
    env = {"EXTRACTWATCH_SNAPSHOT_EVERY": "2000", "EXTRACTWATCH_SNAPSHOT_INTERVAL_S": "60"}
    first = start_worker(EXTRACTWATCH_WEB_PORT=str(port), **env)

    def applied_events() -> float:
        return metric(get(port, "/metrics")[1].decode(), 'extractwatch_events_total{outcome="applied"}') or 0

    wait_for(lambda: applied_events() >= len(lines) // 4, 180, "a quarter of the events applied", first)
    code, took_s = first.terminate(timeout_s=40)
    assert code == 0 and took_s <= 30, f"stopped with {code} after {took_s:.1f} s"
    applied = applied_topic(settings)
    lanes = (
        {"detect": applied}
        if applied == settings.input_topic
        else {"route": settings.input_topic, "detect": applied}
    )
    # Mid-stream means some lane had more to read: which one depends on which lane was the slower.
    unread = {
        stage: sum(end_offsets(settings, t)) - sum(committed(settings, t)) for stage, t in lanes.items()
    }
    assert any(unread.values()), f"SIGTERM came mid-stream: {unread}"
    for stage, topic in lanes.items():
        at_stop, snapshots = committed(settings, topic), snapshot_offsets(settings, stage)
        assert snapshots and all(at_stop[p] == offset for p, offset in snapshots.items()), (
            stage,
            at_stop,
            snapshots,
        )
    assert "settled: state snapshotted, offsets committed" in first.log_path.read_text()

    second = start_worker(**env)
    assert_live_matches_detect(settings, lines, swarm, [second])
