"""``extractwatch bench`` (``make bench``): every run of the benchmark on the real broker, in one go,
side by side; a table on the terminal and JSON in ``bench/results.json`` (``--quick``:
``bench/quick.json``, a few seconds a run, for the smoke test)."""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from streams.bench.events import DAY, write_events
from streams.bench.measure import RunResult, cores, table, write_results
from streams.bench.runs import Bench
from streams.bench.state_size import busiest_client_history, bytes_per_client, fed_client
from streams.progress import Progress
from streams.settings import Settings

LATENCY_SHARE = 0.5  # the latency run's producer is paced at this share of worker_batch's rate
SEED = 1


@dataclass(frozen=True)
class Plan:
    """How big each part of the benchmark is."""

    seconds: float  # each throughput run's measuring time (or until its events run out)
    scale: float  # the simulator's client count multiplier
    duration_s: float  # simulated traffic
    ceiling_events: int
    state_clients: tuple[int, ...]
    output: Path


FULL = Plan(30.0, 1.5, DAY, 5_000_000, (100_000, 1_000_000), Path("bench/results.json"))
QUICK = Plan(3.0, 0.05, 3 * 3600.0, 200_000, (1_000, 2_000), Path("bench/quick.json"))
RUNS = 15  # for the progress line: 14 runs and the state size


def run(settings: Settings, plan: Plan) -> tuple[list[RunResult], dict[str, float]]:
    work = Path(tempfile.mkdtemp(prefix="extractwatch-bench-"))
    files = write_events(work, SEED, plan.scale, time.time() - 3600, plan.duration_s)
    print(f"{files.count:,} events, {cores()} cores; logs in {work}", file=sys.stderr)
    bench = Bench(settings, files, work, plan.seconds, plan.ceiling_events)
    progress = Progress("bench runs", RUNS)
    runs: list[RunResult] = []

    def done(result: RunResult) -> RunResult:
        runs.append(result)
        progress.step()
        print(f"  {result}", file=sys.stderr)  # all of it, should a later run fail
        return result

    try:
        topics = bench.preload()
        done(bench.client_ceiling(topics))
        done(bench.faust("bare", topics))
        done(bench.faust("table", topics))
        done(bench.worker("worker_single", topics.hashed_single))
        done(bench.worker("worker_single_text", topics.text_single))
        batch = done(bench.worker("worker_batch", topics.hashed_batch))
        done(bench.worker("worker_batch_text", topics.text_batch))
        done(bench.worker("worker_x2", topics.hashed_batch, processes=2))
        done(bench.worker("worker_any_partitioner", topics.hashed_librdkafka, partitioner="any"))
        done(bench.detect("detect", files.hashed))
        done(bench.detect("detect_text", files.text))
        done(bench.replay(topics))
        done(bench.latency(LATENCY_SHARE * batch.events_per_s))
    finally:
        bench.delete_topics()
    client = fed_client(busiest_client_history(files.text), settings.detector)
    state_bytes = {str(n): bytes_per_client(client, n) for n in plan.state_clients}
    progress.step()
    progress.close()
    for path in (files.text, files.hashed):  # hundreds of MB; the logs stay
        path.unlink()
    return runs, state_bytes


def main(settings: Settings, quick: bool) -> int:
    plan = QUICK if quick else FULL
    runs, state_bytes = run(settings, plan)
    count = cores()
    write_results(plan.output, count, runs, state_bytes)
    print(table(count, runs, state_bytes))
    print(f"written to {plan.output}", file=sys.stderr)
    return 0
