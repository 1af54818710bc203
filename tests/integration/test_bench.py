"""The benchmark's quick cut (``extractwatch bench --quick``): every run on the real broker for a few
seconds, so that ``make bench`` never rots. Its figures are not checked against targets (seconds on
a shared machine say nothing about speed); that every run measured something is."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from streams.settings import settings_env
from tests.integration.conftest import ROOT

pytestmark = pytest.mark.integration
RUNS = [
    "client_ceiling",
    "faust_bare",
    "faust_table",
    "worker_single",
    "worker_single_text",
    "worker_batch",
    "worker_batch_text",
    "worker_x2",
    "worker_any_partitioner",
    "detect",
    "detect_text",
    "replay",
    "latency",
]


def test_the_quick_benchmark_measures_every_run_and_leaves_the_committed_results_alone(settings):
    results, quick = ROOT / "bench" / "results.json", ROOT / "bench" / "quick.json"
    before = results.read_bytes() if results.exists() else None
    quick.unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "streams.cli", "bench", "--quick"],
        cwd=ROOT,
        capture_output=True,
        timeout=600,
        env=settings_env(settings),
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]
    doc = json.loads(quick.read_text())
    assert doc["cores"] >= 1
    assert [run["name"] for run in doc["runs"]] == RUNS
    assert all(run["events_per_s"] > 0 and run["peak_rss_mb"] > 0 for run in doc["runs"])
    latency = doc["runs"][-1]
    assert 0 < latency["p50_ms"] <= latency["p99_ms"]
    assert doc["state_bytes_per_client"] and all(b > 0 for b in doc["state_bytes_per_client"].values())
    assert "| worker_batch |" in done.stdout.decode(), "the table on the terminal"
    assert (results.read_bytes() if results.exists() else None) == before
