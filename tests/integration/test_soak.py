"""A quick cut of ``make soak`` (seconds instead of an hour), so the soak run never rots."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

from streams.settings import settings_env
from tests.integration.conftest import ROOT, _free_port

pytestmark = pytest.mark.integration


def test_a_short_soak_samples_the_worker_and_writes_its_figures(settings, tmp_path):
    out = tmp_path / "soak"
    command = [sys.executable, "-m", "streams.soak", "--minutes", "0.4", "--rate", "300", "--clients", "50"]
    command += ["--lifetime-s", "5", "--expiry-s", "5", "--lateness-s", "5", "--sample-s", "3"]
    command += ["--port", str(_free_port())]
    done = subprocess.run(
        [*command, "--out", str(out)], cwd=ROOT, env=settings_env(settings), capture_output=True, timeout=180
    )
    assert done.returncode in (0, 1), done.stderr.decode()[-2000:]  # 1: a series was not flat
    rows = list(csv.DictReader((out / "soak.csv").open()))
    assert len(rows) >= 6 and float(rows[-1]["clients"]) > 0 and float(rows[-1]["rss_mb"]) > 0
    assert float(rows[-1]["snapshot_mb"]) > 0 and float(rows[-1]["gc_s"]) > 0
    assert float(rows[-1]["heap_in_use_mb"]) > 0
    summary = json.loads((out / "soak.json").read_text())
    assert summary["events_sent"] >= 0.9 * 300 * 24 and summary["clients_born"] > 50
    assert summary["past_events"] > 0  # the run starts with a steady population's past
    assert set(summary["series"]) == {"rss_mb", "lag", "snapshot_mb", "clients"}
    assert (out / "soak.png").stat().st_size > 10_000
