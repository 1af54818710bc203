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
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TypeVar

import faust
import orjson
import structlog
from aiokafka.errors import IllegalStateError
from faust.types import TP, EventT, StreamT

from streams.app import App
from streams.core.cluster_partition import ClusterPartitionState
from streams.core.cluster_wire import Item, Router, encode_envelope
from streams.core.partition import PartitionState
from streams.core.stage import InputRecord, Output
from streams.core.swarms import SwarmState
from streams.settings import Settings
from streams.topics import OBSERVATIONS_PER_ENVELOPE

log = structlog.get_logger(__name__)
T = TypeVar("T")

TAKE_MAX = 2000  # records handed to the core at once
TAKE_WITHIN_S = 0.2  # ...or whatever arrived within this time
# After a seek back over a gap, records already fetched from beyond it keep arriving for a while.
# A gap still open this long after the seek is real (no records there: transaction markers of a
# transactional producer) and is applied through, with a warning. Retention gaps are seen at once.
GAP_GRACE_S = 10.0
# A partition that received nothing this long while its last fetch showed records it has not applied
# is checked for a read position past them (two checks in a row, then a seek back). Only such
# partitions cost a call into Faust's consumer thread: asking for every partition's position on
# every tick held the lane's lock 5-9 s a tick and starved the stream under load.
REWIND_QUIET_S = 2.0
# Calls into Faust's consumer thread are made under the lane's lock: a call that does not come back
# in this time is given up (logged) and retried on a later tick instead of stopping the lane.
CONSUMER_CALL_TIMEOUT_S = 10.0


def contiguous_prefix(offsets: list[int], expected: int) -> tuple[int, int]:
    """How many leading offsets follow on from ``expected`` without a gap, and the next expected.

    Offsets below ``expected`` (redelivered) do not break the run: the core skips them.

    >>> contiguous_prefix([5, 6, 7], 5), contiguous_prefix([3, 4, 5, 9], 5), contiguous_prefix([8], 5)
    ((3, 8), (3, 6), (0, 5))
    """
    for i, offset in enumerate(offsets):
        if offset > expected:
            return i, expected
        expected = max(expected, offset + 1)
    return len(offsets), expected


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
        self.gap_seeked_at: dict[tuple[int, int], float] = {}  # (partition, expected) -> monotonic
        self.idle_behind: dict[
            int, int
        ] = {}  # partition -> last offset seen stalled behind the read position

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
                    await self._apply(partition, current)

    async def snapshot_due(self) -> None:
        """Snapshot partitions whose un-acked events have waited long enough (quiet partitions), and
        rewind partitions whose read position ran past records they never applied."""
        async with self.lock:
            await self._rewind_stalled_partitions()
            now = time.monotonic()
            for partition, pending in list(self.unacked.items()):
                if (
                    pending
                    and now - self.snapshot_at.get(partition, 0.0) >= self.settings.snapshot_interval_s
                ):
                    await self._snapshot(partition)

    def forget(self, partitions: set[int]) -> None:
        """Partitions taken away by a rebalance: their new owner restores them from the changelog."""
        for partition in partitions:
            self.idle_behind.pop(partition, None)
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

    async def _rewind_stalled_partitions(self) -> None:
        """A partition whose records were fetched but dropped during a rebalance, and that receives
        nothing newer, would never show a gap: its read position sits past its state and stays.
        Seen on two ticks in a row without progress, that is rewound to the state's next offset."""
        app = self.app.faust
        if not app.flow_control.is_active():
            return
        now = time.monotonic()
        for tp in self._assigned():
            state = self._state_for(tp.partition)
            unapplied = self._applied_to_end(tp, state) is False
            if not unapplied or self._quiet_s(tp.partition, now) < REWIND_QUIET_S:
                self.idle_behind.pop(tp.partition, None)
                continue
            try:
                position = await self._ask_consumer(app.consumer.position(tp), "position", tp)
                # The log start matters only when the position is past the state (saves a request).
                past = position is not None and position > state.last_offset + 1
                earliest = await self._earliest(tp) if past else 0
            except IllegalStateError:
                continue  # taken away by a rebalance since the assignment was read
            if earliest is None:
                continue
            expected = max(state.last_offset + 1, earliest) if past else 0
            behind = past and position > expected
            if behind and self.idle_behind.get(tp.partition) == state.last_offset:
                log.info(
                    "read position past unapplied records: seeking back",
                    lane=self.lane.name,
                    partition=tp.partition,
                    expected=expected,
                    position=position,
                )
                self.counters["stall_seeks"] += 1
                await app.consumer.seek(tp, expected)
                self.idle_behind.pop(tp.partition)
            elif behind:
                self.idle_behind[tp.partition] = state.last_offset
            else:
                self.idle_behind.pop(tp.partition, None)

    def _quiet_s(self, partition: int, now: float) -> float:
        """Seconds since the partition's last records arrived (or since its state was made ready)."""
        return now - self.arrived_at[partition]

    def _applied_to_end(self, tp: TP, state: State) -> bool | None:
        """Whether the state has applied the partition's log up to the end offset that the last fetch
        response gave (None: no fetch response yet, or taken away by a rebalance). Reading it costs
        no request to the broker and no call into the consumer thread."""
        try:
            end = self.app.faust.consumer.highwater(tp)
        except IllegalStateError:
            return None
        return None if end is None else state.last_offset + 1 >= end

    def _assigned(self) -> list[TP]:
        return [tp for tp in self.app.faust.consumer.assignment() if tp.topic == self.topic_name]

    async def _earliest(self, tp: TP) -> int | None:
        """The partition's log start offset (records below it were removed by retention); None when
        the consumer did not answer in time."""
        offsets = await self._ask_consumer(self.app.faust.consumer.earliest_offsets(tp), "earliest", tp)
        return None if offsets is None else offsets.get(tp, 0)

    async def _ask_consumer(self, call: Awaitable[T], what: str, tp: TP) -> T | None:
        try:
            return await asyncio.wait_for(call, CONSUMER_CALL_TIMEOUT_S)
        except TimeoutError:
            log.warning(
                "consumer call timed out: retried later",
                lane=self.lane.name,
                call=what,
                partition=tp.partition,
                timeout_s=CONSUMER_CALL_TIMEOUT_S,
            )
            self.counters["consumer_call_timeouts"] += 1
            return None

    async def _gap_is_real(self, partition: int, expected: int, event: EventT) -> bool:
        """Records from ``expected`` on are missing before ``event``: seek back, or accept the gap.

        After a rebalance the consumer can deliver records fetched from a position past the
        partition's snapshot; applying them would skip the records in between. The seek only ever
        goes back: Faust commits the contiguous run of acked offsets, so skipping forward past
        offsets that are never acked would stop its commits.
        """
        tp = event.message.tp
        earliest = await self._earliest(tp)
        if earliest is None:
            # Not applied and not acked; once the partition is quiet, the stall check seeks back.
            return False
        seeked_at = self.gap_seeked_at.get((partition, expected))
        now = time.monotonic()
        if expected < earliest or (seeked_at is not None and now - seeked_at >= GAP_GRACE_S):
            log.warning(
                "offset gap applied through",
                lane=self.lane.name,
                partition=partition,
                expected=expected,
                got=event.message.offset,
                earliest=earliest,
                why="retention removed them" if expected < earliest else "none there (transaction markers?)",
            )
            self.counters["gaps_accepted"] += 1
            return True
        if seeked_at is None:
            self.gap_seeked_at[(partition, expected)] = now
            self.counters["gap_seeks"] += 1
            log.info(
                "offset gap: seeking back",
                lane=self.lane.name,
                partition=partition,
                expected=expected,
                got=event.message.offset,
            )
            await self.app.faust.consumer.seek(tp, expected)
        return False

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

    async def _apply(self, partition: int, batch: list[EventT]) -> None:
        state = self._state_for(partition)
        applicable, expected = contiguous_prefix([e.message.offset for e in batch], state.last_offset + 1)
        if applicable < len(batch) and not await self._gap_is_real(partition, expected, batch[applicable]):
            batch = batch[:applicable]  # the rest is re-read after the seek back; not acked
            if not batch:
                return
        records = [InputRecord(e.message.offset, e.message.timestamp, e.message.value) for e in batch]
        out = state.apply(records)
        await self._emit(partition, out)
        if self.states.get(partition) is not state:
            # Revoked while emitting: the new owner restores the last snapshot and re-applies these.
            self.counters["dropped_after_rebalance"] += len(batch)
            return
        if self.router is not None:
            await self._forward(self.router.route(partition, self.lane.forwarded(out), state.watermark))
        self.unacked[partition].extend(batch)
        self.since_snapshot[partition] += len(batch)
        self._count(out)
        due = time.monotonic() - self.snapshot_at[partition] >= self.settings.snapshot_interval_s
        if due or self.since_snapshot[partition] >= self.settings.snapshot_every:
            await self._snapshot(partition)

    async def _emit(self, partition: int, out: Output) -> None:
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
                ("source_topic", self.topic_name.encode()),
                ("source_partition", str(partition).encode()),
                ("source_offset", str(dead.offset).encode()),
            ]
            if dead.index is not None:
                headers.append(("envelope_index", str(dead.index).encode()))
            await app.dlq.send(key=None, value=dead.value, headers=headers)
        for reroute in out.reroutes:
            await app.input.send(key=reroute.key.encode(), value=reroute.value)

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
                if quiet and not self.router.is_idle(partition) and self._applied_to_end(tp, state):
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

    def _count(self, out: Output) -> None:
        c = self.counters
        c["events"] += out.events
        c["alerts"] += len(out.alerts)
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
