"""Crash safety: ``kill -9`` or SIGTERM mid-stream loses nothing and counts nothing twice, and the
group's offsets follow the state."""

from __future__ import annotations

import orjson
import pytest

from streams.errors import ExtractwatchError
from streams.produce import publish
from streams.state_export import export
from tests.integration.conftest import (
    committed,
    committed_total,
    end_offsets,
    group_is_stable_with,
    wait_for,
)
from tests.integration.test_clusters import assert_live_matches_detect, swarm_traffic

pytestmark = pytest.mark.integration


def snapshots_at_end(settings) -> bool:
    """Each non-empty partition's latest snapshot ends at the partition's last offset."""
    for partition, end in enumerate(end_offsets(settings)):
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
    # commits what its snapshots cover every EXTRACTWATCH_COMMIT_INTERVAL_S (1 s): within one
    # interval, plus the time each look at the group takes.
    ends = end_offsets(settings)
    wait_for(lambda: committed(settings) == ends, 3.0, "offsets committed up to the end", second)

    # Same alert ids with identical content (risk, events_seen, members, ...) as one uninterrupted
    # pass: an event or observation lost or applied twice would change the features and the alerts.
    assert_live_matches_detect(settings, lines, swarm, [second])
    log = second.log_path.read_text()
    assert '"restored": true' in log, "the restarted worker resumed from a snapshot"


def snapshot_offsets(settings) -> dict[int, int]:
    """The next offset each input partition's latest snapshot covers (partitions with one)."""
    out = {}
    for partition in range(settings.partitions):
        try:
            out[partition] = orjson.loads(export(settings, partition, raw=False))["last_offset"] + 1
        except ExtractwatchError:
            continue
    return out


def test_sigterm_mid_stream_snapshots_and_commits_so_a_restart_rereads_nothing(settings, start_worker):
    lines, swarm = swarm_traffic(hours=6)
    total = publish(settings, lines).messages
    # Rare snapshots: without the stop's own snapshot and commit, a restart would re-read thousands.
    env = {"EXTRACTWATCH_SNAPSHOT_EVERY": "2000", "EXTRACTWATCH_SNAPSHOT_INTERVAL_S": "60"}
    first = start_worker(**env)
    wait_for(lambda: committed_total(settings) >= total // 4, 180, "a quarter of the input committed", first)
    code, took_s = first.terminate(timeout_s=40)
    assert code == 0 and took_s <= 30, f"stopped with {code} after {took_s:.1f} s"
    at_stop = committed(settings)
    assert sum(at_stop) < total, "SIGTERM came mid-stream"
    snapshots = snapshot_offsets(settings)
    assert snapshots and all(at_stop[p] == offset for p, offset in snapshots.items()), (at_stop, snapshots)
    assert "settled: state snapshotted, offsets committed" in first.log_path.read_text()

    second = start_worker(**env)
    assert_live_matches_detect(settings, lines, swarm, [second])
