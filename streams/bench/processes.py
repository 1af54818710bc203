"""The processes a benchmark run measures (workers, Faust baselines), and how their progress is read."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from streams.bench.measure import peak_rss_mb
from streams.errors import BenchError

START_UP_S = 120.0  # a process that has applied nothing after this long has failed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Child:
    """A process of the run, its output in ``log_path``."""

    def __init__(self, args: list[str], env: dict[str, str], log_path: Path):
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = log_path.open("wb")
        self.proc = subprocess.Popen(args, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def peak_rss_mb(self) -> float | None:
        return peak_rss_mb(self.proc.pid)

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise BenchError(f"{self.proc.args[2:]} exited with {self.proc.returncode}: see {self.log_path}")

    def stop(self) -> None:
        """Killed: once measured, nothing it holds is needed (its topics are deleted)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def _get(port: int, path: str) -> bytes | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as answer:
            return answer.read()
    except OSError:
        return None  # not listening yet, or too busy to answer in time


def scrape_applied(port: int) -> float | None:
    """The worker's applied events (its /metrics); None when it does not answer."""
    page = _get(port, "/metrics")
    if page is None:
        return None
    for line in page.decode().splitlines():
        if line.startswith('extractwatch_events_total{outcome="applied"}'):
            return float(line.rpartition(" ")[2])
    return 0.0


def scrape_faust_count(port: int) -> float | None:
    """A Faust baseline's events (``streams.bench.faust_baseline``); None when it does not answer."""
    page = _get(port, "/count")
    return None if page is None else float(json.loads(page)["events"])


def scrape_histogram(port: int, name: str) -> list[tuple[float, float]]:
    """A histogram's ``(le, cumulative count)`` buckets from the worker's /metrics (empty: none)."""
    page = _get(port, "/metrics") or b""
    buckets = []
    for line in page.decode().splitlines():
        if line.startswith(name + "_bucket{"):
            le = line.split('le="', 1)[1].split('"', 1)[0]
            buckets.append((float(le), float(line.rpartition(" ")[2])))
    return sorted(buckets)


def wait_ready(child: Child, port: int) -> None:
    """Until the worker's /readyz answers 200 (partitions assigned, state restored, no lag)."""
    deadline = time.monotonic() + START_UP_S
    while time.monotonic() < deadline:
        child.check_alive()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass  # not listening yet, or 503: not ready
        time.sleep(0.5)
    raise BenchError(f"not ready after {START_UP_S:.0f} s: see {child.log_path}")


def sample(
    children: list[Child],
    count: Callable[[], float | None],
    total: int,
    seconds: float,
    every_s: float = 0.25,
) -> list[tuple[float, float]]:
    """``(time, events done)`` every ``every_s`` until all ``total`` events are done or the count has
    moved for ``seconds``; raises if a child dies or nothing moves within ``START_UP_S``."""
    samples: list[tuple[float, float]] = []
    started, moving_since = time.monotonic(), None
    while True:
        for child in children:
            child.check_alive()
        now, done = time.monotonic(), count()
        if done is None:  # no answer this time: the count has not gone back
            done = samples[-1][1] if samples else 0.0
        samples.append((now, done))
        if done and moving_since is None:
            moving_since = now
        if done >= total or (moving_since is not None and now - moving_since >= seconds):
            return samples
        if moving_since is None and now - started > START_UP_S:
            raise BenchError(f"nothing applied after {START_UP_S:.0f} s: see {children[0].log_path}")
        time.sleep(every_s)
