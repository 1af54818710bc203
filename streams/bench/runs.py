"""The benchmark's runs. Each throughput run reads a topic (or file) loaded before its clock starts, so
no producer competes for the cores, and reports the sustained rate and the peak RSS of what it ran."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path

import orjson
from confluent_kafka.admin import AdminClient

from streams.bench.events import EventFiles
from streams.bench.measure import RunResult, histogram_quantile, sustained_rate
from streams.bench.processes import (
    Child,
    free_port,
    python_module,
    sample,
    scrape_applied,
    scrape_faust_count,
    scrape_histogram,
    wait_ready,
)
from streams.core.partitioner import partition_for
from streams.errors import BenchError
from streams.kafka_client import producer
from streams.produce import publish
from streams.settings import Settings, settings_env
from streams.topics import SENT_AT_HEADER, TopicSpec, ensure_topics

BATCH_EVENTS = 100  # events per envelope in the batch runs
PACE_S = 0.05  # the latency run's producer sends what is due this often
DRAIN_S = 60.0  # ...and then waits at most this long for the worker to apply it all


@dataclass(frozen=True)
class Topics:
    hashed_single: str
    text_single: str
    hashed_batch: str
    text_batch: str
    hashed_librdkafka: str  # single events placed by librdkafka's default partitioner (crc32 of the key)


class Bench:
    def __init__(
        self, settings: Settings, files: EventFiles, work: Path, seconds: float, ceiling_events: int
    ):
        self.settings = settings
        self.files = files
        self.work = work
        self.seconds = seconds
        self.ceiling_events = ceiling_events
        self.prefix = f"bench-{uuid.uuid4().hex[:8]}"

    # -- the topics ------------------------------------------------------------------------------

    def preload(self) -> Topics:
        p = self.prefix
        topics = Topics(
            f"{p}-hashed-single",
            f"{p}-text-single",
            f"{p}-hashed-batch",
            f"{p}-text-batch",
            f"{p}-hashed-librdkafka",
        )
        loads = [
            (topics.hashed_single, self.files.hashed, 1, {}),
            (topics.text_single, self.files.text, 1, {}),
            (topics.hashed_batch, self.files.hashed, BATCH_EVENTS, {}),
            (topics.text_batch, self.files.text, BATCH_EVENTS, {}),
            (topics.hashed_librdkafka, self.files.hashed, 1, {"partitioner": "consistent_random"}),
        ]
        for topic, path, batch, config in loads:
            with path.open("rb") as lines:
                report = publish(self.settings, lines, topic, batch, **config)
            if report.failed:
                raise BenchError(f"loading {topic}: {report.failed} messages failed: {report.errors[:3]}")
        return topics

    def delete_topics(self) -> None:
        """Every topic of this benchmark: the loaded ones and those its workers made."""
        admin = AdminClient({"bootstrap.servers": self.settings.bootstrap_servers})
        names = [t for t in admin.list_topics(timeout=10).topics if t.startswith(self.prefix)]
        if names:
            for future in admin.delete_topics(names, operation_timeout=30).values():
                future.result()

    # -- runs without a worker -------------------------------------------------------------------

    def _child(self, name: str, *args: str) -> RunResult:
        child = Child(
            python_module("streams.bench.child", *args),
            settings_env(self.settings),
            self.work / f"{name}.log",
        )
        code = child.proc.wait()
        child.stop()
        text = child.log_path.read_text()
        if code != 0:
            raise BenchError(f"{name} exited with {code}: see {child.log_path}")
        out = json.loads(text.strip().splitlines()[-1])
        return RunResult(
            name,
            out["events"] / out["seconds"],
            peak_rss_mb=out["peak_rss_mb"],
            events=out["events"],
            seconds=out["seconds"],
        )

    def client_ceiling(self, topics: Topics) -> RunResult:
        return self._child("client_ceiling", "ceiling", topics.hashed_single, str(self.ceiling_events))

    def detect(self, name: str, path: Path) -> RunResult:
        return self._child(name, "detect", str(path), str(self.seconds))

    def replay(self, topics: Topics) -> RunResult:
        return self._child("replay", "replay", topics.hashed_single)

    # -- runs of long-lived processes ------------------------------------------------------------

    def faust(self, mode: str, topics: Topics) -> RunResult:
        name = f"faust_{mode}"
        port = free_port()
        args = [
            mode,
            self.settings.bootstrap_servers,
            topics.hashed_single,
            f"{self.prefix}-{name}",
            str(port),
            str(self.settings.partitions),
        ]
        child = Child(
            python_module("streams.bench.faust_baseline", *args),
            settings_env(self.settings),
            self.work / f"{name}.log",
        )
        return self._measure(name, [child], lambda: scrape_faust_count(port))

    def worker(self, name: str, topic: str, processes: int = 1, partitioner: str = "murmur2") -> RunResult:
        """``processes`` workers of one app over ``topic``, the input declared ``partitioner``-placed."""
        ports = [free_port() for _ in range(processes)]
        children = [self._worker(name, topic, port, partitioner, i) for i, port in enumerate(ports)]

        def applied() -> float | None:
            counts = [scrape_applied(port) for port in ports]
            return None if None in counts else sum(counts)

        return self._measure(name, children, applied)

    def latency(self, rate: float) -> RunResult:
        """worker_batch's setup fed live: a producer paced at ``rate`` events a second sends envelopes
        of the events due every ``PACE_S``, each event stamped with the time it is sent, and the
        message with that time in ``SENT_AT_HEADER``. p50 and p99 come from the worker's histogram
        of send-to-apply seconds."""
        name = "latency"
        topic = f"{self.prefix}-{name}"
        ensure_topics(self.settings, [TopicSpec(topic, self.settings.partitions)])
        port = free_port()
        child = self._worker(name, topic, port, "murmur2")
        try:
            wait_ready(child, port)
            sent, seconds = _paced(self.settings, topic, self.files.hashed, rate, self.seconds)
            deadline = time.monotonic() + DRAIN_S
            while (scrape_applied(port) or 0) < sent and time.monotonic() < deadline:
                time.sleep(0.5)
            applied = scrape_applied(port) or 0
            buckets = scrape_histogram(port, "extractwatch_send_to_apply_seconds")
            peak = child.peak_rss_mb()
        finally:
            child.stop()
        if applied < sent:
            raise BenchError(f"latency: {applied:,.0f} of {sent:,} events applied: see {child.log_path}")
        p50, p99 = (histogram_quantile(q, buckets) for q in (0.5, 0.99))
        return RunResult(
            name,
            sent / seconds,
            p50_ms=None if p50 is None else p50 * 1000,
            p99_ms=None if p99 is None else p99 * 1000,
            peak_rss_mb=peak,
            events=sent,
            seconds=seconds,
        )

    def _worker(self, name: str, topic: str, port: int, partitioner: str, index: int = 0) -> Child:
        app_id = f"{self.prefix}-{name}"
        settings = replace(
            self.settings,
            app_id=app_id,
            input_topic=topic,
            alerts_topic=f"{app_id}-alerts",
            labels_topic=f"{app_id}-labels",
            web_port=port,
        )
        env = settings_env(
            settings,
            EXTRACTWATCH_DETECTOR_INPUT_PARTITIONER=partitioner,
            EXTRACTWATCH_WORK_DIR=str(self.work / "worker-data"),
        )
        return Child(python_module("streams.cli", "worker"), env, self.work / f"{name}-{index}.log")

    def _measure(self, name: str, children: list[Child], count) -> RunResult:
        try:
            samples = sample(children, count, self.files.count, self.seconds)
            peaks = [child.peak_rss_mb() for child in children]
        finally:
            for child in children:
                child.stop()
        with (self.work / f"{name}.samples.csv").open("w") as f:  # to see how the rate was taken
            f.writelines(f"{t:.2f},{n:.0f}\n" for t, n in samples)
        rate, events, seconds = sustained_rate(samples)
        return RunResult(
            name, rate, peak_rss_mb=sum(p for p in peaks if p is not None), events=events, seconds=seconds
        )


def _paced(settings: Settings, topic: str, events: Path, rate: float, seconds: float) -> tuple[int, float]:
    """Send the file's events at ``rate`` a second for ``seconds``, re-stamped with the wall clock, in
    one envelope per partition every ``PACE_S``; the events sent and the seconds it took."""
    out = producer(settings)
    sent, started = 0, time.monotonic()
    with events.open("rb") as lines:
        while (elapsed := time.monotonic() - started) < seconds:
            due = int(elapsed * rate) - sent
            envelopes: dict[int, list[bytes]] = {}
            now = time.time()
            for line in islice(lines, due):
                event = orjson.loads(line)
                event["ts"] = now
                envelopes.setdefault(partition_for(event["client_id"], settings.partitions), []).append(
                    orjson.dumps(event)
                )
                sent += 1
            for partition, items in envelopes.items():
                out.produce(
                    topic,
                    b"[" + b",".join(items) + b"]",
                    partition=partition,
                    timestamp=int(now * 1000),
                    headers=[(SENT_AT_HEADER, repr(time.time()).encode())],
                )
            out.poll(0)
            time.sleep(PACE_S)
    out.flush(30)
    return sent, time.monotonic() - started
