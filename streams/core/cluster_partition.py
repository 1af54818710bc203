"""One cluster partition: the cluster keys routed to it, their open event-time buckets and alert
policy, and the last repartition offset applied. Pure, and serialisable as one unit like
``PartitionState``.

Buckets close once every busy source partition's watermark has passed them (``Heartbeat``); a
closed bucket's observations are folded in a fixed order. The live worker, ``detect`` and a replay
therefore close the same buckets with the same contents and send the same cluster alerts.
"""

from __future__ import annotations

from models.base import dump_checkpoint, load_checkpoint
from streams.core.cluster_wire import InvalidEnvelope, Item, decode_envelope
from streams.core.clusters import (
    MAX_MEMBERS_LISTED,
    Heartbeat,
    KeyState,
    Member,
    Observation,
    cluster_features,
    cluster_risk,
)
from streams.core.partition import InputRecord, Output
from streams.core.policy import Decision, decision_fields
from streams.core.records import Alert, DeadLetter
from streams.errors import CheckpointError
from streams.settings import DetectorSettings

CLUSTER_STATE_FORMAT = 1


class ClusterPartitionState:
    def __init__(self, partition: int, sources: int, cfg: DetectorSettings, model_version: str, replay=False):
        self.partition = partition
        self.sources = sources
        self.cfg = cfg
        self.model_version = model_version
        self.replay = replay
        self.last_offset = -1  # in the repartition topic
        self.source_watermarks: dict[int, float | None] = {}
        self.idle_sources: set[int] = set()
        self.seen: dict[tuple[int, str], tuple[int, int]] = {}  # (source, kind) -> last position applied
        self.pending: dict[int, list[Observation]] = {}  # bucket number -> observations
        self.next_bucket: int | None = None  # the oldest bucket not yet closed
        self.keys: dict[str, KeyState] = {}
        self.late = 0  # observations for a bucket already closed, counted in the next open one

    # -- applying ---------------------------------------------------------------------------------

    def apply(self, records: list[InputRecord]) -> Output:
        """Apply repartition records (observation envelopes) in offset order."""
        out = Output()
        for record in records:
            if record.offset <= self.last_offset:
                out.redelivered += 1
                continue
            self.last_offset = record.offset
            try:
                items = decode_envelope(record.value)
            except InvalidEnvelope as exc:
                out.dead_letters.append(
                    DeadLetter(record.value or b"", "invalid_observation", str(exc), record.offset)
                )
                continue
            out.alerts.extend(self.feed(items))
            out.events += sum(1 for i in items if isinstance(i, Observation))
        return out

    def feed(self, items: list[Item]) -> list[Alert]:
        alerts: list[Alert] = []
        for item in items:
            if isinstance(item, Heartbeat):
                self._hear(item)
                alerts.extend(self._close_ready_buckets())
            else:
                self._buffer(item)
        return alerts

    def _hear(self, beat: Heartbeat) -> None:
        # A source restarted from an older snapshot repeats lower watermarks: they never go back.
        known = self.source_watermarks.get(beat.source)
        if known is None or (beat.watermark is not None and beat.watermark > known):
            self.source_watermarks[beat.source] = beat.watermark
        if beat.idle:
            self.idle_sources.add(beat.source)
        else:
            self.idle_sources.discard(beat.source)

    def _buffer(self, o: Observation) -> None:
        if o.position <= self.seen.get((o.source, o.kind), (-1, -1)):
            return  # re-sent after the source partition restarted from an older snapshot
        self.seen[(o.source, o.kind)] = o.position
        bucket = int(o.ts // self.cfg.cluster_bucket_s)
        if self.next_bucket is not None and bucket < self.next_bucket:
            self.late += 1
            bucket = self.next_bucket
        self.pending.setdefault(bucket, []).append(o)

    def low_watermark(self) -> float | None:
        """How far every bucket may close: the lowest watermark of the busy sources, or the highest
        of all once every source is idle. None while a busy source has not applied an event yet,
        and until every source has spoken."""
        if len(self.source_watermarks) < self.sources:
            return None
        busy = [w for s, w in self.source_watermarks.items() if s not in self.idle_sources]
        if None in busy:
            return None
        if busy:
            return min(busy)
        known = [w for w in self.source_watermarks.values() if w is not None]
        return max(known) if known else None

    def _close_ready_buckets(self) -> list[Alert]:
        low = self.low_watermark()
        if low is None:
            return []
        alerts: list[Alert] = []
        size = self.cfg.cluster_bucket_s
        for bucket in sorted(b for b in self.pending if (b + 1) * size <= low):
            obs = self.pending.pop(bucket)
            self.next_bucket = bucket + 1
            alerts.extend(self._close(bucket, obs))
        if self.next_bucket is None or (self.next_bucket + 1) * size <= low:
            self.next_bucket = int(low // size)
        return alerts

    def _close(self, bucket: int, obs: list[Observation]) -> list[Alert]:
        end = (bucket + 1) * self.cfg.cluster_bucket_s
        # Upkeep runs per closed bucket, not per heartbeat: how far heartbeats jump must not matter.
        alerts = self._resolve_and_expire_quiet_keys(end)
        by_key: dict[str, list[Observation]] = {}
        for o in sorted(obs, key=lambda o: (o.ts, o.client_id, o.source, o.position, o.kind)):
            by_key.setdefault(f"{o.kind}:{o.key}", []).append(o)
        for name in sorted(by_key):
            key = self.keys.get(name)
            if key is None:
                key = self.keys[name] = KeyState()
            active = key.add_bucket(by_key[name], end, self.cfg)
            alert = self._score(name, key, active, end)
            if alert is not None:
                alerts.append(alert)
        return alerts

    def _score(self, name: str, key: KeyState, active: list[tuple[str, Member]], end: float) -> Alert | None:
        if len(active) < self.cfg.cluster_min_members and key.policy.incident is None:
            return None
        features = cluster_features(key, active)
        key.last_risk, key.last_reasons = cluster_risk(features)
        decision = key.policy.observe(name, key.last_risk, end, 1, self.cfg, scope="cluster")
        incident = key.policy.incident
        young = sum(1 for _, m in active if m.young)
        grew = young > key.listed_members * (1 + self.cfg.cluster_regrow_share)
        if decision is None and incident is not None and key.last_risk >= self.cfg.fire_threshold and grew:
            incident.seq += 1  # the swarm grew: same incident, next seq
            decision = Decision.of("firing", incident, key.last_risk)
        if decision is None:
            return None
        key.listed_members = young
        return self._alert(name, key, active, decision, end)

    def _resolve_and_expire_quiet_keys(self, end: float) -> list[Alert]:
        """A key whose swarm went quiet resolves ``resolve_after_s`` after its last activity; keys idle
        for ``cluster_key_idle_expiry_s`` without an open incident are forgotten."""
        alerts = []
        expire_before = end - self.cfg.cluster_key_idle_expiry_s
        for name in sorted(self.keys):
            key = self.keys[name]
            incident = key.policy.incident
            if incident is not None:
                if incident.low_since is None and end - key.last_ts >= self.cfg.resolve_after_s:
                    incident.low_since = key.last_ts  # quiet since: never scored low, just gone
                decision = key.policy.maybe_resolve(end, self.cfg, key.last_risk)
                if decision is not None:
                    alerts.append(self._alert(name, key, [], decision, end))
            if key.policy.incident is None and key.last_ts < expire_before:
                del self.keys[name]
        return alerts

    def _alert(self, name: str, key: KeyState, active, decision: Decision, ts: float) -> Alert:
        kind, value = name.split(":", 1)
        # the swarm is the young accounts acting together; older ones on the same key are bystanders
        ranked = sorted(((cid, m) for cid, m in active if m.young), key=lambda cm: (-cm[1].events, cm[0]))
        members = [cid for cid, _ in ranked[:MAX_MEMBERS_LISTED]]
        young = len(ranked)
        return Alert(
            **decision_fields(decision),
            scope="cluster",
            client_id=None,
            cluster_key={"kind": kind, "value": value},
            members=members,
            member_count=young,
            ts=float(ts),
            events_seen=key.events,
            reasons=list(key.last_reasons),
            evidence={"young_members": [young], "distinct_clients_ever": [int(key.distinct.get())]},
            model_version=self.model_version,
            replay=self.replay,
            summary=(
                f"cluster {kind}={value}: {young} young clients acting together among {len(active)} active; "
                f"risk {decision.risk:.2f} ({decision.status} {decision.severity})"
            ),
        )

    # -- one serialisable unit --------------------------------------------------------------------

    def snapshot(self) -> bytes:
        return dump_checkpoint({"format": CLUSTER_STATE_FORMAT, "state": self.__dict__}, self.model_version)

    @classmethod
    def restore(cls, blob: bytes, cfg: DetectorSettings) -> ClusterPartitionState:
        payload, _ = load_checkpoint(blob)
        if payload.get("format") != CLUSTER_STATE_FORMAT:
            raise CheckpointError(
                f"cluster state format {payload.get('format')} is not {CLUSTER_STATE_FORMAT}: start from "
                "empty state with a new EXTRACTWATCH_APP_ID"
            )
        state = cls.__new__(cls)
        state.__dict__.update(payload["state"])
        state.cfg = cfg
        return state
