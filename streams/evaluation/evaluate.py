"""Runs an evaluation end to end: every row set, cold and warm, through the core; report table, JSON
and plot out; targets checked.

Row sets: the scenario library on held-out seeds; the independent generator (reported, never gated);
three ablation cells, each removing one kind of input; or a user's own labelled history. Each runs
cold (the prior model alone) and, with ``feedback``, warm (analysts' verdicts on a share of the
accounts, scored on the others). The trivial rule runs beside each cold row set as a baseline.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import orjson

from models.prior import Prior, load_prior
from streams.core.partition import PartitionState
from streams.errors import InputFileError
from streams.evaluation import report, targets
from streams.evaluation.outcomes import ScenarioSummary, summarise
from streams.evaluation.plot import plot_risk
from streams.evaluation.runner import RunResult, run_events
from streams.evaluation.sources import ABLATIONS, Feedback, Source
from streams.progress import Progress
from streams.settings import DetectorSettings, Settings

LIBRARY, INDEPENDENT, OWN = "library", "independent", "your traffic"
UNGATED = (INDEPENDENT,)  # its figures are reported, never used to set a weight, never gated


@dataclass(frozen=True)
class Plan:
    """What to run. Library seeds must not be training seeds (``extractwatch train``)."""

    seeds: tuple[int, ...] = (1,)
    duration: float = 3 * 86400.0
    scale: float = 1.0
    independent_seeds: tuple[int, ...] = ()
    independent_duration: float = 86400.0
    independent_scale: float = 1.0
    ablation_seed: int | None = None
    ablation_duration: float = 2 * 86400.0
    ablation_scale: float = 1.0
    own: tuple[str, str] | None = None  # events JSONL, labels CSV
    feedback: Feedback | None = None

    def sources(self) -> list[tuple[str, Source]]:
        if self.own is not None:
            return [(OWN, Source("file", events=self.own[0], labels=self.own[1]))]
        out = [(LIBRARY, Source("library", s, self.duration, self.scale)) for s in self.seeds]
        out += [
            (INDEPENDENT, Source("independent", s, self.independent_duration, self.independent_scale))
            for s in self.independent_seeds
        ]
        if self.ablation_seed is not None:
            for ablation, what in ABLATIONS.items():
                source = Source("library", self.ablation_seed, self.ablation_duration, self.ablation_scale)
                out.append((f"without {what}", replace(source, ablation=ablation)))
        return out

    def modes(self) -> list[str]:
        return ["cold", "warm"] if self.feedback is not None else ["cold"]


@dataclass
class RowSet:
    name: str
    mode: str
    runs: list[RunResult] = field(default_factory=list)

    @property
    def gated(self) -> bool:
        return self.name not in UNGATED

    def rows(self) -> list[ScenarioSummary]:
        return summarise(o for r in self.runs for o in r.outcomes)

    def baseline_rows(self) -> list[ScenarioSummary]:
        return summarise(o for r in self.runs for o in r.baseline)

    def cluster_incidents(self) -> dict[str, int]:
        incidents: dict[str, int] = {}
        for run in self.runs:
            for scenario, n in run.cluster_incidents.items():
                incidents[scenario] = incidents.get(scenario, 0) + n
        return incidents

    def targets(self) -> list[targets.TargetResult]:
        return targets.check(self.rows(), self.cluster_incidents(), warm=self.mode == "warm")


def check_held_out(plan: Plan, prior: Prior) -> None:
    """Figures on seeds the model learned from would measure memory, not detection."""
    library = {s.seed for _, s in plan.sources() if s.kind == "library"}
    overlap = sorted(library & set(prior.seeds))
    if overlap:
        raise InputFileError(
            f"library seeds {overlap} are among those the model was trained on ({prior.trained_on}): "
            "evaluate on others"
        )


def run_source(
    source: Source, feedback: Feedback | None, cfg: DetectorSettings, partitions: int
) -> RunResult:
    lines, labels = source.open()
    revealed = {}
    if feedback is not None:
        revealed = dict.fromkeys(feedback.revealed(labels), feedback.delay_s)
    return run_events(source.name, lines, labels, cfg, partitions, revealed)


def evaluate(settings: Settings, out_dir: Path, plan: Plan, jobs: int = 1) -> tuple[str, bool]:
    """Returns the printable report and whether every gated target was met."""
    cfg = settings.detector
    check_held_out(plan, load_prior(cfg.model_checkpoint or None))
    work = [(name, mode, source) for name, source in plan.sources() for mode in plan.modes()]
    sets: dict[tuple[str, str], RowSet] = {}
    progress = Progress("runs", len(work))
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [
            pool.submit(
                run_source, source, plan.feedback if mode == "warm" else None, cfg, settings.partitions
            )
            for _, mode, source in work
        ]
        for (name, mode, _), future in zip(work, futures, strict=True):
            sets.setdefault((name, mode), RowSet(name, mode)).runs.append(future.result())
            progress.step()
    row_sets = list(sets.values())
    model_version = PartitionState(0, settings.partitions, cfg).model_version
    out_dir.mkdir(parents=True, exist_ok=True)
    doc = {
        "model_version": model_version,
        "feedback": None if plan.feedback is None else asdict(plan.feedback),
        "row_sets": [_row_set_doc(s) for s in row_sets],
        "targets_met": all(t.met for s in row_sets if s.gated for t in s.targets()),
    }
    (out_dir / "eval.json").write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    first = row_sets[0].runs[0]
    if first.window_start is not None:
        plot_risk(first.traces, first.window_start, cfg.fire_threshold, out_dir / "risk.png")
    text = "\n\n".join(_row_set_text(s) for s in row_sets)
    text += f"\n\nmodel {model_version}\nwrote {out_dir / 'eval.json'} and {out_dir / 'risk.png'}"
    return text, doc["targets_met"]


def _row_set_doc(s: RowSet) -> dict:
    return {
        "row_set": s.name,
        "mode": s.mode,
        "gated": s.gated,
        "runs": [report.run_doc(r) for r in s.runs],
        "scenarios": [asdict(r) for r in s.rows()],
        "cluster_incidents": s.cluster_incidents(),
        "targets": [asdict(t) for t in s.targets()],
        "baseline_trivial_rule": [asdict(r) for r in s.baseline_rows()] if s.mode == "cold" else None,
    }


def _row_set_text(s: RowSet) -> str:
    gate = "gated by --check" if s.gated else "reported only, never gated"
    parts = [
        f"== {s.name}, {s.mode} ({gate}) ==",
        report.sources(s.runs),
        report.table(s.rows()),
        f"cluster incidents, by the scenario most of their members are of: {s.cluster_incidents() or 'none'}",
        "targets:",
        report.targets_text(s.targets()) or "  (no target applies to these scenarios)",
    ]
    if s.mode == "cold":
        baseline = [r for r in s.baseline_rows() if r.scenario.startswith("all ")]
        parts += [
            "baseline, trivial rule (mean completion >= 1,500 tokens after 50 events):",
            report.table(baseline),
        ]
    return "\n".join(parts)
