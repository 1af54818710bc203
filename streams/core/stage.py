"""What every stage's state shares: it is one serialisable unit, and the stages after the input
partitions read envelopes of items from an internal topic. Pure."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from models.base import dump_checkpoint, load_checkpoint
from streams.core.buckets import BucketGate
from streams.core.cluster_wire import InvalidEnvelope, Item, decode_envelope
from streams.core.clusters import Heartbeat, KeyDecision, Observation
from streams.core.records import Alert, DeadLetter, Reroute, Routed
from streams.core.slotted import pickled_by_slots
from streams.core.verdicts import TrainingExample
from streams.errors import CheckpointError
from streams.settings import DetectorSettings


@pickled_by_slots
@dataclass(frozen=True, slots=True)
class InputRecord:
    """What the adapter hands the core: a Kafka record's offset, timestamp (seconds) and value."""

    offset: int
    timestamp: float
    value: bytes | None


@pickled_by_slots
@dataclass(frozen=True, slots=True)
class SnapshotCut:
    """A stage's state cut when its watermark entered a new mark (``snapshot_mark_s``), for replays:
    the same cuts at the same offsets in the worker and in ``detect``."""

    stage: str  # detect, clusters or swarms
    partition: int
    mark: float  # the newest mark its watermark has entered (event time)
    offset: int  # the last offset applied: a replay resumes after it
    watermark: float
    model_version: str
    verdicts: int  # verdicts the partition's model has learned
    blob: bytes  # ``snapshot()``
    # The oldest mark it stands for: a watermark that jumps over several marks in one record (a
    # busy backlog, heartbeats of a batch) enters them all at once, with one state.
    first_mark: float | None = None

    def covers(self, mark: float) -> bool:
        return (self.mark if self.first_mark is None else self.first_mark) <= mark <= self.mark


@pickled_by_slots
@dataclass(slots=True)
class Output:
    """What applying records gives, for the adapter to send on."""

    alerts: list[Alert] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    reroutes: list[Reroute] = field(default_factory=list)
    routed: list[Routed] = field(default_factory=list)  # judged events, for their clients' partitions
    observations: list[Observation] = field(default_factory=list)  # for the cluster partitions
    decisions: list[KeyDecision] = field(default_factory=list)  # of cluster keys, for the swarm stage
    examples: list[TrainingExample] = field(default_factory=list)  # from verdicts, for every partition
    drifts: list[float] = field(default_factory=list)  # event times the risk stream's ADWIN changed
    cuts: list[SnapshotCut] = field(default_factory=list)  # retained snapshots, for replays
    events: int = 0  # events (or items) applied
    redelivered: int = 0  # records skipped because their offset was already applied

    def extend(self, other: Output) -> None:
        """Add what ``other`` holds (applying more records)."""
        for name in ("alerts", "dead_letters", "reroutes", "routed", "observations", "decisions", "examples"):
            getattr(self, name).extend(getattr(other, name))
        self.drifts.extend(other.drifts)
        self.cuts.extend(other.cuts)
        self.events += other.events
        self.redelivered += other.redelivered


def apply_by_bucket(
    state: Stage, records: list[InputRecord], bucket_s: float
) -> list[tuple[Output, float | None]]:
    """Apply ``records`` one at a time, in runs that end where the state's watermark enters a new
    event-time bucket of ``bucket_s``, each with the watermark at its end. A stage that forwards
    each run's items with that watermark's heartbeat shows the next stage its watermark crossing
    every such boundary, however many records a batch holds. With the snapshot mark as the bucket,
    the next stage's retained snapshots are cut mark by mark in a backlog too, as in ``detect``,
    at the cost of one more envelope per target and mark."""
    runs: list[tuple[Output, float | None]] = []
    run = Output()
    bucket = _bucket(state.watermark, bucket_s)
    for record in records:
        run.extend(state.apply([record]))
        entered = _bucket(state.watermark, bucket_s)
        if entered != bucket:
            runs.append((run, state.watermark))
            run, bucket = Output(), entered
    runs.append((run, state.watermark))
    return runs


def _bucket(watermark: float | None, bucket_s: float) -> int | None:
    return None if watermark is None else int(watermark // bucket_s)


class Snapshotted:
    """``snapshot()`` writes every attribute with ``STATE_FORMAT`` and the River version;
    ``restore()`` rebuilds it, with the current thresholds (``cfg``) from now on."""

    STATE_FORMAT: ClassVar[int]
    cfg: DetectorSettings
    model_version: str

    def snapshot(self) -> bytes:
        return dump_checkpoint({"format": self.STATE_FORMAT, "state": self.__dict__}, self.model_version)

    @classmethod
    def restore(cls, blob: bytes, cfg: DetectorSettings) -> Self:
        payload, _ = load_checkpoint(blob)
        if payload.get("format") != cls.STATE_FORMAT:
            raise CheckpointError(
                f"{cls.__name__} format {payload.get('format')} is not {cls.STATE_FORMAT}: start from "
                "empty state with a new EXTRACTWATCH_APP_ID"
            )
        state = cls.__new__(cls)
        state.__dict__.update(payload["state"])
        state.cfg = cfg
        return state


class Stage(Snapshotted):
    """State of one partition of a topic: applies each record once, in offset order."""

    STAGE: ClassVar[str]
    last_offset: int  # the last offset applied
    marked: int | None = None  # the last mark cut (watermark // snapshot_mark_s)
    retain_cuts = True  # False: note the marks, but make no cut (``detect`` without ``keep_cuts``)

    @property
    def watermark(self) -> float | None:
        raise NotImplementedError

    @property
    def idle_watermark(self) -> float | None:
        """The watermark it announces once it has gone quiet with its whole log applied."""
        return self.watermark

    @property
    def verdicts_learned(self) -> int:
        return 0

    def cut_at_mark(self, out: Output) -> None:
        """After a record: cut the state if its watermark has entered a new mark."""
        watermark = self.watermark
        if watermark is None:
            return
        mark = int(watermark // self.cfg.snapshot_mark_s)
        if self.marked is not None and mark <= self.marked:
            return
        first = mark if self.marked is None else self.marked + 1
        self.marked = mark
        if not self.retain_cuts:
            return
        step = self.cfg.snapshot_mark_s
        out.cuts.append(
            SnapshotCut(
                self.STAGE,
                getattr(self, "partition", 0),
                mark * step,
                self.last_offset,
                watermark,
                self.model_version,
                self.verdicts_learned,
                self.snapshot(),
                first * step,
            )
        )

    def _unapplied(self, records: list[InputRecord], out: Output) -> Iterator[InputRecord]:
        """The records past the last offset applied, which each advance it; the others are counted
        as redelivered (a restart re-reads from the committed offset, behind the snapshot)."""
        for record in records:
            if record.offset <= self.last_offset:
                out.redelivered += 1
                continue
            self.last_offset = record.offset
            yield record

    def _envelopes(self, records: list[InputRecord], out: Output, dead_reason: str) -> Iterator[list[Item]]:
        """The items of each envelope past the last offset applied, the state cut after each at a
        new mark; a record that is not an envelope is dead-lettered under ``dead_reason``."""
        for record in self._unapplied(records, out):
            try:
                items = decode_envelope(record.value)
            except InvalidEnvelope as exc:
                out.dead_letters.append(DeadLetter(record.value or b"", dead_reason, str(exc), record.offset))
                continue
            yield items
            self.cut_at_mark(out)

    def pass_absent(self, upto: int) -> None:
        """Offsets below ``upto`` not applied yet are not on the broker (removed by retention, or
        transaction markers): nothing to apply, and ``upto`` is the next offset expected.

        >>> from streams.core.swarms import SwarmState
        >>> state = SwarmState(1, DetectorSettings(), "v")
        >>> state.pass_absent(7); state.last_offset
        6
        >>> state.pass_absent(3); state.last_offset
        6
        """
        self.last_offset = max(self.last_offset, upto - 1)


class EnvelopeStage(Stage):
    """A stage fed by envelopes (``cluster_wire``) from several sources: holds their items in
    event-time buckets (``gate``) and folds each bucket once every busy source has passed it. A
    record that is not an envelope is dead-lettered under ``DEAD_REASON``."""

    DEAD_REASON: ClassVar[str]
    gate: BucketGate

    def feed(self, items: list[Item]) -> list[Any]:
        """Items in their sources' order; returns what the buckets they release give."""
        results: list[Any] = []
        for item in items:
            if isinstance(item, Heartbeat):
                for bucket, held in self.gate.hear(item):
                    results.extend(self._close(bucket, held))
            else:
                self._hold(item)
        return results

    def _hold(self, item: Item) -> None:
        """Offer the item to the gate, in its bucket, with its position in its source's stream."""
        raise NotImplementedError

    def _close(self, bucket: int, held: list[Any]) -> list[Any]:
        raise NotImplementedError

    def _collect(self, out: Output, results: list[Any]) -> None:
        """Put what ``feed`` returned where the adapter sends it."""
        raise NotImplementedError

    def apply(self, records: list[InputRecord]) -> Output:
        out = Output()
        for items in self._envelopes(records, out, self.DEAD_REASON):
            self._collect(out, self.feed(items))
            out.events += sum(1 for i in items if not isinstance(i, Heartbeat))
        return out
