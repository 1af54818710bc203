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
    ("benign alerted", "alerted_share", "{:.3f}"),
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


def run_doc(r: RunResult) -> dict:
    return {
        "source": r.source,
        "events": r.events,
        "rejected": r.rejected,
        "verdicts": r.verdicts,
        "unlabelled_accounts": r.unlabelled_accounts,
        "unlabelled_incidents": r.unlabelled_incidents,
        "cluster_incidents": r.cluster_incidents,
    }


def sources(runs: list[RunResult]) -> str:
    parts = []
    for r in runs:
        extra = f", rejected {r.rejected}" if r.rejected else ""
        if r.verdicts:
            extra += f", {r.verdicts} accounts revealed as verdicts (not scored)"
        if r.unlabelled_accounts:
            extra += f", {r.unlabelled_accounts} unlabelled accounts ({r.unlabelled_incidents} incidents)"
        parts.append(f"{r.source}: {r.events} events{extra}")
    return "; ".join(parts)
