"""One cluster partition: the cluster keys routed to it, their open event-time buckets and alert
policy, and the last repartition offset applied. Pure, and serialisable as one unit like
``PartitionState``.

Buckets close once every busy source partition's watermark has passed them (``BucketGate``); a
closed bucket's observations are folded in a fixed order. The live worker, ``detect`` and a replay
therefore close the same buckets with the same contents and make the same key decisions, which the
swarm stage (``swarms``) merges into alerts.
"""

from __future__ import annotations

from streams.core.buckets import BucketGate
from streams.core.clusters import (
    MAX_MEMBERS_LISTED,
    KeyDecision,
    KeyState,
    Member,
    Observation,
    cluster_features,
    cluster_risk,
    flagged_ranked,
    has_new_members,
    remember_listed,
)
from streams.core.policy import Decision
from streams.core.stage import EnvelopeStage, Output
from streams.settings import DetectorSettings


class ClusterPartitionState(EnvelopeStage):
    STATE_FORMAT = 3  # 2: members carry how distillation-shaped they are; 3: keys count young and shaped
    DEAD_REASON = "invalid_observation"
    STAGE = "clusters"

    def __init__(self, partition: int, sources: int, cfg: DetectorSettings):
        self.partition = partition
        self.cfg = cfg
        self.last_offset = -1  # in the repartition topic
        self.gate = BucketGate(sources, cfg.cluster_bucket_s)
        self.keys: dict[str, KeyState] = {}
        self.decisions = 0  # decisions made: numbers them, so the swarm stage drops re-sent ones

    @property
    def watermark(self) -> float | None:
        """What the swarm stage waits for: every bucket ending before it is closed here."""
        return self.gate.closed_through

    @property
    def model_version(self) -> str:
        """Stamped on its snapshots; its decisions reach alerts through the swarm stage's version."""
        return f"cfg-{self.cfg.version}"

    # -- applying ---------------------------------------------------------------------------------

    def _collect(self, out: Output, decisions: list[KeyDecision]) -> None:
        out.decisions.extend(decisions)

    def _hold(self, o: Observation) -> None:
        self.gate.offer(o, int(o.ts // self.cfg.cluster_bucket_s), (o.source, o.kind), o.position)

    def _close(self, bucket: int, obs: list[Observation]) -> list[KeyDecision]:
        end = (bucket + 1) * self.cfg.cluster_bucket_s
        # Upkeep runs per closed bucket, not per heartbeat: how far heartbeats jump must not matter.
        decisions = self._resolve_and_expire_quiet_keys(end)
        by_key: dict[str, list[Observation]] = {}
        for o in sorted(obs, key=lambda o: (o.ts, o.client_id, o.source, o.position, o.kind)):
            by_key.setdefault(f"{o.kind}:{o.key}", []).append(o)
        for name in sorted(by_key):
            key = self.keys.get(name)
            if key is None:
                key = self.keys[name] = KeyState()
            active = key.add_bucket(by_key[name], end, self.cfg)
            decision = self._score(name, key, active, end)
            if decision is not None:
                decisions.append(decision)
        return decisions

    def _score(
        self, name: str, key: KeyState, active: list[tuple[str, Member]], end: float
    ) -> KeyDecision | None:
        if len(active) < self.cfg.cluster_min_members and key.policy.incident is None:
            return None
        flagged = flagged_ranked(active)
        key.last_risk, key.last_reasons = cluster_risk(cluster_features(key, len(active), len(flagged)))
        decision = key.policy.observe(name, key.last_risk, end, 1, self.cfg, scope="cluster")
        incident = key.policy.incident
        listing = flagged[:MAX_MEMBERS_LISTED]
        # the last few stragglers never make a tenth: they are listed at most an hour later
        catch_up = end - key.listed_at >= self.cfg.cluster_active_s
        if (
            decision is None
            and incident is not None
            and key.last_risk >= self.cfg.fire_threshold
            and has_new_members(key.listed, listing, self.cfg.cluster_regrow_share, catch_up)
        ):
            incident.seq += 1  # new members: same incident, next seq
            decision = Decision.of("firing", incident, key.last_risk)
        if decision is None:
            return None
        remember_listed(key.listed, listing)
        key.listed_at = end
        return self._decision(name, key, listing, len(flagged), decision, end)

    def _resolve_and_expire_quiet_keys(self, end: float) -> list[KeyDecision]:
        """A key whose swarm went quiet resolves ``resolve_after_s`` after its last activity; keys idle
        for ``cluster_key_idle_expiry_s`` without an open incident are forgotten."""
        decisions = []
        expire_before = end - self.cfg.cluster_key_idle_expiry_s
        for name in sorted(self.keys):
            key = self.keys[name]
            incident = key.policy.incident
            if incident is not None:
                if incident.low_since is None and end - key.last_ts >= self.cfg.resolve_after_s:
                    incident.low_since = key.last_ts  # quiet since: never scored low, just gone
                decision = key.policy.maybe_resolve(end, self.cfg, key.last_risk)
                if decision is not None:
                    key.listed.clear()
                    decisions.append(self._decision(name, key, [], 0, decision, end))
            if key.policy.incident is None and key.last_ts < expire_before:
                del self.keys[name]
        return decisions

    def _decision(
        self, name: str, key: KeyState, listing: list[str], count: int, decision: Decision, ts: float
    ) -> KeyDecision:
        self.decisions += 1
        return KeyDecision(
            source=self.partition,
            number=self.decisions,
            key=name,
            status=decision.status,
            dedup_key=decision.dedup_key,
            risk=decision.risk,
            severity=decision.severity,
            first_seen=decision.first_seen,
            ts=float(ts),
            members=tuple(listing),
            member_count=count,
            events_seen=key.events,
            reasons=tuple(key.last_reasons),
        )
