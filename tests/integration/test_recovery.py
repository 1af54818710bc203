"""Crash safety: ``kill -9`` mid-stream loses nothing and counts nothing twice."""

from __future__ import annotations

import pytest

from streams.produce import publish
from tests.integration.conftest import committed_total, end_offsets_total, wait_for
from tests.integration.test_pipeline import detect_alerts, live_alerts, simulated

pytestmark = pytest.mark.integration


def test_kill_9_mid_stream_then_restart_gives_exactly_the_detect_alerts(settings, start_worker):
    lines, _ = simulated(seed=5, hours=8)
    report = publish(settings, lines)
    assert report.failed == 0
    total = report.messages
    assert end_offsets_total(settings) == total
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

    second = start_worker(**env)
    wait_for(lambda: committed_total(settings) >= total, 180, "all input committed after restart", second)

    # Same alert ids with identical content (risk, events_seen, ...) as one uninterrupted pass:
    # an event lost or applied twice would change the features and so the alerts.
    assert live_alerts(settings) == detect_alerts(settings, lines)
    log = second.log_path.read_text()
    assert '"restored": true' in log, "the restarted worker resumed from a snapshot"
