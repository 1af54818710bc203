"""Everything one input partition owns, and the one entry point that advances it: ``apply``.

Per-client features and alert policy, the partition's risk models, the watermark and the last Kafka
offset applied. Pure: no Kafka, no wall clock. The worker keeps one per assigned partition and
snapshots it to Kafka; ``detect`` keeps one per emulated partition; both feed events in the same
order, so both produce the same alerts: with ``input_partitioner`` murmur2, the input partition's
offset order; otherwise (``streams.core.routing``) the order in which its routed events' event-time
buckets are released, each bucket sorted by ``(ts, event_id)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, astuple, dataclass, field
from datetime import UTC, datetime

import orjson
from river import drift

from streams.core.buckets import BucketGate
from streams.core.cluster_wire import Item
from streams.core.clusters import Heartbeat, observations
from streams.core.dedup import RecentIds
from streams.core.features import ClientFeatures
from streams.core.partitioner import partition_for
from streams.core.policy import ClientPolicy, Decision, decision_fields
from streams.core.records import EVENT_FIELDS, Alert, DeadLetter, Event, Reason, Reroute, Routed
from streams.core.routing import events_of, timing_problem
from streams.core.scoring import RiskScorer
from streams.core.slotted import pickled_by_slots
from streams.core.stage import InputRecord, Output, Stage
from streams.core.validate import InvalidEvent
from streams.core.verdicts import TrainingExample, Verdict, VerdictBook, decode_label_record
from streams.errors import CheckpointError
from streams.settings import DetectorSettings

_EXPIRY_SCAN_EVERY = 1000  # events between scans for idle clients
# The open incidents are scanned once the watermark comes within this of the earliest time one of
# them can resolve: the check itself (``maybe_resolve``) subtracts where the bound adds, and the two
# can round apart.
_RESOLVE_SLACK_S = 1e-3
_SHAPED_AFTER_EVENTS = 5  # a client's distillation-shaped share means something after this many


def scoring_due(events: int, since_score: int, cfg: DetectorSettings) -> bool:
    """A client is scored every ``score_every`` of its events once it has sent ``warmup_events``."""
    return events >= cfg.warmup_events and since_score >= cfg.score_every


@pickled_by_slots
@dataclass(slots=True)
class ClientState:
    features: ClientFeatures
    policy: ClientPolicy = field(default_factory=ClientPolicy)
    since_score: int = 0
    last_risk: float = 0.0
    last_reasons: list[Reason] = field(default_factory=list)


class PartitionState(Stage):
    # 3: a learned classifier and per-request features; 4: labels topic offset; 5: ids; 6: routed events;
    # 7: exact-repeat hashes packed as 64-bit numbers
    STATE_FORMAT = 7
    STAGE = "detect"
    # No open incident resolves before the watermark reaches this (a lower bound; restored states
    # written before it existed scan at their next event and set it).
    _resolve_scan_at = -math.inf

    def __init__(
        self,
        partition: int,
        partitions: int,
        cfg: DetectorSettings,
        replay: bool = False,
        clusters: bool = False,
    ):
        self.partition = partition
        self.clusters = clusters  # emit observations for the cluster partitions
        self.partitions = partitions
        self.cfg = cfg
        self.replay = replay
        self.clients: dict[str, ClientState] = {}
        self.scorer = RiskScorer(cfg.model_checkpoint)
        self.max_ts: float | None = None
        self.first_ts: float | None = None  # the earliest event time applied: how much history it has
        self.last_offset = -1
        self.labels_offset = -1  # the last offset applied of this partition of the labels topic
        self.open_incidents: set[str] = set()
        self.verdicts = VerdictBook(cfg.verdict_settle_s)
        # Watches the partition's stream of risks: a shift in what the model sees (new traffic, a
        # model release, a drifting client base) shows before recall or false alarms do.
        self.score_drift = drift.ADWIN()
        self._since_expiry_scan = 0
        self.recent_ids = RecentIds(cfg.duplicate_window)
        self.applied = 0  # events applied: numbers this partition's observations for the cluster stage
        # Routed input (not partitioned by murmur2): every input partition's judged events for this
        # partition's clients, held until every source has passed their bucket. ``last_offset`` is
        # then in the routed topic.
        self.gate = None if cfg.input_partitioner == "murmur2" else BucketGate(partitions, cfg.merge_bucket_s)

    @classmethod
    def restore(cls, blob: bytes, cfg: DetectorSettings) -> PartitionState:
        state = super().restore(blob, cfg)
        if (state.gate is None) != (cfg.input_partitioner == "murmur2"):
            raise CheckpointError(
                f"this partition's state was built for an input_partitioner other than "
                f"{cfg.input_partitioner!r} (its offsets are in another topic): start from empty state "
                "with a new EXTRACTWATCH_APP_ID"
            )
        return state

    @property
    def watermark(self) -> float | None:
        return None if self.max_ts is None else self.max_ts - self.cfg.allowed_lateness_s

    @property
    def model_version(self) -> str:
        return f"{self.scorer.version}/cfg-{self.cfg.version}"

    @property
    def verdicts_learned(self) -> int:
        return self.scorer.verdicts

    # -- applying records -------------------------------------------------------------------------

    def apply(self, records: list[InputRecord]) -> Output:
        """Apply records in partition order; offsets at or below the last applied are skipped."""
        if self.gate is not None:
            return self._apply_routed(records)
        out = Output()
        for record in self._unapplied(records, out):
            for event, original, index in events_of(record, out):
                self._apply_raw(record, event, original, index, out)
            self.cut_at_mark(out)
        return out

    def _apply_raw(
        self, record: InputRecord, event: Event, original: Callable[[], bytes], index: int | None, out: Output
    ) -> None:
        if partition_for(event.client_id, self.partitions) != self.partition:
            out.reroutes.append(Reroute(event.client_id, original()))
            return
        problem = timing_problem(event, record.timestamp, self.watermark, self.cfg)
        if problem is not None:
            out.dead_letters.append(DeadLetter(original(), *problem, record.offset, index))
            return
        self._accept(event, original, record.offset, index, out)

    def _accept(
        self, event: Event, original: Callable[[], bytes], offset: int | None, index: int | None, out: Output
    ) -> None:
        """An event judged in time: applied, unless its id was applied already."""
        if self.recent_ids.repeat(event.event_id):
            detail = f"event_id applied already, among the last {self.recent_ids.size} of this partition"
            out.dead_letters.append(DeadLetter(original(), "duplicate", detail, offset, index))
            return
        self._apply_event(event, out)

    # -- routed input ------------------------------------------------------------------------------

    def _apply_routed(self, records: list[InputRecord]) -> Output:
        """Records of this partition of the routed topic: envelopes of judged events and heartbeats."""
        out = Output()
        for items in self._envelopes(records, out, "invalid_routed"):
            out.extend(self.feed(items))
        return out

    def feed(self, items: list[Item]) -> Output:
        """Routed events and their sources' heartbeats, in each source's order: the events are held
        in event-time buckets and applied as the buckets are released, each in ``(ts, event_id)``
        order."""
        out = Output()
        for item in items:
            if isinstance(item, Heartbeat):
                for _bucket, held in self.gate.hear(item):
                    for event in sorted(held, key=_merge_order):
                        self._accept_routed(event, out)
            elif isinstance(item, Routed):
                bucket = int(item.event.ts // self.cfg.merge_bucket_s)
                self.gate.offer(item.event, bucket, item.source, item.position)
        return out

    def _accept_routed(self, event: Event, out: Output) -> None:
        def original() -> bytes:  # the reduced event: its prompt text was dropped by the route stage
            return orjson.dumps(dict(zip(EVENT_FIELDS, astuple(event), strict=True)))

        self._accept(event, original, None, None, out)

    def _apply_event(self, event: Event, out: Output) -> None:
        out.events += 1
        self.applied += 1
        if self.first_ts is None or event.ts < self.first_ts:
            self.first_ts = event.ts
        if self.max_ts is None or event.ts > self.max_ts:
            self.max_ts = event.ts
            self._settle_verdicts(out)
            if self.open_incidents and self.watermark >= self._resolve_scan_at:
                self._resolve_quiet_incidents(event, out)
        state = self.clients.get(event.client_id)
        if state is None:
            state = self.clients[event.client_id] = ClientState(ClientFeatures.start(event))
        state.features.update(event)
        if self.clusters:
            out.observations.extend(
                observations(
                    event,
                    self.partition,
                    (self.applied, 0),
                    state.features.first_ts,
                    self.first_ts,
                    self.cfg,
                    self._shaped(event.client_id, state),
                )
            )
        state.since_score += 1
        if scoring_due(state.features.events, state.since_score, self.cfg):
            self._score(event, state, out)
        self._since_expiry_scan += 1
        if self._since_expiry_scan >= _EXPIRY_SCAN_EVERY:
            self._expire_idle_clients()

    # -- verdicts ----------------------------------------------------------------------------------

    def apply_labels(self, records: list[InputRecord]) -> Output:
        """Records of this partition of the labels topic, in offset order (those at or below the last
        applied are skipped): verdicts on this partition's clients, and examples for its model. A
        verdict on another partition's client is rerouted (a producer that did not partition with
        murmur2 put it here); a record that is neither goes to the DLQ."""
        out = Output()
        for record in records:
            if record.offset <= self.labels_offset:
                out.redelivered += 1
                continue
            self.labels_offset = record.offset
            try:
                item = decode_label_record(record.value)
            except InvalidEvent as exc:
                dead = DeadLetter(record.value or b"", "invalid_verdict", str(exc), record.offset)
                out.dead_letters.append(dead)
                continue
            if isinstance(item, TrainingExample):
                self.teach(item)
            elif partition_for(item.client_id, self.partitions) != self.partition:
                out.reroutes.append(Reroute(item.client_id, record.value))
            else:
                out.examples.extend(self.add_verdict(item).examples)
        return out

    def add_verdict(self, verdict: Verdict) -> Output:
        """A verdict on one of this partition's clients; it waits for the watermark to reach its ts,
        or, if the watermark already has, becomes an example now (counted late)."""
        out = Output()
        if not self.verdicts.first_time(verdict):
            return out
        self.verdicts.add(verdict)
        if self.watermark is not None and verdict.ts <= self.watermark:
            self.verdicts.counts["late"] += 1
            self._settle_verdicts(out)
        return out

    def teach(self, example: TrainingExample) -> None:
        """An example from any partition's verdict: learned once this partition's watermark passes its
        ts plus the settle time (at once, if it already has)."""
        if self.verdicts.first_time(example):
            self.verdicts.teach(example, self.watermark)
            self._learn_due()

    def _settle_verdicts(self, out: Output) -> None:
        for verdict in self.verdicts.due(self.watermark):
            self.verdicts.labels[verdict.client_id] = verdict.extraction
            state = self.clients.get(verdict.client_id)
            if state is None:
                self.verdicts.counts["untracked"] += 1
                continue
            vector = tuple(sorted(state.features.vector().items()))
            out.examples.append(TrainingExample(verdict.ts, verdict.client_id, verdict.extraction, vector))
        self._learn_due()

    def _learn_due(self) -> None:
        for example in self.verdicts.learnable(self.watermark):
            self.scorer.learn(dict(example.vector), example.extraction)

    def _shaped(self, client_id: str, state: ClientState) -> float:
        """How extraction-like a client's own traffic is, for the cluster stage: its share of
        distillation-shaped requests once it has sent a few, or its own risk once scored if higher
        (a swarm member that asks for short answers still rotates its addresses or harvests a task),
        or 1 if an analyst confirmed it as extraction."""
        if self.verdicts.labels.get(client_id):
            return 1.0
        shaped = state.features.shaped.mean if state.features.events >= _SHAPED_AFTER_EVENTS else 0.0
        return max(shaped, state.last_risk)

    def _score(self, event: Event, state: ClientState, out: Output) -> None:
        vector = state.features.vector()
        score = self.scorer.score(vector, explain=False)
        state.last_risk = score.risk
        self.score_drift.update(score.risk)
        if self.score_drift.drift_detected:
            out.drifts.append(event.ts)
        decision = state.policy.observe(event.client_id, score.risk, event.ts, state.since_score, self.cfg)
        state.since_score = 0
        if decision is not None:
            # reasons of the scoring that decided (a resolve reuses those of the last alert)
            state.last_reasons = self.scorer.reasons(vector)
            self.open_incidents.add(event.client_id)
            out.alerts.append(self._alert(event.client_id, state, decision, event.ts))
        if state.policy.incident is not None:
            self._resolve_scan_at = min(self._resolve_scan_at, self._resolvable_at(state))

    def _resolvable_at(self, state: ClientState) -> float:
        """The earliest watermark at which the client's open incident can resolve: its risk low for
        ``resolve_after_s``, or the client gone (no event for ``client_idle_expiry_s``)."""
        incident = state.policy.incident
        at = state.features.last_ts + self.cfg.client_idle_expiry_s
        if incident is not None and incident.low_since is not None:
            at = min(at, incident.low_since + self.cfg.resolve_after_s)
        return at - _RESOLVE_SLACK_S

    def _resolve_quiet_incidents(self, event: Event, out: Output) -> None:
        """Resolve timers run on the watermark, so a client that went quiet still resolves. One that
        sent nothing for ``client_idle_expiry_s`` is gone: its incident resolves, so that it can be
        forgotten like any idle client (an open incident would keep it, and its state, for ever).
        Scanned only once the watermark reaches the earliest time one can resolve, not on every
        event."""
        watermark = self.watermark
        next_scan = math.inf
        for client_id in sorted(self.open_incidents):
            state = self.clients[client_id]
            gone = watermark - state.features.last_ts >= self.cfg.client_idle_expiry_s
            if gone and state.policy.incident is not None:
                decision = state.policy.resolve(state.last_risk)
            else:
                decision = state.policy.maybe_resolve(watermark, self.cfg, state.last_risk)
            if decision is not None:
                self.open_incidents.discard(client_id)
                out.alerts.append(self._alert(client_id, state, decision, event.ts))
            else:
                next_scan = min(next_scan, self._resolvable_at(state))
        self._resolve_scan_at = next_scan

    def _expire_idle_clients(self) -> None:
        self._since_expiry_scan = 0
        horizon = self.watermark - self.cfg.client_idle_expiry_s
        idle = [
            cid
            for cid, s in self.clients.items()
            if s.features.last_ts < horizon and cid not in self.open_incidents
        ]
        for cid in idle:
            del self.clients[cid]

    def _alert(self, client_id: str, state: ClientState, decision: Decision, ts: float) -> Alert:
        top = ", ".join(r.feature for r in state.last_reasons[:3]) or "no single feature"
        since = datetime.fromtimestamp(decision.first_seen, UTC).strftime("%Y-%m-%d %H:%M UTC")
        verb = "resolved" if decision.status == "resolved" else decision.severity
        return Alert(
            **decision_fields(decision),
            scope="client",
            client_id=client_id,
            cluster_key=None,
            members=[],
            member_count=0,
            ts=float(ts),
            events_seen=decision.events_seen,
            reasons=list(state.last_reasons),
            evidence=state.features.evidence(),
            model_version=self.model_version,
            replay=self.replay,
            summary=(
                f"client {client_id} extraction risk {decision.risk:.2f} ({verb}); driven by {top}; "
                f"{decision.events_seen} events since {since}"
            ),
        )

    def describe(self) -> dict:
        """A JSON-ready view of the partition for inspection: no prompt text exists to show."""
        clients = {}
        for client_id, state in sorted(self.clients.items()):
            incident = state.policy.incident
            clients[client_id] = {
                "events": state.features.events,
                "first_ts": state.features.first_ts,
                "last_ts": state.features.last_ts,
                "last_risk": state.last_risk,
                "reasons": [asdict(r) for r in state.last_reasons],
                "open_incident": None if incident is None else asdict(incident),
                "features": state.features.vector(),
            }
        return {
            "partition": self.partition,
            "partitions": self.partitions,
            "model_version": self.model_version,
            "model_fingerprint": self.scorer.model.fingerprint(),
            "verdicts": dict(self.verdicts.counts, learned=self.scorer.verdicts),
            "last_offset": self.last_offset,
            "labels_offset": self.labels_offset,
            "max_ts": self.max_ts,
            "watermark": self.watermark,
            "clients": clients,
        }


def _merge_order(event: Event) -> tuple[float, str, str]:
    return event.ts, event.event_id, event.client_id
