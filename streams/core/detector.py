"""The worker's partitioning emulated in one process: what ``detect``, eval and the benchmark run."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import orjson

from streams.core.cluster_partition import ClusterPartitionState
from streams.core.cluster_wire import Item, Router
from streams.core.partition import ClientState, PartitionState
from streams.core.partitioner import partition_for
from streams.core.records import Alert, DeadLetter
from streams.core.routing import SourceState
from streams.core.stage import InputRecord, Output, SnapshotCut
from streams.core.swarms import SwarmState
from streams.core.validate import event_time
from streams.core.verdicts import Verdict
from streams.settings import DetectorSettings

RUN_LINES = 512  # lines ``run`` applies at once: one run per input partition, as Faust hands them over


class Detector:
    """N partition states fed in file order, each event routed with Kafka's murmur2 partitioner.

    A line's ``ts`` stands for its record timestamp, as the producer stamps it. Unless the input is
    declared murmur2-partitioned, each event is first judged by a route stage (``SourceState``) on
    the partition murmur2 gives it, and reaches the partition state through a ``BucketGate``, as in
    the worker: the order a gate releases does not depend on where a producer put an event.
    """

    def __init__(
        self, partitions: int, cfg: DetectorSettings, clusters: bool = False, keep_cuts: bool = False
    ):
        """``clusters``: also run the cross-account stages, cluster partitions (one per input
        partition) and the swarm stage after them. ``keep_cuts``: keep every stage's retained
        snapshots (``SnapshotCut``) in ``cuts``."""
        self.states = [PartitionState(p, partitions, cfg, clusters=clusters) for p in range(partitions)]
        self.partitions = partitions
        self.sources: list[SourceState] = []  # the route stage, unless the input is murmur2-partitioned
        self.to_detect = Router.to_detect(partitions, cfg.merge_bucket_s)
        if cfg.input_partitioner != "murmur2":
            self.sources = [SourceState(p, cfg) for p in range(partitions)]
        self.dead_letters: list[DeadLetter] = []
        self.drifts: list[tuple[int, float]] = []  # (partition, event time) of each risk-stream drift
        self.cuts: list[SnapshotCut] = []
        self.clusters: list[ClusterPartitionState] = []
        self.to_clusters = Router.to_clusters(partitions, cfg.cluster_bucket_s)
        self.to_swarms = Router.to_swarms(cfg.cluster_bucket_s)
        self.swarms = SwarmState(partitions, cfg, self.states[0].model_version)
        if clusters:
            self.clusters = [ClusterPartitionState(p, partitions, cfg) for p in range(partitions)]
        self.retain_cuts(keep_cuts)
        for source in range(partitions) if clusters else ():  # every source speaks: none has an event yet
            self._deliver(self.to_clusters.route(source, [], None))
        for source in self.sources:
            self._merge(self.to_detect.route(source.partition, [], None))

    def stages(self) -> list[PartitionState | ClusterPartitionState | SwarmState]:
        return [*self.states, *self.clusters, self.swarms]

    def retain_cuts(self, keep: bool) -> None:
        """Keep every stage's retained snapshots in ``cuts`` (pickling each state at every mark), or
        only note the marks: what ``detect`` and eval do, at no cost."""
        self.keep_cuts = keep
        for stage in self.stages():
            stage.retain_cuts = keep

    def feed_line(self, line: bytes) -> list[Alert]:
        """One JSONL line: an event (or an envelope of events, routed one by one)."""
        return self.feed_lines([line])

    def feed_lines(self, lines: Iterable[bytes]) -> list[Alert]:
        """JSONL lines in order, applied as one run of records per input partition, as the worker
        applies the runs Faust hands it. The merge makes the result the same however lines are
        grouped: runs only save the per-call work (heartbeats, routing) of one line at a time."""
        runs: dict[int, list[InputRecord]] = {}
        for line in lines:
            for partition, value, ts in self._placed(line):
                run = runs.setdefault(partition, [])
                run.append(InputRecord(self._next_offset(partition) + len(run), ts, value))
        alerts: list[Alert] = []
        for partition in sorted(runs):
            alerts.extend(self._apply(partition, runs[partition]))
        return alerts

    def _placed(self, line: bytes) -> Iterator[tuple[int, bytes, float]]:
        """The line's events, each with its murmur2 partition and time (bad JSON: as is, to 0)."""
        doc = _loads(line)
        if doc is None:
            yield 0, line, 0.0
            return
        events = doc if isinstance(doc, list) else [doc]
        for raw in events:
            value = line if raw is doc else orjson.dumps(raw)
            client_id = raw.get("client_id") if isinstance(raw, dict) else None
            partition = partition_for(client_id, self.partitions) if isinstance(client_id, str) else 0
            ts = event_time(raw)
            yield partition, value, 0.0 if ts is None else ts

    def _next_offset(self, partition: int) -> int:
        stage = self.sources[partition] if self.sources else self.states[partition]
        return stage.last_offset + 1

    def add_verdict(self, verdict: Verdict) -> None:
        """An analyst's verdict, as the worker reads it from the labels topic: to its client's
        partition, whose examples every partition then learns at its own watermark."""
        state = self.states[partition_for(verdict.client_id, self.partitions)]
        self._teach_all(state.add_verdict(verdict))

    def apply_labels(self, partition: int, records: list[InputRecord]) -> None:
        """Records of the labels topic's partition ``partition``, as the worker reads them."""
        self._teach_all(self.states[partition].apply_labels(records))

    def _teach_all(self, out: Output) -> None:
        for example in out.examples:
            for state in self.states:
                state.teach(example)

    def finish(self) -> list[Alert]:
        """The input has ended: every source is idle, so the cluster partitions close what they hold,
        as the worker's do once its partitions have gone quiet."""
        alerts: list[Alert] = []
        for source in self.sources:
            alerts.extend(self._merge(self.to_detect.idle(source.partition, source.idle_watermark)))
        for state in self.states if self.clusters else []:
            alerts.extend(self._deliver(self.to_clusters.idle(state.partition, state.watermark)))
        return alerts

    def client_state(self, client_id: str) -> ClientState | None:
        return self.states[partition_for(client_id, self.partitions)].clients.get(client_id)

    def run(self, lines: Iterable[bytes], verdicts: Iterable[Verdict] = ()) -> Iterator[Alert]:
        for verdict in verdicts:
            self.add_verdict(verdict)
        for run in runs_of(lines):
            yield from self.feed_lines(run)
        yield from self.finish()

    def feed_record(self, partition: int, record: InputRecord) -> list[Alert]:
        """A Kafka record of input partition ``partition``, applied as the worker applies it: at its
        offset, skipped if already applied. Events that belong to another partition are not moved
        (the worker re-published them; the copies come later in their own partition's log)."""
        return self._applied(partition, self.states[partition].apply([record]))

    def _apply(self, partition: int, records: list[InputRecord]) -> list[Alert]:
        if not self.sources:
            return self._applied(partition, self.states[partition].apply(records))
        source = self.sources[partition]
        out = source.apply(records)
        self.dead_letters.extend(out.dead_letters)
        return self._merge(self.to_detect.route(partition, out.routed, source.watermark))

    def _merge(self, routed: dict[int, list[Item]]) -> list[Alert]:
        """Judged events and their sources' heartbeats to the partition states."""
        alerts: list[Alert] = []
        for p in sorted(routed):
            state = self.states[p]
            out = state.feed(routed[p])
            state.cut_at_mark(out)
            alerts.extend(self._applied(p, out))
        return alerts

    def _applied(self, partition: int, out: Output) -> list[Alert]:
        self.dead_letters.extend(out.dead_letters)
        self.drifts.extend((partition, ts) for ts in out.drifts)
        self._keep(out)
        self._teach_all(out)
        if not self.clusters:
            return out.alerts
        watermark = self.states[partition].watermark
        return out.alerts + self._deliver(self.to_clusters.route(partition, out.observations, watermark))

    def _keep(self, out: Output) -> None:
        if self.keep_cuts:
            self.cuts.extend(out.cuts)

    def _deliver(self, routed: dict[int, list[Item]]) -> list[Alert]:
        """Items to the cluster partitions, and what they decide on to the swarm stage."""
        alerts: list[Alert] = []
        for p in sorted(routed):
            cluster = self.clusters[p]
            decisions = cluster.feed(routed[p])
            self._cut(cluster)
            for items in self.to_swarms.route(p, decisions, cluster.watermark).values():
                alerts.extend(self.swarms.feed(items))
                self._cut(self.swarms)
        return alerts

    def _cut(self, stage: ClusterPartitionState | SwarmState) -> None:
        out = Output()
        stage.cut_at_mark(out)
        self._keep(out)


def _loads(line: bytes) -> object | None:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return None


def runs_of(lines: Iterable[bytes]) -> Iterator[list[bytes]]:
    """The lines that are not blank, in runs of ``RUN_LINES`` (the last one shorter).

    >>> [len(run) for run in runs_of([b"{}"] * 1030 + [b" "])]
    [512, 512, 6]
    """
    run: list[bytes] = []
    for line in lines:
        if line.strip():
            run.append(line)
            if len(run) >= RUN_LINES:
                yield run
                run = []
    if run:
        yield run
