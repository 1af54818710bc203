"""The README's evaluation table, made from ``eval.json``: ``python -m streams.evaluation.summary_table``.

One row per row set and mode (and the trivial rule beside each cold row set); per core kind of
attack, recall as accounts caught of accounts scored, then all extraction, benign accounts alerted,
false alarms per benign account-day and the bulk attackers' median events to a first alert.
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson

# The library's scenario and the independent generator's kind, per column.
COLUMNS = (
    ("bulk", "bulk_distillation", "bulk"),
    ("low-and-slow", "low_and_slow", "low_and_slow"),
    ("swarm", "swarm", "swarm"),
    ("burst", "burst_then_pause", "burst"),
    ("sweep", "topic_sweep", "sweep"),
    ("leeching", "task_leeching", "leeching"),
    ("mimicry", "mimicry", "mimicry"),
    ("siphon 10% (independent: siphon)", "siphon_10pct", "siphon"),
)


def _rows(scenarios: list[dict]) -> dict[str, dict]:
    return {row["scenario"]: row for row in scenarios}


def _recall(row: dict | None) -> str:
    if not row or not row["accounts"]:
        return ""
    return f"{row['recall']:.2f} ({row['accounts_alerted']}/{row['accounts']})"


def _benign(row: dict) -> list[str]:
    return [
        f"{row['alerted_share']:.3f} ({row['accounts_alerted']}/{row['accounts']})",
        f"{row['false_alarms_per_account_day']:.4f}",
    ]


def _median(row: dict | None) -> str:
    value = row and row["median_events_to_first_alert"]
    return "" if value is None else f"{value:.0f}"


def table(report: dict) -> str:
    header = ["row set", "mode", *(c[0] for c in COLUMNS), "all extraction", "benign accounts alerted"]
    header += ["FA / benign acct-day", "bulk median events"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row_set in report["row_sets"]:
        rows = _rows(row_set["scenarios"])
        independent = row_set["row_set"] == "independent"
        kinds = [rows.get(c[2] if independent else c[1]) for c in COLUMNS]
        cells = [row_set["row_set"], row_set["mode"], *(_recall(k) for k in kinds)]
        cells += [_recall(rows["all extraction"]), *_benign(rows["all benign"]), _median(kinds[0])]
        lines.append("| " + " | ".join(cells) + " |")
        if row_set["mode"] == "cold" and row_set.get("baseline_trivial_rule"):
            base = _rows(row_set["baseline_trivial_rule"])
            cells = [row_set["row_set"], "trivial rule", *([""] * len(COLUMNS))]
            cells += [_recall(base["all extraction"]), *_benign(base["all benign"]), ""]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0] if args else "docs/eval/eval.json")
    print(table(orjson.loads(path.read_bytes())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
