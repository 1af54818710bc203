"""The worker's /healthz, /readyz and /metrics, read over HTTP and scraped by a real Prometheus
server (Debian's package, installed by ``infra/debian/install.sh`` from ``make test``)."""

from __future__ import annotations

import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request

import orjson
import pytest

from streams.produce import publish
from tests.integration.conftest import ROOT, _free_port, wait_for
from tests.integration.test_pipeline import malformed_messages, produce_raw, simulated

pytestmark = pytest.mark.integration


def ready_lag(port: int) -> tuple[int, int | None]:
    """/readyz's status and the lag it reports."""
    status, body = get(port, "/readyz")
    return status, orjson.loads(body).get("lag") if body else None


def get(port: int, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return 0, b""  # not listening yet


def metric(text: str, name: str) -> float | None:
    """The value of one series (``name`` with its labels, as exposed) in a /metrics page."""
    for line in text.splitlines():
        series, _, value = line.rpartition(" ")
        if series == name:
            return float(value)
    return None


@pytest.fixture
def worker_port():
    return _free_port()


def test_health_ready_and_metrics_follow_the_traffic(settings, start_worker, worker_port):
    lines, _truth = simulated(seed=5, hours=2)
    assert publish(settings, lines).failed == 0
    produce_raw(settings, malformed_messages(settings, "nobody"))
    worker = start_worker(EXTRACTWATCH_WEB_PORT=str(worker_port))
    wait_for(lambda: get(worker_port, "/healthz")[0] == 200, 60, "/healthz", worker)
    applied = 'extractwatch_events_total{outcome="applied"}'
    wait_for(
        lambda: metric(get(worker_port, "/metrics")[1].decode(), applied) == len(lines),
        120,
        "all applied",
        worker,
    )
    # the malformed records were produced last: they may still be on their way to the DLQ
    wait_for(lambda: ready_lag(worker_port) == (200, 0), 30, "ready with no lag", worker)
    text = get(worker_port, "/metrics")[1].decode()
    assert metric(text, 'extractwatch_dlq_total{reason="invalid_json"}') == 1
    assert metric(text, 'extractwatch_dlq_total{reason="future"}') == 1
    assert metric(text, "extractwatch_clients_tracked") > 0
    assert "extractwatch_apply_seconds_bucket" in text and 'extractwatch_lag{partition="0"} 0.0' in text
    assert 'extractwatch_snapshot_age_seconds{partition="0",stage="detect"}' in text
    # the traffic allocates: young collections ran, and were timed
    assert metric(text, 'extractwatch_gc_collections_total{generation="0"}') > 0
    assert 'extractwatch_gc_seconds_total{generation="2"}' in text
    assert metric(text, "extractwatch_send_full_waits_total") == 0  # the broker took every send
    assert metric(text, 'extractwatch_heap_bytes{kind="in_use"}') > 1_000_000  # the state, the buffers
    # large blocks stay mapped one by one (EXTRACTWATCH_MALLOC_MMAP_THRESHOLD): glibc took the setting
    log = worker.log_path.read_text().splitlines()
    assert [orjson.loads(line)["fixed"] for line in log if "C heap's mapping threshold" in line] == [True]
    snapshot_bytes = 'extractwatch_snapshot_bytes{partition="0",stage="detect"}'
    # the partition snapshots within EXTRACTWATCH_SNAPSHOT_INTERVAL_S (5 s) of its last record
    wait_for(lambda: (metric(get(worker_port, "/metrics")[1].decode(), snapshot_bytes) or 0) > 0, 15, "size")


def test_ready_is_503_with_a_reason_while_lag_is_over_the_limit(settings, start_worker, worker_port):
    lines, _truth = simulated(seed=5, hours=2)
    assert publish(settings, lines).failed == 0
    worker = start_worker(EXTRACTWATCH_WEB_PORT=str(worker_port), EXTRACTWATCH_READY_MAX_LAG="-1")
    wait_for(lambda: get(worker_port, "/readyz")[0] == 503, 60, "/readyz", worker)
    wait_for(
        lambda: "lag" in orjson.loads(get(worker_port, "/readyz")[1])["reason"], 120, "a lag reason", worker
    )


def test_a_real_prometheus_scrapes_the_worker(settings, start_worker, worker_port, tmp_path):
    prometheus = shutil.which("prometheus")
    assert prometheus, "Prometheus is installed by infra/debian/install.sh (make test)"
    lines, _truth = simulated(seed=5, hours=1)
    assert publish(settings, lines).failed == 0
    worker = start_worker(EXTRACTWATCH_WEB_PORT=str(worker_port))
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n"
        f"scrape_configs:\n  - job_name: extractwatch\n    static_configs:\n"
        f"      - targets: ['127.0.0.1:{worker_port}']\n"
    )
    port = _free_port()
    server = subprocess.Popen(
        [
            prometheus,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "prometheus.log").open("wb"),
    )
    try:
        query = urllib.parse.quote('extractwatch_events_total{outcome="applied"}')

        def scraped() -> float | None:
            status, body = get(port, f"/api/v1/query?query={query}")
            result = orjson.loads(body)["data"]["result"] if status == 200 else []
            return float(result[0]["value"][1]) if result else None

        wait_for(lambda: scraped() == len(lines), 120, "Prometheus to scrape every applied event", worker)
        assert (
            orjson.loads(get(port, f"/api/v1/query?query={query}")[1])["data"]["result"][0]["metric"]["job"]
            == "extractwatch"
        )
    finally:
        server.terminate()
        server.wait(30)
