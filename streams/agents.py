"""The agents: decode Kafka records, call the pure core, emit what it returns.

Three lanes run the same machinery (``PartitionWorker``), each over its topic with one state per
partition: ``detect`` (input topic, ``PartitionState``), ``clusters`` (repartition topic of
observations, ``ClusterPartitionState``) and ``swarms`` (key decisions, one ``SwarmState``). A lane
forwards what the next stage needs, with its partitions' heartbeats, as envelopes, one per target
partition and batch, before its own input is acked.

Offsets and state agree by two rules:
1. A partition's state records the last offset it applied and skips records delivered again.
2. An event is acked (so its offset may be committed) only after a snapshot of its partition that
   includes it is durable in the state changelog, and after the alerts, dead letters, reroutes and
   forwarded envelopes it caused are delivered.
After a crash or rebalance the partition restarts from its last snapshot and re-applies the records
after it: nothing is lost, nothing counted twice, and re-sent alerts carry the same ``alert_id``.
Records that Faust's consumer never hands over (a hole before a delivered record, or a stalled
partition's tail) are read straight from the broker (``streams.partition_reader``).

The detect lane also reads, for each of its partitions, the partition of the same number of the
labels topic, straight from the broker from the offset its state recorded (``read_labels``): the
offset is in the snapshot, so a restart re-reads what the last snapshot did not include, and the
core skips what it has applied. Examples a verdict gives are fanned out to every partition of the
labels topic.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace

import faust
import orjson
import structlog
from aiokafka.errors import IllegalStateError
from faust.types import TP, EventT, StreamT
from prometheus_client import Histogram

from streams.app import App
from streams.core.cluster_partition import ClusterPartitionState
from streams.core.cluster_wire import Item, Router, encode_envelope
from streams.core.partition import PartitionState
from streams.core.stage import InputRecord, Output, apply_by_bucket
from streams.core.swarms import SwarmState
from streams.core.verdicts import example_record
from streams.partition_reader import missing_ranges, read_range, read_to_end
from streams.settings import Settings
from streams.snapshot_store import cut_messages
from streams.topics import OBSERVATIONS_PER_ENVELOPE

log = structlog.get_logger(__name__)

TAKE_MAX = 2000  # records handed to the core at once
TAKE_WITHIN_S = 0.2  # ...or whatever arrived within this time
# A partition that received nothing this long while its last fetch showed records it has not applied
# reads them itself (see ``streams.partition_reader``); they were fetched and dropped, and nothing
# newer will arrive to reveal the hole.
STALL_QUIET_S = 2.0
# A hole is read under the lane's lock: a read that does not finish in this time is given up
# (logged; nothing applied, nothing acked) and tried again on a later tick.
READ_TIMEOUT_S = 10.0
# How often the detect lane reads the labels topic: well within the verdict settle time
# (``verdict_settle_s``, event time), so an example reaches every partition before it is due.
LABELS_EVERY_S = 1.0


State = PartitionState | ClusterPartitionState | SwarmState


@dataclass(frozen=True)
class Lane:
    """What a ``PartitionWorker`` runs: a topic, the table of its snapshots, its state type, and what
    it forwards to the next stage (``router`` picks the target partitions of ``forwarded(output)``)."""

    name: str
    topic: faust.TopicT
    table: faust.Table
    new_state: Callable[[int], State]
    restore: Callable[[bytes], State]
    router: Router | None = None
    next_topic: faust.TopicT | None = None
    forwarded: Callable[[Output], list[Item]] = lambda _out: []


def lanes(app: App, settings: Settings) -> list[Lane]:
    cfg, n, bucket_s = settings.detector, settings.partitions, settings.detector.cluster_bucket_s
    detect = Lane(
        "detect",
        app.input,
        app.partition_state,
        lambda p: PartitionState(p, n, cfg, clusters=settings.clusters),
        lambda blob: PartitionState.restore(blob, cfg),
    )
    if not settings.clusters:
        return [detect]
    version = PartitionState(0, n, cfg).model_version  # cluster alerts carry the detector's version
    return [
        replace(
            detect,
            router=Router.to_clusters(n, bucket_s),
            next_topic=app.observations,
            forwarded=lambda out: out.observations,
        ),
        Lane(
            "clusters",
            app.observations,
            app.cluster_state,
            lambda p: ClusterPartitionState(p, n, cfg),
            lambda blob: ClusterPartitionState.restore(blob, cfg),
            Router.to_swarms(bucket_s),
            app.decisions,
            lambda out: out.decisions,
        ),
        Lane(
            "swarms",
            app.decisions,
            app.swarm_state,
            lambda _p: SwarmState(n, cfg, version),
            lambda blob: SwarmState.restore(blob, cfg),
        ),
    ]


class PartitionWorker:
    """Per-partition state of one lane in this worker process, and the glue between Faust and the core."""

    def __init__(self, app: App, settings: Settings, lane: Lane):
        self.app = app
        self.settings = settings
        self.lane = lane
        self.topic_name = lane.topic.get_topic_name()
        self.router = lane.router
        self.states: dict[int, State] = {}
        self.arrived_at: dict[int, float] = {}  # partition -> monotonic time its last records came
        self.unacked: dict[int, list[EventT]] = defaultdict(list)
        self.since_snapshot: Counter[int] = Counter()
        self.snapshot_at: dict[int, float] = {}
        self.counters: Counter[str] = Counter()
        self.lock = asyncio.Lock()
        self.stream: StreamT | None = None
        self.apply_seconds: Histogram | None = None  # set when the web pages are registered

    # -- called by the agent and the timer --------------------------------------------------------

    async def handle(self, stream: StreamT, events: list[EventT]) -> None:
        self.stream = stream
        by_partition: dict[int, list[EventT]] = defaultdict(list)
        for event in events:
            by_partition[event.message.partition].append(event)
        now = time.monotonic()
        for partition in by_partition:
            self.arrived_at[partition] = now
        async with self.lock:
            for partition, batch in by_partition.items():
                # Checked per partition: a rebalance can start while an earlier partition of this
                # batch awaits its sends.
                current = self._current(partition, batch)
                self.counters["dropped_after_rebalance"] += len(batch) - len(current)
                if current:
                    records = [
                        InputRecord(e.message.offset, e.message.timestamp, e.message.value) for e in current
                    ]
                    await self._apply(partition, records, current)

    async def snapshot_due(self) -> None:
        """Read what stalled partitions never received, and snapshot partitions whose applied records
        have waited long enough for one (quiet partitions)."""
        async with self.lock:
            await self._fill_stalled_partitions()
            now = time.monotonic()
            for partition, applied in list(self.since_snapshot.items()):
                if (
                    applied
                    and now - self.snapshot_at.get(partition, 0.0) >= self.settings.snapshot_interval_s
                ):
                    await self._snapshot(partition)

    async def read_labels(self) -> None:
        """Apply what each assigned partition's slice of the labels topic holds past the offset its
        state recorded. The read is done outside the lane's lock (it is network I/O); each partition
        applies it under the lock unless it was taken away or moved on meanwhile."""
        if not self.app.faust.flow_control.is_active():
            return  # during a rebalance the tables may not be recovered yet
        async with self.lock:
            states = {tp.partition: self._state_for(tp.partition) for tp in self._assigned()}
            starts = {partition: state.labels_offset + 1 for partition, state in states.items()}
        read = await asyncio.to_thread(
            read_to_end, self.settings.bootstrap_servers, self.settings.labels_topic, starts, READ_TIMEOUT_S
        )
        if read is None:
            log.warning("reading the labels topic timed out: tried again later", timeout_s=READ_TIMEOUT_S)
            self.counters["read_timeouts"] += 1
            return
        async with self.lock:
            for partition, records in read.items():
                state = self.states.get(partition)
                if not records or state is None or state.labels_offset + 1 != starts[partition]:
                    continue
                out = state.apply_labels(records)
                await self._emit(partition, out, self.app.labels)
                if self.states.get(partition) is state:
                    self.since_snapshot[partition] += len(records)
                    self.counters["label_records"] += len(records)
                    self._count(partition, out)

    def forget(self, partitions: set[int]) -> None:
        """Partitions taken away by a rebalance: their new owner restores them from the changelog."""
        for partition in partitions:
            self.arrived_at.pop(partition, None)
            if self.router is not None:
                self.router.forget(partition)
            self.states.pop(partition, None)
            self.unacked.pop(partition, None)
            self.since_snapshot.pop(partition, None)
        if partitions:
            log.info("partitions revoked", lane=self.lane.name, partitions=sorted(partitions))

    # -- internals ---------------------------------------------------------------------------------

    def _current(self, partition: int, batch: list[EventT]) -> list[EventT]:
        """The events of ``batch`` this worker may apply now.

        Records buffered before or during a rebalance belong to an older generation: the consumer is
        seeked back to the committed offset and delivers them again, in order, to the partition's
        owner. Applying the stale copies would skip records, so they are neither applied nor acked
        (Faust's own stream iteration skips them the same way).
        """
        app = self.app.faust
        if not app.flow_control.is_active():
            return []
        tps = app.consumer.assignment()
        if not any(tp.partition == partition and tp.topic == self.topic_name for tp in tps):
            return []
        generation = app.consumer_generation_id
        return [e for e in batch if e.message.generation_id == generation]

    async def _fill_stalled_partitions(self) -> None:
        """A partition whose records were fetched but dropped (during a rebalance, or skipped while
        Faust's flow was paused), and that receives nothing newer, would never show a hole: it reads
        them itself, at most a take's worth a tick."""
        if not self.app.faust.flow_control.is_active():
            return
        now = time.monotonic()
        for tp in self._assigned():
            state = self._state_for(tp.partition)
            end = self._fetched_end(tp)
            if (
                end is None
                or state.last_offset + 1 >= end
                or self._quiet_s(tp.partition, now) < STALL_QUIET_S
            ):
                continue
            await self._read_tail(tp.partition, end)

    async def _read_tail(self, partition: int, end: int) -> None:
        """Apply the partition's records before ``end`` that it never received, a take's worth at
        most. Absent offsets at the tail (a transaction's marker, say) are passed: with nothing after
        them to apply, the partition would otherwise read them on every tick and never go idle."""
        state = self.states[partition]
        start = state.last_offset + 1
        end = min(end, start + TAKE_MAX)
        records = await self._read(partition, start, end)
        if records is None:
            return
        self.counters["stalled_reads"] += 1
        if await self._apply(partition, records, []) and state.last_offset + 1 < end:
            self._note_absent(partition, state.last_offset + 1, end, end - state.last_offset - 1)
            state.pass_absent(end)

    def _quiet_s(self, partition: int, now: float) -> float:
        """Seconds since the partition's last records arrived (or since its state was made ready)."""
        return now - self.arrived_at[partition]

    def _fetched_end(self, tp: TP) -> int | None:
        """The partition's end offset as the last fetch response gave it (None: no fetch response
        yet, or taken away by a rebalance). Costs no request to the broker and no call into the
        consumer thread, so the timers can ask it under the lane's lock on every tick. The consumer
        thread can revoke the partition between ``_assigned()`` and this call: aiokafka then fails
        an ``assert`` (AssertionError) rather than raising one of its own errors."""
        try:
            return self.app.faust.consumer.highwater(tp)
        except (IllegalStateError, AssertionError):
            return None

    def lag(self) -> dict[int, int]:
        """Records of each assigned partition not yet applied, as far as the last fetch knows."""
        out = {}
        for tp in self._assigned():
            end, state = self._fetched_end(tp), self.states.get(tp.partition)
            if end is not None and state is not None:
                out[tp.partition] = max(0, end - state.last_offset - 1)
        return out

    def _assigned(self) -> list[TP]:
        return [tp for tp in self.app.faust.consumer.assignment() if tp.topic == self.topic_name]

    async def _with_holes_read(self, partition: int, records: list[InputRecord]) -> list[InputRecord] | None:
        """``records`` in offset order, with the records missing before them read from the broker
        (None: a read did not finish; nothing may be applied). Offsets the broker does not have
        (removed by retention, transaction markers) are applied through, with a warning."""
        records = sorted(records, key=lambda r: r.offset)
        state = self.states[partition]
        holes = missing_ranges([r.offset for r in records], state.last_offset + 1)
        for start, end in holes:
            read = await self._read(partition, start, end)
            if read is None:
                return None
            self.counters["holes_read"] += 1
            if len(read) < end - start:
                self._note_absent(partition, start, end, end - start - len(read))
            records.extend(read)
        return sorted(records, key=lambda r: r.offset) if holes else records

    def _note_absent(self, partition: int, start: int, end: int, absent: int) -> None:
        log.warning(
            "offsets absent from the broker applied through",
            lane=self.lane.name,
            partition=partition,
            start=start,
            end=end,
            absent=absent,
            why="removed by retention, or transaction markers",
        )
        self.counters["offsets_absent"] += absent

    async def _read(self, partition: int, start: int, end: int) -> list[InputRecord] | None:
        """Records ``[start, end)`` of this lane's partition, read in a thread (see
        ``streams.partition_reader``); None when the read did not finish in time."""
        records = await asyncio.to_thread(
            read_range,
            self.settings.bootstrap_servers,
            self.topic_name,
            partition,
            start,
            end,
            READ_TIMEOUT_S,
        )
        if records is None:
            log.warning(
                "reading missing records timed out: tried again later",
                lane=self.lane.name,
                partition=partition,
                start=start,
                end=end,
                timeout_s=READ_TIMEOUT_S,
            )
            self.counters["read_timeouts"] += 1
        return records

    def _state_for(self, partition: int) -> State:
        state = self.states.get(partition)
        if state is None:
            blob = self.lane.table.get(str(partition))
            state = self.lane.restore(blob) if blob else self.lane.new_state(partition)
            log.info(
                "partition state ready",
                lane=self.lane.name,
                partition=partition,
                restored=bool(blob),
                last_offset=state.last_offset,
            )
            self.states[partition] = state
            self.snapshot_at[partition] = self.arrived_at[partition] = time.monotonic()
        return state

    async def _apply(self, partition: int, records: list[InputRecord], events: list[EventT]) -> bool:
        """Apply ``records`` (and any missing before them); ``events``, Faust's deliveries of them,
        are acked after the snapshot that covers them. False: not applied, or the partition was
        taken away meanwhile."""
        state = self._state_for(partition)
        complete = await self._with_holes_read(partition, records)
        if complete is None or self.states.get(partition) is not state:
            return False  # not applied, not acked: read again later, or by the partition's new owner
        started = time.perf_counter()
        if self.router is None:
            runs = [(state.apply(complete), state.watermark)]
        else:
            runs = apply_by_bucket(state, complete, self.settings.detector.snapshot_mark_s)
        if self.apply_seconds is not None:
            self.apply_seconds.observe(time.perf_counter() - started)
        for out, watermark in runs:
            await self._emit(partition, out, self.lane.topic)
            if self.states.get(partition) is not state:
                # Revoked while emitting: the new owner restores the last snapshot and re-applies these.
                self.counters["dropped_after_rebalance"] += len(complete)
                return False
            if self.router is not None:
                await self._forward(self.router.route(partition, self.lane.forwarded(out), watermark))
            self._count(partition, out)
        self.unacked[partition].extend(events)
        self.since_snapshot[partition] += len(complete)
        due = time.monotonic() - self.snapshot_at[partition] >= self.settings.snapshot_interval_s
        if due or self.since_snapshot[partition] >= self.settings.snapshot_every:
            await self._snapshot(partition)
        return True

    async def _emit(self, partition: int, out: Output, source: faust.TopicT) -> None:
        """What applying records of ``source`` gave: reroutes go back to ``source``, on their key's
        partition; a verdict's examples go to every partition of the labels topic."""
        app = self.app
        now = time.time()
        for alert in out.alerts:
            await app.alerts.send(
                key=alert.dedup_key.encode(),
                value=orjson.dumps(alert.to_dict()),
                timestamp=min(alert.ts, now),
            )
        for dead in out.dead_letters:
            headers = [
                ("reason", dead.reason.encode()),
                ("detail", dead.detail.encode()),
                ("source_topic", source.get_topic_name().encode()),
                ("source_partition", str(partition).encode()),
                ("source_offset", str(dead.offset).encode()),
            ]
            if dead.index is not None:
                headers.append(("envelope_index", str(dead.index).encode()))
            await app.dlq.send(key=None, value=dead.value, headers=headers)
        for reroute in out.reroutes:
            await source.send(key=reroute.key.encode(), value=reroute.value)
        for example in out.examples:
            value = example_record(example)
            for target in range(self.settings.partitions):
                await app.labels.send(value=value, partition=target)
        for cut in out.cuts:
            for key, value in cut_messages(cut):
                await app.snapshots.send(key=key, value=value, partition=0)
            self.counters["snapshots_retained"] += 1

    async def _forward(self, routed: dict[int, list[Item]]) -> None:
        """One envelope per target partition (cut when large), in order: a source's heartbeat
        follows its items on every target partition."""
        for target, items in routed.items():
            for start in range(0, len(items), OBSERVATIONS_PER_ENVELOPE):
                chunk = items[start : start + OBSERVATIONS_PER_ENVELOPE]
                await self.lane.next_topic.send(value=encode_envelope(chunk), partition=target)
                self.counters["envelopes_forwarded"] += 1

    async def announce_idle_sources(self) -> None:
        """Input partitions that applied their whole log and received nothing for
        ``source_idle_after_s`` tell the cluster partitions, so buckets close without them."""
        if self.router is None or not self.app.faust.flow_control.is_active():
            return  # during a rebalance the tables may not be recovered yet
        async with self.lock:
            now = time.monotonic()
            for tp in self._assigned():
                partition = tp.partition
                state = self._state_for(partition)
                quiet = self._quiet_s(partition, now) >= self.settings.source_idle_after_s
                end = self._fetched_end(tp)
                applied_all = end is not None and state.last_offset + 1 >= end
                if quiet and applied_all and not self.router.is_idle(partition):
                    await self._forward(self.router.idle(partition, state.watermark))
                    self.counters["idle_announcements"] += 1

    async def _snapshot(self, partition: int) -> None:
        state = self.states.get(partition)
        if state is None:
            return
        blob = state.snapshot()
        table = self.lane.table
        key = str(partition)
        # Written to the changelog partition of the same number as the input partition, so the
        # worker that is assigned input partition p recovers exactly this entry.
        table.data[key] = blob
        table.send_changelog(partition, key, blob)
        # snapshot, alerts, dead letters and forwarded envelopes are durable...
        await self.app.faust.producer.flush()
        pending = self.unacked.pop(partition, [])
        for event in pending:  # ...so now their offsets may be committed
            await self.stream.ack(event)
        self.since_snapshot[partition] = 0
        self.snapshot_at[partition] = time.monotonic()
        self.counters["snapshots"] += 1
        self.counters["snapshot_bytes"] = len(blob)

    def _count(self, partition: int, out: Output) -> None:
        c = self.counters
        for ts in out.drifts:
            log.info("risk stream drift (ADWIN)", lane=self.lane.name, partition=partition, event_time=ts)
        c["drift"] += len(out.drifts)
        c["examples_sent"] += len(out.examples)
        c["events"] += out.events
        c["alerts"] += len(out.alerts)
        for alert in out.alerts:
            c[f"alerts.{alert.status}.{alert.severity}"] += 1
        c["reroutes"] += len(out.reroutes)
        c["redelivered"] += out.redelivered
        for dead in out.dead_letters:
            c[f"dead_letters.{dead.reason}"] += 1


def register(app: App, settings: Settings) -> list[PartitionWorker]:
    """Attach the agents, their timers and the rebalance hook to the app."""
    workers = [PartitionWorker(app, settings, lane) for lane in lanes(app, settings)]
    detect = workers[0]
    for worker in workers:
        _attach(app, worker)

    @app.faust.timer(interval=1.0)
    async def announce_idle_sources() -> None:
        await detect.announce_idle_sources()

    @app.faust.timer(interval=LABELS_EVERY_S)
    async def read_labels() -> None:
        await detect.read_labels()

    @app.faust.timer(interval=max(0.5, settings.snapshot_interval_s / 2))
    async def snapshot_quiet_partitions() -> None:
        for worker in workers:
            await worker.snapshot_due()

    @app.faust.timer(interval=30.0)
    async def report_progress() -> None:
        for worker in workers:
            log.info("progress", lane=worker.lane.name, partitions=sorted(worker.states), **worker.counters)

    @app.faust.on_partitions_revoked.connect
    async def on_revoked(app_, revoked, **_kwargs) -> None:
        for worker in workers:
            worker.forget({tp.partition for tp in revoked if tp.topic == worker.topic_name})

    return workers


def _attach(app: App, worker: PartitionWorker) -> None:
    @app.faust.agent(worker.lane.topic, name=worker.lane.name)
    async def agent(stream: StreamT) -> None:
        async for events in stream.noack_take(TAKE_MAX, within=TAKE_WITHIN_S):
            await worker.handle(stream, events)
