"""Runs an evaluation end to end: traffic in, report table, JSON and plot out, targets checked."""

from __future__ import annotations

from pathlib import Path

import orjson

from streams.core.partition import PartitionState
from streams.evaluation import report, targets
from streams.evaluation.outcomes import summarise
from streams.evaluation.plot import plot_risk
from streams.evaluation.runner import RunResult, run_file, run_seeds
from streams.settings import Settings


def evaluate(
    settings: Settings,
    out_dir: Path,
    seeds: list[int] | None = None,
    duration: float = 3 * 86400.0,
    scale: float = 1.0,
    jobs: int = 1,
    events: Path | None = None,
    labels: Path | None = None,
) -> tuple[str, bool]:
    """Returns the printable report and whether every target was met."""
    cfg = settings.detector
    if events is not None and labels is not None:
        runs = [run_file(events, labels, cfg, settings.partitions)]
    else:
        runs = run_seeds(seeds or [1], duration, scale, cfg, settings.partitions, jobs)
    rows = summarise(o for r in runs for o in r.outcomes)
    per_run = {r.source: summarise(r.outcomes) for r in runs}
    incidents: dict[str, int] = {}
    for run in runs:
        for scenario, n in run.cluster_incidents.items():
            incidents[scenario] = incidents.get(scenario, 0) + n
    results = targets.check(rows, incidents)
    model_version = PartitionState(0, settings.partitions, cfg).model_version

    out_dir.mkdir(parents=True, exist_ok=True)
    doc = report.document(runs, rows, per_run, results, model_version, incidents)
    (out_dir / "eval.json").write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    first = runs[0]
    if first.window_start is not None:
        plot_risk(first.traces, first.window_start, cfg.fire_threshold, out_dir / "risk.png")
    text = "\n".join(
        [
            _sources(runs),
            report.table(rows),
            f"cluster incidents by the scenario most of their members belong to: {incidents or 'none'}",
            "targets:",
            report.targets_text(results) or "  (no target applies to these scenarios)",
            f"wrote {out_dir / 'eval.json'} and {out_dir / 'risk.png'} (risk of {first.source})",
        ]
    )
    return text, all(r.met for r in results)


def _sources(runs: list[RunResult]) -> str:
    parts = []
    for r in runs:
        extra = f", rejected {r.rejected}" if r.rejected else ""
        if r.unlabelled_accounts:
            extra += f", {r.unlabelled_accounts} unlabelled accounts ({r.unlabelled_incidents} incidents)"
        parts.append(f"{r.source}: {r.events} events{extra}")
    return "; ".join(parts)
