"""What a benchmark run reports, and how a sustained rate and a peak RSS are read."""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class RunResult:
    name: str
    events_per_s: float
    p50_ms: float | None = None
    p99_ms: float | None = None
    peak_rss_mb: float | None = None
    # how the rate was taken (events counted over seconds), for the table; not in the JSON schema
    events: int = 0
    seconds: float = 0.0


def sustained_rate(samples: list[tuple[float, float]]) -> tuple[float, int, float]:
    """Events a second from the last sample before the count moved to the first sample at its
    highest (``(time, cumulative events)`` pairs), so start-up and an idle tail are left out; also the
    events and seconds it was taken over.

    >>> sustained_rate([(0, 0), (1, 0), (2, 100), (3, 300), (4, 500), (5, 500)])
    (166.66666666666666, 500, 3.0)
    >>> sustained_rate([(0, 0), (1, 0)])
    (0.0, 0, 0.0)
    """
    top = max((n for _, n in samples), default=0)
    start = next((i for i in range(1, len(samples)) if samples[i][1] > samples[0][1]), None)
    if start is None:
        return 0.0, 0, 0.0
    (t0, n0) = samples[start - 1]
    (t1, n1) = next(s for s in samples if s[1] == top)
    return (n1 - n0) / (t1 - t0), int(n1 - n0), float(t1 - t0)


def histogram_quantile(q: float, buckets: list[tuple[float, float]]) -> float | None:
    """The ``q`` quantile of a Prometheus histogram (``(le, cumulative count)`` pairs, ``+Inf`` last),
    interpolated linearly within its bucket as Prometheus's ``histogram_quantile`` does; None when it
    counted nothing. A quantile in the ``+Inf`` bucket is the highest finite bound.

    >>> histogram_quantile(0.5, [(0.1, 0), (0.2, 10), (0.4, 20), (math.inf, 20)])
    0.2
    >>> histogram_quantile(0.75, [(0.1, 0), (0.2, 10), (0.4, 20), (math.inf, 20)])
    0.30000000000000004
    """
    total = buckets[-1][1] if buckets else 0
    if not total:
        return None
    rank, lower, below = q * total, 0.0, 0.0
    for le, count in buckets:
        if count >= rank:
            if math.isinf(le):
                return lower
            return lower + (le - lower) * (rank - below) / max(count - below, 1e-12)
        lower, below = le, count
    return lower


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident set (VmHWM) in MB; None once it has gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def write_results(path: Path, cores: int, runs: list[RunResult], state_bytes: dict[str, float]) -> None:
    doc = {
        "cores": cores,
        "runs": [{k: v for k, v in asdict(run).items() if k not in ("events", "seconds")} for run in runs],
        "state_bytes_per_client": state_bytes,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2) + "\n")


def table(cores: int, runs: list[RunResult], state_bytes: dict[str, float]) -> str:
    """The results as a Markdown table (for the terminal and the README).

    >>> print(table(2, [RunResult("detect", 4800.4, peak_rss_mb=210.0, events=48004, seconds=10)], {}))
    cores: 2
    <BLANKLINE>
    | run | events/s | p50 ms | p99 ms | peak RSS MB | measured over |
    |---|---:|---:|---:|---:|---|
    | detect | 4,800 | - | - | 210 | 48,004 events in 10.0 s |
    """

    def cell(value: float | None, fmt: str) -> str:
        return "-" if value is None else format(value, fmt)

    lines = [
        f"cores: {cores}",
        "",
        "| run | events/s | p50 ms | p99 ms | peak RSS MB | measured over |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        lines.append(
            f"| {r.name} | {r.events_per_s:,.0f} | {cell(r.p50_ms, ',.0f')} | {cell(r.p99_ms, ',.0f')}"
            f" | {cell(r.peak_rss_mb, ',.0f')} | {r.events:,} events in {r.seconds:.1f} s |"
        )
    if state_bytes:
        lines += ["", "| tracked clients | state bytes per client |", "|---:|---:|"]
        lines += [f"| {int(n):,} | {b:,.0f} |" for n, b in state_bytes.items()]
    return "\n".join(lines)


def cores() -> int:
    return len(os.sched_getaffinity(0))
