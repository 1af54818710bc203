"""A PNG of risk over time for a few accounts of each scenario, benign above, extraction below."""

from __future__ import annotations

from pathlib import Path

from streams.evaluation.runner import RiskTrace

_PAUSE_S = 1800.0


def plot_risk(traces: list[RiskTrace], window_start: float, fire_threshold: float, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on a server
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 1, figsize=(12, 9), sharex=True)
    colours = plt.get_cmap("tab20")
    for ax, label in zip(axes, ("benign", "extraction"), strict=True):
        scenarios = sorted({t.scenario for t in traces if t.label == label})
        for trace in (t for t in traces if t.label == label and t.points):
            colour = colours(scenarios.index(trace.scenario) % 20)
            hours, risks = _broken_at_pauses(trace.points, window_start)
            first = trace is next(t for t in traces if t.scenario == trace.scenario and t.points)
            ax.plot(hours, risks, lw=0.8, color=colour, label=trace.scenario if first else None)
            alerts = [(ts - window_start) / 3600.0 for ts in trace.alerts]
            ax.plot(alerts, [1.02] * len(alerts), "v", color=colour, ms=7)
        ax.axhline(fire_threshold, color="black", ls="--", lw=0.8)
        ax.set_ylim(0, 1.06)
        ax.set_ylabel("risk")
        ax.set_title(f"{label} accounts (triangles: alerts; dashed: firing threshold)")
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    axes[-1].set_xlabel("hours since the start of the window")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _broken_at_pauses(points: list[tuple[float, float]], window_start: float) -> tuple[list, list]:
    """Hours and risks with a gap (NaN) wherever the account paused, so no line bridges a pause."""
    hours: list[float] = []
    risks: list[float] = []
    last = None
    for ts, risk in points:
        if last is not None and ts - last > _PAUSE_S:
            hours.append(float("nan"))
            risks.append(float("nan"))
        hours.append((ts - window_start) / 3600.0)
        risks.append(risk)
        last = ts
    return hours, risks
