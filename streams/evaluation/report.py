"""The evaluation report: a text table for the terminal and the same figures as JSON."""

from __future__ import annotations

from dataclasses import asdict

from streams.evaluation.outcomes import ScenarioSummary
from streams.evaluation.runner import RunResult
from streams.evaluation.targets import TargetResult

_COLUMNS = (
    ("scenario", "scenario", "{}"),
    ("label", "label", "{}"),
    ("accounts", "accounts", "{}"),
    ("alerted", "accounts_alerted", "{}"),
    ("recall", "recall", "{:.3f}"),
    ("false alarms", "false_alarms", "{}"),
    ("acct-days", "account_days", "{}"),
    ("FA/acct-day", "false_alarms_per_account_day", "{:.4f}"),
    ("median events", "median_events_to_first_alert", "{:.0f}"),
    ("median hours", "median_hours_to_first_alert", "{:.2f}"),
    ("in cluster alerts", "accounts_in_cluster_alerts", "{}"),
    ("cluster hours", "median_hours_to_cluster_listing", "{:.2f}"),
)


def table(rows: list[ScenarioSummary]) -> str:
    cells = [[h for h, _, _ in _COLUMNS]]
    for row in rows:
        values = asdict(row)
        cells.append(["-" if values[k] is None else fmt.format(values[k]) for _, k, fmt in _COLUMNS])
    widths = [max(len(r[i]) for r in cells) for i in range(len(_COLUMNS))]
    lines = []
    for r in cells:
        padded = (c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        lines.append("  ".join(padded))
    return "\n".join(lines)


def targets_text(results: list[TargetResult]) -> str:
    return "\n".join(f"  [{'met' if r.met else 'MISSED'}] {r.target}: {r.value}" for r in results)


def document(
    runs: list[RunResult],
    rows: list[ScenarioSummary],
    per_run: dict[str, list[ScenarioSummary]],
    results: list[TargetResult],
    model_version: str,
    cluster_incidents: dict[str, int],
) -> dict:
    return {
        "model_version": model_version,
        "runs": [
            {
                "source": r.source,
                "events": r.events,
                "rejected": r.rejected,
                "unlabelled_accounts": r.unlabelled_accounts,
                "unlabelled_incidents": r.unlabelled_incidents,
                "cluster_incidents": r.cluster_incidents,
                "scenarios": [asdict(s) for s in per_run[r.source]],
            }
            for r in runs
        ],
        "scenarios": [asdict(s) for s in rows],
        "cluster_incidents": cluster_incidents,
        "targets": [asdict(t) for t in results],
        "targets_met": all(t.met for t in results),
    }
