"""Runs labelled traffic through the core (the same ``Detector`` as ``detect``) and records outcomes,
and those of the trivial baseline rule on the same accounts."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from streams.core.detector import Detector
from streams.core.validate import event_time
from streams.core.verdicts import Verdict
from streams.errors import InputFileError
from streams.evaluation.outcomes import EXTRACTION, LABELS, AccountOutcome
from streams.settings import DetectorSettings

TRACED_PER_SCENARIO = 2  # accounts per scenario whose risk is recorded for the plot
# Seeds start their window at different hours and weekdays, so no result hangs on one alignment.
_FIRST_START = 1793577600.0  # 2026-11-02T00:00:00Z, a Monday


@dataclass(slots=True)
class RiskTrace:
    client_id: str
    label: str
    scenario: str
    points: list[tuple[float, float]] = field(default_factory=list)  # (event ts, risk) at each scoring
    alerts: list[float] = field(default_factory=list)  # event ts of each new incident


@dataclass(slots=True)
class RunResult:
    source: str  # "library seed 3" or the events file
    window_start: float | None
    events: int
    rejected: dict[str, int]
    unlabelled_accounts: int
    unlabelled_incidents: int
    outcomes: list[AccountOutcome]
    traces: list[RiskTrace]
    cluster_incidents: dict[str, int] = field(default_factory=dict)  # scenario most listed -> incidents
    verdicts: int = 0  # verdicts given (warm runs); their accounts are left out of the outcomes
    baseline: list[AccountOutcome] = field(default_factory=list)  # the trivial rule, same accounts


@dataclass(frozen=True, slots=True)
class Labelled:
    label: str
    scenario: str


def seed_start(seed: int) -> float:
    return _FIRST_START + (seed * 7919 % 168) * 3600.0


def run_events(
    source: str,
    lines: Iterable[bytes],
    labels: dict[str, Labelled],
    cfg: DetectorSettings,
    partitions: int,
    revealed: dict[str, float] | None = None,
) -> RunResult:
    """``revealed``: accounts whose label an analyst gives, each ``delay`` seconds of event time after
    its first event, as a verdict on the worker's path; they are not scored."""
    detector = Detector(partitions, cfg, clusters=True)
    revealed = revealed or {}
    scored = {cid: lab for cid, lab in labels.items() if cid not in revealed}
    outcomes = _outcomes(scored)
    taught: dict[str, AccountOutcome] = {}  # revealed accounts: followed, never reported
    unlabelled: dict[str, AccountOutcome] = {}
    baseline = TrivialRule(scored)
    traces = _pick_traced(scored)
    events, window_start, stream_ts = 0, None, 0.0
    cluster_incidents: dict[str, int] = {}
    for line in _single_events(lines):
        rejected_before = len(detector.dead_letters)
        alerts = detector.feed_line(line)
        doc = _accepted(line) if len(detector.dead_letters) == rejected_before else None
        if doc is not None:
            client_id, ts, completion = doc
            stream_ts = max(stream_ts, ts)
            events += 1
            window_start = ts if window_start is None else min(window_start, ts)
            baseline.saw_event(client_id, ts, completion)
            outcome = outcomes.get(client_id)
            if outcome is None and client_id in revealed:
                outcome = taught.get(client_id)
                if outcome is None:
                    outcome = taught[client_id] = AccountOutcome(client_id, labels[client_id].label, "-")
                    extraction = labels[client_id].label == EXTRACTION
                    detector.add_verdict(Verdict(ts + revealed[client_id], client_id, extraction))
            elif outcome is None:
                outcome = unlabelled.setdefault(client_id, AccountOutcome(client_id, "unlabelled", "-"))
            outcome.saw_event(ts)
            trace = traces.get(client_id)
            if trace is not None:
                state = detector.client_state(client_id)
                if state is not None and state.since_score == 0:
                    trace.points.append((ts, state.last_risk))
        _note_alerts(alerts, stream_ts, outcomes, taught | unlabelled, traces, cluster_incidents)
    # the end of input closes the cluster buckets still open, as idle partitions do in the worker
    _note_alerts(detector.finish(), stream_ts, outcomes, taught | unlabelled, traces, cluster_incidents)
    _mark_scenario_starts(outcomes.values())
    rejected: dict[str, int] = {}
    for dead in detector.dead_letters:
        rejected[dead.reason] = rejected.get(dead.reason, 0) + 1
    return RunResult(
        source=source,
        window_start=window_start,
        events=events,
        rejected=rejected,
        unlabelled_accounts=len(unlabelled),
        unlabelled_incidents=sum(o.incidents for o in unlabelled.values()),
        outcomes=list(outcomes.values()),
        traces=list(traces.values()),
        cluster_incidents=cluster_incidents,
        verdicts=len(taught),
        baseline=baseline.outcomes(),
    )


def _note_alerts(alerts, stream_ts, outcomes, unlabelled, traces, cluster_incidents) -> None:
    for alert in alerts:
        if alert.scope == "cluster" and alert.status == "firing":
            if alert.seq == 1:
                _count_incident(cluster_incidents, alert.members, outcomes)
            for member in alert.members:
                listed = outcomes.get(member) or unlabelled.get(member)
                if listed is not None:
                    # when it went out: buckets close only after every watermark passed them
                    listed.saw_cluster_listing(stream_ts)
        elif alert.status == "firing" and alert.seq == 1 and alert.client_id is not None:
            target = outcomes.get(alert.client_id) or unlabelled.get(alert.client_id)
            if target is not None:
                target.saw_incident(alert.ts)
            if alert.client_id in traces:
                traces[alert.client_id].alerts.append(alert.ts)


def read_labels(path: Path) -> dict[str, Labelled]:
    """``client_id,label[,scenario]`` with a header row; label is ``extraction`` or ``benign``."""
    labels: dict[str, Labelled] = {}
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or not {"client_id", "label"} <= set(reader.fieldnames):
            raise InputFileError(f"{path}: the first row must be a header naming client_id,label[,scenario]")
        for n, row in enumerate(reader, start=2):
            label = (row.get("label") or "").strip()
            client_id = (row.get("client_id") or "").strip()
            if label not in LABELS or not client_id:
                raise InputFileError(
                    f"{path} line {n}: needs a client_id and a label of {' or '.join(LABELS)}, "
                    f"got {client_id!r}, {label!r}"
                )
            labels[client_id] = Labelled(label, (row.get("scenario") or "").strip() or label)
    return labels


def _count_incident(counts: dict[str, int], members: list[str], outcomes: dict[str, AccountOutcome]) -> None:
    """Attribute a new cluster incident to the scenario most of its listed members belong to."""
    scenarios: dict[str, int] = {}
    for member in members:
        scenario = outcomes[member].scenario if member in outcomes else "-"
        scenarios[scenario] = scenarios.get(scenario, 0) + 1
    if scenarios:
        leader = max(sorted(scenarios), key=lambda s: scenarios[s])
        counts[leader] = counts.get(leader, 0) + 1


def _mark_scenario_starts(outcomes: Iterable[AccountOutcome]) -> None:
    starts: dict[str, float] = {}
    accounts = [o for o in outcomes if o.first_ts is not None]
    for o in accounts:
        starts[o.scenario] = min(starts.get(o.scenario, o.first_ts), o.first_ts)
    for o in accounts:
        o.scenario_start = starts[o.scenario]


def _pick_traced(labels: dict[str, Labelled]) -> dict[str, RiskTrace]:
    picked: dict[str, RiskTrace] = {}
    per_scenario: dict[str, int] = {}
    for client_id, lab in labels.items():
        if per_scenario.get(lab.scenario, 0) < TRACED_PER_SCENARIO:
            per_scenario[lab.scenario] = per_scenario.get(lab.scenario, 0) + 1
            picked[client_id] = RiskTrace(client_id, lab.label, lab.scenario)
    return picked


def _single_events(lines: Iterable[bytes]) -> Iterable[bytes]:
    """Envelopes are split so every event is accounted for on its own; other lines pass as they are."""
    for line in lines:
        if not line.strip():
            continue
        if line.lstrip().startswith(b"["):
            try:
                batch = orjson.loads(line)
            except orjson.JSONDecodeError:
                yield line
                continue
            for event in batch:
                yield orjson.dumps(event)
        else:
            yield line


def _outcomes(labels: dict[str, Labelled]) -> dict[str, AccountOutcome]:
    return {cid: AccountOutcome(cid, lab.label, lab.scenario) for cid, lab in labels.items()}


def _accepted(line: bytes) -> tuple[str, float, int] | None:
    """The client, event time and completion tokens of a line the core has just accepted."""
    try:
        doc = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    ts = event_time(doc)
    client_id = doc.get("client_id") if isinstance(doc, dict) else None
    if ts is None or not isinstance(client_id, str):
        return None
    completion = doc.get("completion_tokens")
    return client_id, ts, completion if isinstance(completion, int) else 0


class TrivialRule:
    """The baseline a detector must beat: alert an account whose mean completion is at least
    1,500 tokens once it has sent 50 events."""

    MIN_EVENTS = 50
    MIN_MEAN_COMPLETION = 1500.0

    def __init__(self, labels: dict[str, Labelled]):
        self.accounts = _outcomes(labels)
        self.completion: dict[str, int] = {}

    def saw_event(self, client_id: str, ts: float, completion: int) -> None:
        outcome = self.accounts.get(client_id)
        if outcome is None:
            return
        outcome.saw_event(ts)
        total = self.completion[client_id] = self.completion.get(client_id, 0) + completion
        if (
            outcome.incidents == 0
            and outcome.events >= self.MIN_EVENTS
            and total / outcome.events >= self.MIN_MEAN_COMPLETION
        ):
            outcome.saw_incident(ts)

    def outcomes(self) -> list[AccountOutcome]:
        return list(self.accounts.values())
