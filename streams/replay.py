"""``extractwatch replay``: the detector over a window of a topic's history, with state of its own,
alerts marked ``replay: true`` to a file or a replay topic, never to the live alerts topic.

- From retained snapshots (the default): each stage resumes from its snapshot cut before the window
  (``choose_cuts``), and each input partition applies its records from the snapshot's offset in
  offset order, as the live worker did: the live worker's alerts for the window.
- ``--fresh``: empty state, every event routed by murmur2 over ``EXTRACTWATCH_PARTITIONS`` as
  ``detect`` does, the topic's records merged in event-time order (``streams.history``): over a
  topic filled by ``extractwatch produce --input E`` it gives ``detect --input E``'s alerts,
  whatever partitioner the producer used.
"""

from __future__ import annotations

import itertools
import math
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO, Protocol

import orjson

from streams.core.cluster_partition import ClusterPartitionState
from streams.core.cluster_wire import decode_envelope
from streams.core.detector import Detector, runs_of
from streams.core.partition import PartitionState
from streams.core.records import Alert, Routed
from streams.core.stage import InputRecord, SnapshotCut
from streams.core.swarms import SwarmState
from streams.errors import ConfigError, DeliveryError
from streams.history import HistoryRecord, TopicHistory
from streams.kafka_client import producer
from streams.progress import Progress, tracked
from streams.settings import ENV_PREFIX, DetectorSettings, Settings
from streams.snapshot_store import cut_id, read_cuts
from streams.topics import TopicSpec, ensure_topics, retention_config, routed_topic


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
        ensure_topics(settings, [TopicSpec(self.topic, settings.partitions, retention_config(settings))])
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
    settings: Settings,
    records: Iterable[HistoryRecord],
    window: Window,
    client: str | None = None,
    resume: Detector | None = None,
) -> Iterator[Alert]:
    """The window's alerts over records in event-time order. Reading stops at the first record past
    the window's end by the allowed lateness: every partition's watermark has then passed the end,
    and what is still open (cluster buckets) is closed as when the input ends.

    Fresh (no ``resume``), each event is routed by murmur2, as ``detect`` does; resumed, each record
    is applied to its own Kafka partition's state at its offset, as the live worker does."""
    detector = resume or Detector(settings.partitions, settings.detector, clusters=settings.clusters)
    stop_at = window.end + settings.detector.allowed_lateness_s
    for alerts in _alerts_of(detector, records, stop_at, fresh=resume is None):
        for alert in alerts:
            if wanted(alert, window, client):
                yield replace(alert, replay=True)


def _alerts_of(
    detector: Detector, records: Iterable[HistoryRecord], stop_at: float, fresh: bool
) -> Iterator[list[Alert]]:
    """Fresh: the records' values as lines, in runs as ``detect`` applies them; resumed: each record
    at its offset of its own partition. Then the end of the input."""
    records = itertools.takewhile(lambda record: record.ts < stop_at, records)
    if fresh:
        for run in runs_of(record.value for record in records):
            yield detector.feed_lines(run)
    else:
        for record in records:
            yield detector.feed_record(
                record.partition, InputRecord(record.offset, record.timestamp, record.value)
            )
    yield detector.finish()


def replay_topic(
    settings: Settings, topic: str, window: Window, sink: AlertSink, client: str | None = None
) -> ReplaySummary:
    """``--fresh``: every partition of ``topic`` from its beginning, with empty state."""
    return _run(settings, TopicHistory(settings, topic), window, sink, client, None)


def _run(
    settings: Settings,
    history: TopicHistory,
    window: Window,
    sink: AlertSink,
    client: str | None,
    resume: Detector | None,
) -> ReplaySummary:
    started = time.monotonic()
    summary = ReplaySummary()
    progress = Progress("records", history.total, show_rate=True)

    def counted() -> Iterator[HistoryRecord]:
        for record in tracked(history.records(), progress):
            summary.records += 1
            _count_events(record.value, summary)
            yield record

    try:
        for alert in replay_records(settings, counted(), window, client, resume):
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
    if isinstance(doc, dict) and "items" in doc:  # an envelope of the routed topic
        clients = [i.event.client_id for i in decode_envelope(value) if isinstance(i, Routed)]
    else:
        raws = doc if isinstance(doc, list) else [doc]
        clients = [
            r["client_id"] for r in raws if isinstance(r, dict) and isinstance(r.get("client_id"), str)
        ]
    summary.events += len(clients)
    summary.clients.update(clients)


# -- resuming from retained snapshots ------------------------------------------------------------


def choose_cuts(
    cuts: list[SnapshotCut], start: float, cfg: DetectorSettings, clusters: bool
) -> list[SnapshotCut]:
    """The cuts a replay of alerts from ``start`` resumes from: the newest whose watermark is at or
    below ``start`` minus the allowed lateness (no event that can raise such an alert was applied
    before it). With clusters, the swarm stage and every cluster partition at one common mark (each
    was cut after its sources had passed it, so it holds whatever they sent before their own cuts),
    and each input partition at that mark or before. A stage without a fitting cut starts empty.

    >>> cut = lambda stage, p, mark, wm: SnapshotCut(stage, p, mark, 0, wm, "v", 0, b"", mark)
    >>> cuts = [cut("detect", 0, 3600, 3610), cut("detect", 0, 7200, 7300), cut("detect", 1, 7200, 7200)]
    >>> [(c.partition, c.mark) for c in choose_cuts(cuts, 7200 + 3600, DetectorSettings(), clusters=False)]
    [(0, 3600), (1, 7200)]
    """
    limit = start - cfg.allowed_lateness_s
    fitting = [c for c in cuts if c.watermark <= limit]
    if not clusters:
        return _newest_per_partition(c for c in fitting if c.stage == "detect")
    downstream = sorted({c.partition for c in cuts if c.stage == "clusters"})
    for swarm in sorted((c for c in fitting if c.stage == "swarms"), key=lambda c: -c.mark):
        for mark in _marks_newest_first(swarm, cfg.snapshot_mark_s):
            at_mark = [_newest_covering(fitting, "clusters", q, mark) for q in downstream]
            if all(c is not None for c in at_mark):
                inputs = [c for c in fitting if c.stage == "detect" and _first(c) <= mark]
                return [swarm, *at_mark, *_newest_per_partition(inputs)]
    return []


def _first(cut: SnapshotCut) -> float:
    return cut.mark if cut.first_mark is None else cut.first_mark


def _marks_newest_first(cut: SnapshotCut, step: float, most: int = 48) -> list[float]:
    """The marks a cut stands for, newest first (the most recent ``most``: older ones lose little)."""
    count = min(most, int(round((cut.mark - _first(cut)) / step)) + 1)
    return [cut.mark - i * step for i in range(count)]


def _newest_covering(cuts: list[SnapshotCut], stage: str, partition: int, mark: float) -> SnapshotCut | None:
    covering = [c for c in cuts if c.stage == stage and c.partition == partition and c.covers(mark)]
    return max(covering, key=lambda c: c.mark, default=None)


def _newest_per_partition(cuts: Iterable[SnapshotCut]) -> list[SnapshotCut]:
    newest: dict[int, SnapshotCut] = {}
    for c in cuts:
        if c.partition not in newest or c.mark > newest[c.partition].mark:
            newest[c.partition] = c
    return sorted(newest.values(), key=lambda c: c.partition)


def resumed(settings: Settings, cuts: list[SnapshotCut]) -> Detector:
    """A detector whose stages are the cuts' states (the others empty), to be fed the input topic's
    records from each input partition's next offset, as the worker applies them."""
    cfg = settings.detector
    detector = Detector(settings.partitions, cfg, clusters=settings.clusters)
    for cut in cuts:
        if cut.stage == "detect":
            detector.states[cut.partition] = PartitionState.restore(cut.blob, cfg)
        elif cut.stage == "clusters":
            detector.clusters[cut.partition] = ClusterPartitionState.restore(cut.blob, cfg)
        else:
            detector.swarms = SwarmState.restore(cut.blob, cfg)
    detector.retain_cuts(False)  # a replay cuts nothing: the worker's cuts are in the topic
    return detector


def replay_from_snapshots(
    settings: Settings,
    window: Window,
    sink: AlertSink,
    client: str | None = None,
    mark: float | None = None,
) -> ReplaySummary:
    """The live worker's alerts for the window: each stage resumes from its retained snapshot, and
    each input partition applies its records from the snapshot's offset, in offset order."""
    cfg = settings.detector
    cuts = read_cuts(settings, lambda info: mark is None or info.mark <= mark)
    if mark is not None:
        cuts = [c for c in cuts if c.mark <= mark]
        if not any(c.mark == mark for c in cuts):
            raise ConfigError(f"no snapshot at mark {mark:.0f}: see `extractwatch state snapshots`")
    start = window.start if mark is None else math.inf  # a mark given: its cuts, whatever their watermark
    chosen = choose_cuts(cuts, start, cfg, settings.clusters)
    detector = resumed(settings, chosen)
    used = ", ".join(cut_id(c) for c in chosen) or "none (empty state, from each partition's beginning)"
    print(f"resuming from {len(chosen)} snapshots: {used}", file=sys.stderr)
    _apply_labels(settings, detector)
    starts = {p: state.last_offset + 1 for p, state in enumerate(detector.states)}
    # Routed input: the detect partitions' offsets are in the routed topic, which holds the judged
    # events the live worker applied, on their clients' partitions.
    routes = settings.detector.input_partitioner != "murmur2"
    topic = routed_topic(settings) if routes else settings.input_topic
    return _run(settings, TopicHistory(settings, topic, starts), window, sink, client, detector)


def _apply_labels(settings: Settings, detector: Detector) -> None:
    """Verdicts and examples of the labels topic after each partition's recorded labels offset."""
    starts = {p: state.labels_offset + 1 for p, state in enumerate(detector.states)}
    try:
        labels = TopicHistory(settings, settings.labels_topic, starts)
    except DeliveryError:
        return  # no labels topic: nothing was ever labelled
    by_partition: dict[int, list[InputRecord]] = {}
    for r in labels.records():
        by_partition.setdefault(r.partition, []).append(InputRecord(r.offset, r.timestamp, r.value))
    for partition, records in sorted(by_partition.items()):
        detector.apply_labels(partition, sorted(records, key=lambda r: r.offset))
