"""``extractwatch backtest``: two detectors (a baseline and a candidate: settings or a model
checkpoint) over the same window of history in one pass, and what changes between them.

Both start from empty state at ``from - warmup``, so a candidate never inherits the live model's
state, and both learn the verdicts of the labels topic that fall in that span, as the worker would.
A client counts as alerted when a ``firing`` alert in ``[from, to)`` is about it, or lists it as a
member of a cluster.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from models.prior import load_prior
from streams.core.detector import Detector
from streams.core.policy import SEVERITIES
from streams.core.records import Alert
from streams.core.validate import InvalidEvent
from streams.core.verdicts import Verdict, decode_label_record
from streams.errors import ConfigError, DeliveryError
from streams.evaluation.outcomes import EXTRACTION
from streams.evaluation.runner import read_labels
from streams.history import HistoryRecord, TopicHistory
from streams.progress import Progress, tracked
from streams.replay import Window, read_config, settings_with
from streams.settings import Settings


def detector_settings(base_env: dict[str, str], path: Path) -> Settings:
    """A ``--baseline``/``--candidate`` argument: a file of ``EXTRACTWATCH_*=value`` lines, or a
    model checkpoint written by ``extractwatch train``."""
    try:
        path.read_text()
        is_text = True
    except UnicodeDecodeError:
        is_text = False
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    if is_text:
        read_config(path)  # a clear error for a text file that is not a config
        return settings_with(base_env, path)
    load_prior(path)  # refuses a file that is not a checkpoint, with why
    return settings_with(base_env, model=str(path))


@dataclass
class Outcome:
    """What one detector did in the window, per client."""

    first_alert: dict[str, float] = field(default_factory=dict)
    severity: dict[str, str] = field(default_factory=dict)  # the highest of its alerts
    alerts: int = 0

    def note(self, alert: Alert) -> None:
        self.alerts += 1
        if alert.status != "firing":
            return
        clients = [alert.client_id] if alert.scope == "client" else list(alert.members)
        for client in clients:
            if client is None:
                continue
            self.first_alert[client] = min(self.first_alert.get(client, math.inf), alert.ts)
            current = self.severity.get(client, SEVERITIES[0])
            self.severity[client] = max(current, alert.severity, key=SEVERITIES.index)

    def scores(self, truth: dict[str, bool]) -> dict[str, float | int] | None:
        if not truth:
            return None
        attackers = {c for c, extraction in truth.items() if extraction}
        flagged = {c for c in self.first_alert if c in truth}
        hits = len(flagged & attackers)
        return {
            "alerted_labelled": len(flagged),
            "true_positives": hits,
            "false_positives": len(flagged - attackers),
            "extraction_labelled": len(attackers),
            "precision": round(hits / len(flagged), 4) if flagged else 0.0,
            "recall": round(hits / len(attackers), 4) if attackers else 0.0,
        }


CHANGES = ("newly_alerted", "no_longer_alerted", "severity_changed", "detection_time_changed")


def compare(baseline: Outcome, candidate: Outcome, truth: dict[str, bool]) -> dict:
    base, cand = set(baseline.first_alert), set(candidate.first_alert)
    both = sorted(base & cand)
    return {
        "newly_alerted": sorted(cand - base),
        "no_longer_alerted": sorted(base - cand),
        "severity_changed": [
            {"client_id": c, "baseline": baseline.severity[c], "candidate": candidate.severity[c]}
            for c in both
            if baseline.severity[c] != candidate.severity[c]
        ],
        "detection_time_changed": [
            {
                "client_id": c,
                "baseline_ts": baseline.first_alert[c],
                "candidate_ts": candidate.first_alert[c],
                "delta_s": candidate.first_alert[c] - baseline.first_alert[c],
            }
            for c in both
            if baseline.first_alert[c] != candidate.first_alert[c]
        ],
        "baseline": {
            "alerts": baseline.alerts,
            "clients_alerted": len(base),
            "scores": baseline.scores(truth),
        },
        "candidate": {
            "alerts": candidate.alerts,
            "clients_alerted": len(cand),
            "scores": candidate.scores(truth),
        },
    }


def run_backtest(
    baseline: Settings,
    candidate: Settings,
    records: Iterable[HistoryRecord],
    window: Window,
    warmup_s: float,
    verdicts: Iterable[Verdict] = (),
) -> tuple[Outcome, Outcome]:
    """Both detectors over the records from ``window.start - warmup_s`` in one pass."""
    begin = window.start - warmup_s
    detectors = [Detector(s.partitions, s.detector, clusters=s.clusters) for s in (baseline, candidate)]
    outcomes = (Outcome(), Outcome())
    for verdict in verdicts:
        if begin <= verdict.ts < window.end:
            for detector in detectors:
                detector.add_verdict(verdict)
    stop_at = window.end + max(baseline.detector.allowed_lateness_s, candidate.detector.allowed_lateness_s)
    for record in records:
        if record.ts < begin:
            continue
        if record.ts >= stop_at:
            break
        for detector, outcome in zip(detectors, outcomes, strict=True):
            _note(outcome, detector.feed_line(record.value), window)
    for detector, outcome in zip(detectors, outcomes, strict=True):
        _note(outcome, detector.finish(), window)
    return outcomes


def _note(outcome: Outcome, alerts: list[Alert], window: Window) -> None:
    for alert in alerts:
        if window.holds(alert.ts):
            outcome.note(alert)


def verdicts_of(records: Iterable[HistoryRecord]) -> list[Verdict]:
    """The analysts' verdicts among the labels topic's records (the workers' examples skipped)."""
    out = []
    for record in records:
        try:
            item = decode_label_record(record.value)
        except InvalidEvent:
            continue
        if isinstance(item, Verdict):
            out.append(item)
    return out


def read_truth(path: Path) -> dict[str, bool]:
    """The labels CSV ``eval`` and ``train`` take (``client_id,label[,scenario]``, with a header)."""
    return {client: labelled.label == EXTRACTION for client, labelled in read_labels(path).items()}


def format_report(report: dict) -> str:
    lines = []
    for name in ("baseline", "candidate"):
        side = report[name]
        line = f"{name}: {side['alerts']} alerts, {side['clients_alerted']} clients alerted"
        if side["scores"]:
            s = side["scores"]
            line += (
                f"; precision {s['precision']:.3f} ({s['true_positives']}/{s['alerted_labelled']}),"
                f" recall {s['recall']:.3f} ({s['true_positives']}/{s['extraction_labelled']})"
            )
        lines.append(line)
    lines.append(f"newly alerted ({len(report['newly_alerted'])}): {', '.join(report['newly_alerted'])}")
    lines.append(
        f"no longer alerted ({len(report['no_longer_alerted'])}): {', '.join(report['no_longer_alerted'])}"
    )
    lines.append(f"severity changed ({len(report['severity_changed'])}):")
    lines += [f"  {c['client_id']}: {c['baseline']} -> {c['candidate']}" for c in report["severity_changed"]]
    lines.append(f"detection time changed ({len(report['detection_time_changed'])}):")
    lines += [f"  {c['client_id']}: {c['delta_s']:+.0f} s" for c in report["detection_time_changed"]]
    if not any(report[k] for k in CHANGES):
        lines.append("no difference")
    return "\n".join(lines)


def dump_json(report: dict, path: Path) -> None:
    path.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))


def backtest_topic(
    base_env: dict[str, str],
    baseline_path: Path,
    candidate_path: Path,
    window: Window,
    warmup_s: float,
    topic: str | None = None,
    labels_csv: Path | None = None,
) -> dict:
    """Read the topic (and the labels topic's verdicts) once, run both, and compare."""
    settings = Settings.from_env(base_env)
    baseline = detector_settings(base_env, baseline_path)
    candidate = detector_settings(base_env, candidate_path)
    verdicts = _topic_verdicts(settings)
    truth = {
        v.client_id: v.extraction for v in sorted(verdicts) if window.start - warmup_s <= v.ts < window.end
    }
    if labels_csv is not None:
        truth.update(read_truth(labels_csv))
    history = TopicHistory(settings, topic or settings.input_topic)
    records = tracked(history.records(), Progress("records", history.total, show_rate=True))
    return compare(*run_backtest(baseline, candidate, records, window, warmup_s, verdicts), truth)


def _topic_verdicts(settings: Settings) -> list[Verdict]:
    try:
        labels = TopicHistory(settings, settings.labels_topic)
    except DeliveryError:
        return []  # no labels topic: no verdicts
    return verdicts_of(labels.records())
