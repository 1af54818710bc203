"""An analyst's verdict through ``extractwatch label``, the labels topic and two worker processes."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import orjson
import pytest

from streams.core.detector import Detector
from streams.core.partitioner import partition_for
from streams.core.verdicts import Verdict
from streams.errors import ExtractwatchError
from streams.produce import publish
from streams.settings import settings_env
from streams.state_export import export
from tests.integration.conftest import (
    ROOT,
    applied_topic,
    end_offsets,
    group_is_stable_with,
    read_topic,
    wait_for,
)
from tests.integration.test_pipeline import START, live_alerts, simulated

pytestmark = pytest.mark.integration
ENV = {"EXTRACTWATCH_CLUSTERS": "0", "EXTRACTWATCH_SNAPSHOT_INTERVAL_S": "0.5"}


def states(settings) -> list[dict]:
    return [orjson.loads(export(settings, p, raw=False)) for p in range(settings.partitions)]


def labels_ends(settings) -> list[int]:
    return end_offsets(replace(settings, input_topic=settings.labels_topic))


def every_partition_read_its_labels(settings) -> bool:
    """Each partition's latest snapshot has applied its labels partition to the end (a partition with
    no labels and no events has no snapshot yet)."""
    for partition, end in enumerate(labels_ends(settings)):
        if end and labels_offset(settings, partition) != end - 1:
            return False
    return True


def labels_offset(settings, partition: int) -> int | None:
    try:
        return orjson.loads(export(settings, partition, raw=False))["labels_offset"]
    except ExtractwatchError:  # no snapshot of this partition yet
        return None


def every_partition_applied_its_input(settings) -> bool:
    try:
        applied = [s["last_offset"] + 1 for s in states(settings)]
        return applied == end_offsets(settings, applied_topic(settings))
    except ExtractwatchError:  # a partition without a snapshot yet
        return False


def test_one_verdict_changes_every_partition_model_identically_in_two_workers_and_detect(
    settings, start_worker
):
    settings = replace(settings, clusters=False)
    cfg = settings.detector
    lines, truth = simulated(seed=3, hours=6)
    attacker = sorted(t.client_id for t in truth if t.label == "extraction")[0]
    verdict = Verdict(START + 2 * 3600, attacker, True)
    # Phase A takes the attacker's partition past the verdict's ts (its watermark trails the newest
    # event by the allowed lateness), so the example is made; no partition reaches ts + settle time.
    cut = verdict.ts + cfg.allowed_lateness_s + cfg.verdict_settle_s / 2
    phase_a = [line for line in lines if orjson.loads(line)["ts"] < cut]
    phase_b = lines[len(phase_a) :]
    premise = Detector(settings.partitions, cfg)
    list(premise.run(phase_a, [verdict]))
    assert not premise.states[partition_for(attacker, settings.partitions)].verdicts.waiting
    assert {s.scorer.verdicts for s in premise.states} == {0}, "phase A teaches no partition yet"

    workers = [start_worker(**ENV), start_worker(**ENV)]
    wait_for(lambda: group_is_stable_with(settings, 2), 120, "both workers in a stable group", workers[0])
    subprocess.run(
        [sys.executable, "-m", "streams.cli", "label", attacker, "extraction", "--ts", str(verdict.ts)],
        cwd=ROOT,
        env=settings_env(settings, **ENV),
        check=True,
        capture_output=True,
    )
    wait_for(lambda: every_partition_read_its_labels(settings), 60, "the verdict read", workers[0])
    assert publish(settings, phase_a).failed == 0

    def examples() -> int:
        return sum(b'"example"' in m.value() for m in read_topic(settings, settings.labels_topic, 1.0))

    wait_for(lambda: examples() == settings.partitions, 120, "one example on every partition", workers[0])
    # every partition holds the example before its watermark can reach the point it is learned at
    wait_for(lambda: every_partition_read_its_labels(settings), 60, "the examples read", workers[0])
    assert publish(settings, phase_b).failed == 0
    wait_for(lambda: every_partition_applied_its_input(settings), 180, "every event applied", workers[0])

    reference = Detector(settings.partitions, cfg)
    expected_alerts = {a.alert_id: a.to_dict() for a in reference.run(lines, [verdict])}
    expected = {(s.scorer.model.fingerprint(), s.scorer.verdicts) for s in reference.states}
    prior = {s.scorer.model.fingerprint() for s in Detector(settings.partitions, cfg).states}
    live = {(s["model_fingerprint"], s["verdicts"]["learned"]) for s in states(settings)}
    assert len(expected) == 1, "detect: every partition holds the same model"
    assert next(iter(expected))[0] not in prior, "the verdict changed the model"
    assert live == expected, "every live partition holds detect's model"
    assert live_alerts(settings) == expected_alerts
    assert all("+v1@" in s["model_version"] for s in states(settings)), "every model_version counts it"
    assert all(w.alive() for w in workers)
