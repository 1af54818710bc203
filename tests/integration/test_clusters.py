"""Cross-account clusters through the real repartition topic: one worker, a second joining mid-stream and
``detect`` send the same cluster alerts."""

from __future__ import annotations

import time

import orjson
import pytest

from streams.core.detector import Detector
from streams.produce import publish
from streams.simulate.scenarios import SKELETON
from streams.simulate.traffic import traffic
from tests.integration.conftest import end_offsets, wait_for, wait_until_assigned
from tests.integration.test_pipeline import START, live_alerts

pytestmark = pytest.mark.integration
# Seed 4's swarm has 67 accounts, active within 4 simulated hours among the skeleton's clients. The
# library draws whether a swarm's accounts are new and whether their creation time is sent; these
# tests check that the worker gives detect's cluster alerts, not how soon a swarm is found (the eval
# gate's business), so every member here sends a creation time two days before the window.
SEED, HOURS = 4, 4
CREATED = START - 2 * 86400
ENV = {"EXTRACTWATCH_SNAPSHOT_EVERY": "300", "EXTRACTWATCH_SNAPSHOT_INTERVAL_S": "0.5"}


def swarm_traffic(hours: float = HOURS) -> tuple[list[bytes], set[str]]:
    events, truth = traffic(SEED, START, hours * 3600, scenarios=(*SKELETON, "swarm"))
    swarm = {t.client_id for t in truth if t.scenario == "swarm"}
    young = ({**e, "account_created_at": CREATED} if e["client_id"] in swarm else e for e in events)
    return [orjson.dumps(e) for e in young], swarm


def expected_alerts(settings, lines) -> dict[str, dict]:
    detector = Detector(settings.partitions, settings.detector, clusters=True)
    return {a.alert_id: a.to_dict() for a in detector.run(lines)}


def cluster_only(alerts: dict[str, dict]) -> dict[str, dict]:
    return {k: a for k, a in alerts.items() if a["scope"] == "cluster"}


def assert_live_matches_detect(settings, lines, swarm, workers) -> None:
    expected = expected_alerts(settings, lines)
    clusters = cluster_only(expected)
    assert clusters, "the traffic raises cluster alerts in detect"
    listed = {m for a in clusters.values() for m in a["members"]}
    assert listed and listed <= swarm, "detect lists swarm members only"
    # Cluster buckets close once every input partition has gone idle, some seconds after the last
    # record: wait for the alerts to be complete, then check that nothing else follows.
    try:
        wait_for(
            lambda: live_alerts(settings) == expected, 240, "the detect alerts from the worker(s)", workers[0]
        )
    except AssertionError as exc:
        why = str(exc).splitlines()[0]  # timed out, or a worker died
        live = live_alerts(settings)
        missing = sorted((a["scope"], a["summary"]) for k, a in expected.items() if k not in live)
        extra = sorted((a["scope"], a["summary"]) for k, a in live.items() if k not in expected)
        logs = "\n".join(f"worker {i} {w.diagnosis(60)}" for i, w in enumerate(workers))
        raise AssertionError(
            f"{why}; live differs from detect: {len(missing)} of {len(expected)} missing {missing[:5]}, "
            f"{len(extra)} extra {extra[:5]}\n{logs}"
        ) from None
    time.sleep(3)
    assert live_alerts(settings) == expected, "no alert after the expected ones"
    assert all(w.alive() for w in workers)


def test_one_worker_sends_the_cluster_alerts_of_detect(settings, start_worker):
    lines, swarm = swarm_traffic()
    assert publish(settings, lines).failed == 0
    worker = start_worker(**ENV)
    assert_live_matches_detect(settings, lines, swarm, [worker])


def test_a_second_worker_joining_mid_stream_changes_no_alert(settings, start_worker):
    # 10 simulated hours (46k events): enough backlog that the second joins while the first works
    lines, swarm = swarm_traffic(hours=10)
    assert publish(settings, lines).failed == 0
    first = start_worker(**ENV)
    wait_until_assigned(first)
    second = start_worker(**ENV)  # joins a few seconds into the first's backlog
    assert_live_matches_detect(settings, lines, swarm, [first, second])
    ends = end_offsets(settings)
    taken_over = [
        orjson.loads(line)
        for line in second.log_path.read_text().splitlines()
        if '"partition state ready"' in line and '"lane": "detect"' in line and '"restored": true' in line
    ]
    assert any(s["last_offset"] + 1 < ends[s["partition"]] for s in taken_over), (
        "the second worker took over a partition from a snapshot the first had written mid-stream"
    )
