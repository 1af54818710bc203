"""The agents: decode Kafka records, call the pure core, emit what it returns.

Up to four lanes (``streams.lanes``) run the same machinery (``PartitionWorker``), each over its topic
with one state per partition: ``route`` (input topic, ``SourceState``; absent when the input is declared
murmur2-partitioned), ``detect`` (the routed topic, or the input topic, ``PartitionState``),
``clusters`` (repartition topic of observations, ``ClusterPartitionState``) and ``swarms`` (key
decisions, one ``SwarmState``). A lane forwards what the next stage needs, with its partitions'
heartbeats, as envelopes, one per target partition and batch, before its own input is acked.

Offsets and state agree by two rules:
1. A partition's state records the last offset it applied and skips records delivered again.
2. An event is acked (so its offset may be committed) only after a snapshot of its partition that
   includes it is durable in the state changelog, and after the alerts, dead letters, reroutes and
   forwarded envelopes it caused are delivered.
After a crash or rebalance the partition restarts from its last snapshot and re-applies the records
after it: nothing is lost, nothing counted twice, and re-sent alerts carry the same ``alert_id``.
What Faust's consumer hands over is made into each partition's exact sequence of records by
``streams.delivery`` (older generations dropped, holes and stalled tails read from the broker).

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
from collections.abc import Mapping
from typing import Any

import faust
import orjson
import structlog
from aiokafka.errors import IllegalStateError
from faust.types import TP, EventT, StreamT
from prometheus_client import Histogram

from streams.app import App
from streams.core.buckets import BucketGate
from streams.core.cluster_wire import Item, encode_envelopes
from streams.core.stage import InputRecord, Output, apply_by_bucket
from streams.core.verdicts import example_record
from streams.delivery import Delivered, Delivery, Run, parts_of
from streams.lanes import Lane, State, lanes
from streams.partition_reader import GIVE_UP_AFTER_S, PartitionReader, in_thread, read_to_end
from streams.settings import Settings
from streams.snapshot_store import cut_messages
from streams.topics import INTERNAL_MAX_MESSAGE_BYTES, ITEMS_PER_ENVELOPE, SENT_AT_HEADER

log = structlog.get_logger(__name__)

TAKE_MAX = 2000  # records handed to the delivery at once
TAKE_WITHIN_S = 0.2  # ...or whatever arrived within this time
# A run is applied in parts of at most this many bytes of records, the event loop running between
# two: a take of envelopes can hold 200,000 events, seconds of the core's time, while Faust's
# heartbeats, the other partitions' runs and the web pages wait.
APPLY_PART_BYTES = 256 * 1024
# The share of the time a lane may spend writing snapshots (see ``PartitionWorker._snapshot_due``).
SNAPSHOT_SHARE = 0.1
# A partition that received nothing this long asks the broker whether records it has not applied
# exist, and reads them itself (``streams.delivery``): they were fetched and dropped, or never
# fetched, and nothing newer will arrive to reveal the hole. Asked every TAILS_EVERY_S.
STALL_QUIET_S = 2.0
TAILS_EVERY_S = 1.0
# A read from the broker that does not finish in this time is given up (logged; nothing applied,
# nothing acked) and tried again later.
READ_TIMEOUT_S = 10.0
# How often the detect lane reads the labels topic: well within the verdict settle time
# (``verdict_settle_s``, event time), so an example reaches every partition before it is due.
LABELS_EVERY_S = 1.0


class FaustConsumer:
    """The group consumer as ``streams.delivery`` sees it: Faust's, for one lane's topic."""

    def __init__(self, app: faust.App, topic_name: str):
        self.app = app
        self.topic_name = topic_name

    def is_active(self) -> bool:
        return self.app.flow_control.is_active()

    def assigned(self) -> set[int]:
        return {tp.partition for tp in self.app.consumer.assignment() if tp.topic == self.topic_name}

    def generation(self) -> int:
        return self.app.consumer_generation_id

    async def commit(self, offsets: dict[int, int]) -> bool:
        """Commit these next offsets for the group. Faust commits only the offsets it saw acked in an
        unbroken run from its last commit, and a record it never handed over (read from the broker
        by the delivery) breaks the run for good (faust-streaming #596). Its own commit step, given
        the offsets, also records them as committed, so its books follow."""
        tps = {TP(self.topic_name, p): offset for p, offset in offsets.items()}
        return await self.app.consumer._commit_offsets(tps, start_new_transaction=False)


class PartitionWorker:
    """Per-partition state of one lane in this worker process, and the glue between Faust and the core:
    ``streams.delivery`` turns what Faust hands over into complete runs of records; this applies them
    to the partition's state and emits what the core returns.

    A partition's lock covers its state: applying a run, its labels and its snapshot. Reads from the
    broker happen outside it, and no partition waits on another's lock.
    """

    def __init__(self, app: App, settings: Settings, lane: Lane):
        self.app = app
        self.settings = settings
        self.lane = lane
        self.topic_name = lane.topic.get_topic_name()
        self.router = lane.router
        self.states: dict[int, State] = {}
        self.unacked: dict[int, list[EventT]] = defaultdict(list)
        self.since_snapshot: Counter[int] = Counter()
        self.snapshot_at: dict[int, float] = {}
        self.snapshot_bytes: dict[int, int] = {}  # partition -> size of its last snapshot
        self.snapshot_seconds: dict[int, float] = {}  # partition -> time its last snapshot took
        self.durable: dict[int, int] = {}  # partition -> next offset its last durable snapshot covers
        self.committed: dict[int, int] = {}  # partition -> next offset this worker last committed
        self.counters: Counter[str] = Counter()
        self.locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.stream: StreamT | None = None
        self.apply_seconds: Histogram | None = None  # set when the web pages are registered
        self.send_to_apply_seconds: Histogram | None = None  # ...on the detect lane
        self.reader = PartitionReader(settings.bootstrap_servers, self.topic_name, READ_TIMEOUT_S)
        self.consumer = FaustConsumer(app.faust, self.topic_name)
        self.delivery = Delivery(
            self.consumer,
            self.reader,
            lambda partition: self._state_for(partition).last_offset + 1,
            self._apply,
            take_max=TAKE_MAX,
            quiet_s=STALL_QUIET_S,
            counters=self.counters,
        )

    # -- called by the agent and the timers -------------------------------------------------------

    async def handle(self, stream: StreamT, events: list[EventT]) -> None:
        self.stream = stream
        by_partition: dict[int, list[Delivered]] = defaultdict(list)
        for e in events:
            m = e.message
            by_partition[m.partition].append(Delivered(m.offset, m.timestamp, m.value, m.generation_id, e))
        for partition, batch in by_partition.items():
            await self.delivery.deliver(partition, batch)

    async def snapshot_due(self) -> None:
        """Snapshot partitions whose applied records have waited long enough for one (quiet partitions)."""
        now = time.monotonic()
        for partition, applied in list(self.since_snapshot.items()):
            if applied and self._snapshot_due(partition, now):
                async with self.locks[partition]:
                    await self._snapshot(partition)

    async def read_labels(self) -> None:
        """Apply what each assigned partition's slice of the labels topic holds past the offset its
        state recorded. The read is done outside the partitions' locks (it is network I/O); each
        partition applies it under its lock unless it was taken away or moved on meanwhile."""
        if not self.app.faust.flow_control.is_active():
            return  # during a rebalance the tables may not be recovered yet
        states = {tp.partition: self._state_for(tp.partition) for tp in self._assigned()}
        starts = {partition: state.labels_offset + 1 for partition, state in states.items()}
        labels = self.settings.labels_topic
        read = await in_thread(
            lambda: read_to_end(self.settings.bootstrap_servers, labels, starts, READ_TIMEOUT_S),
            READ_TIMEOUT_S + GIVE_UP_AFTER_S,
            f"read {labels}",
        )
        if read is None:
            log.warning("reading the labels topic timed out: tried again later", timeout_s=READ_TIMEOUT_S)
            self.counters["read_timeouts"] += 1
            return
        for partition, records in read.items():
            async with self.locks[partition]:
                state = self.states.get(partition)
                if not records or state is None or state.labels_offset + 1 != starts[partition]:
                    continue
                out = state.apply_labels(records)
                await self._emit(partition, out, self.app.labels)
                if self.states.get(partition) is state:
                    self.since_snapshot[partition] += len(records)
                    self.counters["label_records"] += len(records)
                    self._count(partition, out)

    async def commit_durable(self) -> None:
        """Move each assigned partition's committed offset up to what its last durable snapshot covers."""
        if not self.app.faust.flow_control.is_active():
            return
        assigned = self.consumer.assigned()
        offsets = {
            p: offset
            for p, offset in self.durable.items()
            if p in assigned and offset > self.committed.get(p, -1)
        }
        if offsets and await self.consumer.commit(offsets):
            self.committed.update(offsets)
            self.counters["commits"] += 1

    async def settle(self) -> None:
        """Before a graceful stop: apply what was handed over, snapshot every partition that applied
        records since its last snapshot (flushing the producer), and commit what the snapshots cover.
        A restart then re-reads nothing the snapshots hold."""
        await self.delivery.finish()
        for partition in list(self.states):
            if self.since_snapshot.get(partition):
                async with self.locks[partition]:
                    await self._snapshot(partition)
        await self.commit_durable()

    def forget(self, partitions: set[int]) -> None:
        """Partitions taken away by a rebalance: their new owner restores them from the changelog."""
        self.delivery.revoke(partitions)
        for partition in partitions:
            if self.router is not None:
                self.router.forget(partition)
            self.states.pop(partition, None)
            self.unacked.pop(partition, None)
            self.since_snapshot.pop(partition, None)
            self.durable.pop(partition, None)
            self.committed.pop(partition, None)
            self.snapshot_bytes.pop(partition, None)
            self.snapshot_seconds.pop(partition, None)
        if partitions:
            log.info("partitions revoked", lane=self.lane.name, partitions=sorted(partitions))

    def lag(self) -> dict[int, int]:
        """Records of each assigned partition not yet applied, as far as the last fetch or the last
        end offset asked of the broker knows."""
        out = {}
        for tp in self._assigned():
            end, state = self._known_end(tp), self.states.get(tp.partition)
            if end is not None and state is not None:
                out[tp.partition] = max(0, end - state.last_offset - 1)
        return out

    # -- internals ---------------------------------------------------------------------------------

    def _known_end(self, tp: TP) -> int | None:
        """The partition's end offset: the larger of the last fetch response's and the broker's last
        answer to the delivery (Faust's can be stale: it stops fetching a paused partition)."""
        known = (self._fetched_end(tp), self.delivery.broker_ends.get(tp.partition))
        ends = [end for end in known if end is not None]
        return max(ends) if ends else None

    def _fetched_end(self, tp: TP) -> int | None:
        """The partition's end offset as the last fetch response gave it (None: no fetch response
        yet, or taken away by a rebalance). Costs no request to the broker and no call into the
        consumer thread. The consumer thread can revoke the partition between ``_assigned()`` and
        this call: aiokafka then fails an ``assert`` (AssertionError) rather than raising one of its
        own errors."""
        try:
            return self.app.faust.consumer.highwater(tp)
        except (IllegalStateError, AssertionError):
            return None

    def _assigned(self) -> list[TP]:
        return [tp for tp in self.app.faust.consumer.assignment() if tp.topic == self.topic_name]

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
            self.snapshot_at[partition] = time.monotonic()
        return state

    async def _apply(self, partition: int, run: Run) -> bool:
        """Apply a complete run of the partition's records; its Faust deliveries are acked after the
        snapshot that covers them. False: the partition moved on or was taken away meanwhile."""
        async with self.locks[partition]:
            state = self._state_for(partition)
            if run.records and run.records[0].offset > state.last_offset + 1:
                return False  # not the state's next records (it was restored anew): read again
            if self.router is not None:
                await self._say_waiting_partitions_busy(resuming=self.router.is_idle(partition))
            for records in parts_of(run, APPLY_PART_BYTES):
                if not await self._apply_part(partition, state, records):
                    # Revoked meanwhile: the new owner restores the last snapshot and re-applies these.
                    self.counters["dropped_after_rebalance"] += len(run.records)
                    return False
            state.pass_absent(run.next_offset)
            self._observe_send_to_apply(run.acks)
            self.unacked[partition].extend(run.acks)
            self.since_snapshot[partition] += len(run.records)
            if self._snapshot_due(partition, time.monotonic()):
                await self._snapshot(partition)
            return True

    async def _apply_part(self, partition: int, state: State, records: list[InputRecord]) -> bool:
        """Apply one part of a run and send what it gave, then let the event loop run (Faust's
        heartbeats, the other partitions, the web pages). False: the partition was taken away."""
        if self.states.get(partition) is not state:
            return False
        started = time.perf_counter()
        gate = getattr(state, "gate", None)  # a lane that merges several partitions
        late_before = None if gate is None else gate.late
        if self.router is None:
            runs = [(state.apply(records), state.watermark)]
        else:
            runs = apply_by_bucket(state, records, self.settings.detector.snapshot_mark_s)
        if self.apply_seconds is not None:
            self.apply_seconds.observe(time.perf_counter() - started)
        if late_before is not None and gate.late > late_before:
            self._warn_stragglers(partition, gate, gate.late - late_before)
        for out, watermark in runs:
            await self._emit(partition, out, self.lane.topic)
            if self.states.get(partition) is not state:
                return False
            if self.router is not None:
                await self._forward(self.router.route(partition, self.lane.forwarded(out), watermark))
            self._count(partition, out)
        await asyncio.sleep(0)
        return True

    def _warn_stragglers(self, partition: int, gate: BucketGate, count: int) -> None:
        """Items that reached the merge after their bucket was released: which source sent the last
        of them, and what the merge knew of every source then (the runbook's "merge stragglers")."""
        stream, bucket_ts = gate.last_late
        log.warning(
            "merge stragglers",
            lane=self.lane.name,
            partition=partition,
            count=count,
            last_from=str(stream),
            last_bucket_ts=bucket_ts,
            released_through=gate.closed_through,
            source_watermarks={str(s): w for s, w in sorted(gate.source_watermarks.items())},
            idle_sources=sorted(gate.idle_sources),
        )

    async def _say_waiting_partitions_busy(self, resuming: bool) -> None:
        """Partitions that may have records on their way are said busy before this lane forwards
        anything more, unless this assignment said so already: otherwise the next stage, hearing
        only the partitions routed first, would release buckets past those records' events. On
        their way: a run being applied (its lock is held, this lane's own among them: its state is
        ahead of what it forwarded), records not applied yet, or an end not known yet (after a
        restart, the next stage may re-read idle announcements its snapshot does not hold). When
        the partition applying a run was idle (``resuming``: a stream resumes, likely on every
        partition), every idle partition is: the last fetch may not show its new records yet; it
        says it is idle again once it has stayed quiet. The heartbeat promises no watermark: a
        partition's state can be ahead of what it has forwarded."""
        for tp in self._assigned():
            other = tp.partition
            if self.router.is_busy(other):
                continue
            end = self._known_end(tp)
            running = self.locks[other].locked()
            waiting = end is None or end > self._state_for(other).last_offset + 1
            if running or waiting or (resuming and self.router.is_idle(other)):
                await self._forward(self.router.route(other, [], None))
                self.counters["said_busy"] += 1

    def _observe_send_to_apply(self, deliveries: list[EventT]) -> None:
        """Latency of the messages just applied whose producer stamped its send time (only those Faust
        delivered: a record read from the broker to fill a hole has no delivery)."""
        if self.send_to_apply_seconds is None:
            return
        now = time.time()
        for delivery in deliveries:
            sent_at = sent_at_of(delivery.message.headers)
            if sent_at is not None:
                self.send_to_apply_seconds.observe(max(0.0, now - sent_at))

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
            ]
            if dead.offset is not None:  # None: a merged event (its value is the reduced event)
                headers.append(("source_offset", str(dead.offset).encode()))
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
            for envelope in encode_envelopes(items, ITEMS_PER_ENVELOPE, INTERNAL_MAX_MESSAGE_BYTES // 2):
                await self.lane.next_topic.send(value=envelope, partition=target)
                self.counters["envelopes_forwarded"] += 1

    async def announce_idle_sources(self) -> None:
        """Partitions that applied their whole log and received nothing for ``source_idle_after_s``
        tell the next stage's partitions (the client partitions' merge, or the cluster partitions),
        so buckets close without them."""
        if self.router is None or not self.app.faust.flow_control.is_active():
            return  # during a rebalance the tables may not be recovered yet
        for tp in self._assigned():
            partition = tp.partition
            async with self.locks[partition]:
                state = self._state_for(partition)
                quiet = self.delivery.quiet_s_of(partition) >= self.settings.source_idle_after_s
                end = self._known_end(tp)
                applied_all = end is not None and state.last_offset + 1 >= end
                # Said once per assignment: a rebalance revokes every partition (aiokafka's eager
                # protocol), so a next stage restored from a snapshot, which keeps no idle marks,
                # hears it again from the new assignment.
                if quiet and applied_all and not self.router.is_idle(partition):
                    await self._forward(self.router.idle(partition, state.idle_watermark))
                    self.counters["idle_announcements"] += 1

    def _snapshot_due(self, partition: int, now: float) -> bool:
        """Due after ``snapshot_interval_s`` or ``snapshot_every`` records, but never sooner than
        the lane's snapshots can be paid for: each takes the event loop for as long as it pickles
        the whole partition, which grows with the clients (and the cluster stage's members), so a
        lane spends at most ``SNAPSHOT_SHARE`` of the time writing snapshots."""
        elapsed = now - self.snapshot_at.get(partition, 0.0)
        spacing = self.snapshot_seconds.get(partition, 0.0) * len(self.states) / SNAPSHOT_SHARE
        if elapsed < spacing:
            return False
        return elapsed >= self.settings.snapshot_interval_s or (
            self.since_snapshot[partition] >= self.settings.snapshot_every
        )

    async def _snapshot(self, partition: int) -> None:
        state = self.states.get(partition)
        if state is None:
            return
        started = time.perf_counter()
        blob = state.snapshot()
        self.snapshot_seconds[partition] = time.perf_counter() - started
        table = self.lane.table
        key = str(partition)
        # Written to the changelog partition of the same number as the input partition, so the
        # worker that is assigned input partition p recovers exactly this entry.
        table.data[key] = blob
        table.send_changelog(partition, key, blob)
        # snapshot, alerts, dead letters and forwarded envelopes are durable...
        await self.app.faust.producer.flush()
        if not self.app.sends.all_delivered():
            return  # the worker is exiting: nothing past a lost message may be acked or committed
        self.durable[partition] = state.last_offset + 1  # ...so now their offsets may be committed
        pending = self.unacked.pop(partition, [])
        for event in pending:  # (acked too: Faust tracks every delivery until it is acked)
            await self.stream.ack(event)
        self.since_snapshot[partition] = 0
        self.snapshot_at[partition] = time.monotonic()
        self.counters["snapshots"] += 1
        self.counters["snapshot_bytes"] = len(blob)
        self.snapshot_bytes[partition] = len(blob)

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


def sent_at_of(headers: Any) -> float | None:
    """The send time a producer stamped in ``SENT_AT_HEADER`` (Faust gives headers as a list of pairs or
    a mapping); None without one, or when it is not a number.

    >>> sent_at_of([("extractwatch-sent-at", b"1700000000.25")]), sent_at_of({})
    (1700000000.25, None)
    >>> sent_at_of({"extractwatch-sent-at": b"soon"}) is None
    True
    """
    pairs = headers.items() if isinstance(headers, Mapping) else (headers or ())
    for key, value in pairs:
        if key == SENT_AT_HEADER:
            try:
                return float(value)
            except (TypeError, ValueError):
                return None
    return None


def register(app: App, settings: Settings) -> list[PartitionWorker]:
    """Attach the agents, their timers and the rebalance hook to the app."""
    workers = [PartitionWorker(app, settings, lane) for lane in lanes(app, settings)]
    detect = detect_lane(workers)
    for worker in workers:
        _attach(app, worker)

    @app.faust.timer(interval=1.0)
    async def announce_idle_sources() -> None:
        for worker in input_lanes(workers):  # the stages whose sources are input partitions
            await worker.announce_idle_sources()

    @app.faust.timer(interval=LABELS_EVERY_S)
    async def read_labels() -> None:
        await detect.read_labels()

    @app.faust.timer(interval=TAILS_EVERY_S)
    async def check_tails() -> None:
        for worker in workers:
            await worker.delivery.check_tails()

    @app.faust.timer(interval=settings.commit_interval_s)
    async def commit_durable_offsets() -> None:
        for worker in workers:
            await worker.commit_durable()

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


def detect_lane(workers: list[PartitionWorker]) -> PartitionWorker:
    return next(w for w in workers if w.lane.name == "detect")


def input_lanes(workers: list[PartitionWorker]) -> list[PartitionWorker]:
    """The lanes an input record passes before it is applied: route (if any) and detect."""
    return [w for w in workers if w.lane.name in ("route", "detect")]


def _attach(app: App, worker: PartitionWorker) -> None:
    @app.faust.agent(worker.lane.topic, name=worker.lane.name)
    async def agent(stream: StreamT) -> None:
        async for events in stream.noack_take(TAKE_MAX, within=TAKE_WITHIN_S):
            await worker.handle(stream, events)
