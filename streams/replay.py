"""``extractwatch replay --fresh``: the detector over a window of a topic's history, with state of its
own, alerts marked ``replay: true`` to a file or a replay topic, never to the live alerts topic.

The core is ``detect``'s (``Detector``, events routed by murmur2 over ``EXTRACTWATCH_PARTITIONS``),
fed the topic's records merged in event-time order (``streams.history``): over a topic filled by
``extractwatch produce --input E`` it gives ``detect --input E``'s alerts, whatever partitioner the
producer used.
"""

from __future__ import annotations

import math
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO, Protocol

import orjson

from streams.core.detector import Detector
from streams.core.records import Alert
from streams.errors import ConfigError, DeliveryError
from streams.history import HistoryRecord, TopicHistory
from streams.kafka_client import producer
from streams.progress import Progress
from streams.settings import ENV_PREFIX, Settings
from streams.topics import TopicSpec, ensure_topics


@dataclass(frozen=True)
class Window:
    """Alerts with ``start <= ts < end`` are output; events before ``start`` still build state."""

    start: float = 0.0
    end: float = math.inf

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ConfigError(f"--from ({self.start}) must be before --to ({self.end})")

    def holds(self, ts: float) -> bool:
        return self.start <= ts < self.end


def settings_with(base_env: dict[str, str], config: Path | None = None, model: str | None = None) -> Settings:
    """The settings from the environment, overridden by a ``--config`` file of ``EXTRACTWATCH_*=value``
    lines (blank lines and ``#`` comments allowed) and by ``--model``."""
    env = dict(base_env)
    if config is not None:
        env.update(read_config(config))
    if model is not None:
        env[f"{ENV_PREFIX}DETECTOR_MODEL_CHECKPOINT"] = model
    return Settings.from_env(env)


def read_config(path: Path) -> dict[str, str]:
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from exc
    values = {}
    for n, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or not name.startswith(ENV_PREFIX):
            raise ConfigError(f"{path} line {n}: expected EXTRACTWATCH_<NAME>=value")
        values[name] = value.strip()
    return values


class AlertSink(Protocol):
    def write(self, alert: dict) -> None: ...
    def close(self) -> None: ...


class FileSink:
    def __init__(self, out: BinaryIO):
        self.out = out

    def write(self, alert: dict) -> None:
        self.out.write(orjson.dumps(alert) + b"\n")

    def close(self) -> None:
        self.out.flush()


class TopicSink:
    """A replay topic, keyed by ``dedup_key`` like the live alerts topic; never the live one."""

    def __init__(self, settings: Settings, topic: str | None):
        self.topic = topic or f"{settings.alerts_topic}-replay-{run_id()}"
        if self.topic == settings.alerts_topic:
            raise ConfigError(f"{self.topic} is the live alerts topic: a replay never writes to it")
        ensure_topics(settings, [TopicSpec(self.topic, settings.partitions)])
        self.producer = producer(settings)
        self.errors: list[str] = []

    def write(self, alert: dict) -> None:
        self.producer.produce(
            self.topic, orjson.dumps(alert), key=alert["dedup_key"].encode(), on_delivery=self._delivered
        )
        self.producer.poll(0)

    def _delivered(self, err, _msg) -> None:
        if err is not None:
            self.errors.append(str(err))

    def close(self) -> None:
        if self.producer.flush(60) or self.errors:
            raise DeliveryError(f"replay alerts not all delivered to {self.topic}: {self.errors[:3]}")


def run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:6]


@dataclass
class ReplaySummary:
    records: int = 0
    events: int = 0
    clients: set[str] = field(default_factory=set)
    alerts: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        return (
            f"replayed {self.events:,} events ({self.records:,} records) of {len(self.clients):,} clients: "
            f"{self.alerts:,} alerts in {self.seconds:.1f} s"
        )


def wanted(alert: Alert, window: Window, client: str | None) -> bool:
    """In the window, and about ``client`` if one is given (its own alerts, and cluster alerts that
    list it)."""
    if not window.holds(alert.ts):
        return False
    return client is None or alert.client_id == client or client in alert.members


def replay_records(
    settings: Settings, records: Iterable[HistoryRecord], window: Window, client: str | None = None
) -> Iterator[Alert]:
    """The window's alerts over records in event-time order. Reading stops at the first record past
    the window's end by the allowed lateness: every partition's watermark has then passed the end,
    and what is still open (cluster buckets) is closed as when the input ends."""
    detector = Detector(settings.partitions, settings.detector, clusters=settings.clusters)
    stop_at = window.end + settings.detector.allowed_lateness_s
    for record in records:
        if record.ts >= stop_at:
            break
        for alert in detector.feed_line(record.value):
            if wanted(alert, window, client):
                yield replace(alert, replay=True)
    for alert in detector.finish():
        if wanted(alert, window, client):
            yield replace(alert, replay=True)


def replay_topic(
    settings: Settings, topic: str, window: Window, sink: AlertSink, client: str | None = None
) -> ReplaySummary:
    started = time.monotonic()
    history = TopicHistory(settings, topic)
    summary = ReplaySummary()
    progress = Progress("records", history.total, show_rate=True)

    def counted() -> Iterator[HistoryRecord]:
        for record in history.records():
            summary.records += 1
            progress.step()
            _count_events(record.value, summary)
            yield record

    try:
        for alert in replay_records(settings, counted(), window, client):
            sink.write(alert.to_dict())
            summary.alerts += 1
    finally:
        progress.close()
        sink.close()
    summary.seconds = time.monotonic() - started
    print(summary.line(), file=sys.stderr)
    return summary


def _count_events(value: bytes, summary: ReplaySummary) -> None:
    try:
        doc = orjson.loads(value)
    except orjson.JSONDecodeError:
        return
    for raw in doc if isinstance(doc, list) else [doc]:
        if isinstance(raw, dict) and isinstance(raw.get("client_id"), str):
            summary.events += 1
            summary.clients.add(raw["client_id"])
