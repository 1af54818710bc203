"""The swarm stage: cluster keys whose members mostly overlap are one incident, one alert. Pure.

One swarm usually shows on several keys at once: its proxy network, its ASN, its user agent and
each of its templates. The cluster partitions decide per key (``KeyDecision``); this stage, a single
partition fed by all of them, buckets their decisions by event time (``BucketGate``, with the
cluster partitions' closed buckets as watermarks) and folds each bucket in a fixed order:

- a key that fires joins the open incident whose listed members overlap its own the most, if at
  least ``SWARM_OVERLAP`` of the smaller list; otherwise it opens a new incident;
- an incident is re-sent (same ``dedup_key``, next ``seq``) when more than ``cluster_regrow_share``
  of its members were not listed before (it grew, or its accounts rotated), when any were and its
  last alert is ``cluster_active_s`` (1 h) old, or when its severity rises; it resolves when its
  last key resolves.

Bounded: an incident keeps the latest decision of at most ``KEYS_KEPT`` keys (each lists at most
1,000 members); keys beyond that still belong to it, by name only. Decisions of one bucket are
folded before anything is announced, so keys that fire together open one incident, one alert.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from streams.core.buckets import BucketGate
from streams.core.clusters import (
    MAX_MEMBERS_LISTED,
    KeyDecision,
    has_new_members,
    remember_listed,
)
from streams.core.listed_members import ListedMembers
from streams.core.policy import SEVERITIES, Decision, decision_fields
from streams.core.records import Alert
from streams.core.slotted import pickled_by_slots
from streams.core.stage import EnvelopeStage, Output
from streams.settings import DetectorSettings

SWARM_OVERLAP = 0.5  # share of the smaller member list two keys must share to be one swarm (of what
# lists capped at MAX_MEMBERS_LISTED can share: ``_listed_share``)
KEYS_KEPT = 16


@pickled_by_slots
@dataclass(slots=True)
class Swarm:
    dedup_key: str
    founder: str  # the key that opened it
    first_seen: float
    seq: int = 0  # 0: opened in the bucket being folded, not announced yet
    severity: str = "info"
    names: set[str] = field(default_factory=set)  # its keys whose incidents are open
    keys: dict[str, KeyDecision] = field(default_factory=dict)  # latest firing decision, <= KEYS_KEPT
    listed: ListedMembers = field(default_factory=ListedMembers)  # members its alerts have listed
    listed_at: float = 0.0  # event time of its last alert

    def members(self) -> list[str]:
        """Members of its keys, most active first (each key's list taken rank by rank). With two keys
        or more, only members listed by at least two: a young customer who merely shares a popular
        user agent or cloud network with the swarm is a bystander, a swarm member shares more."""
        lists = [self.keys[name].members for name in sorted(self.keys)]
        ranked: dict[str, int] = {}  # member -> how many lists name it, in rank order
        for rank in range(max((len(m) for m in lists), default=0)):
            for m in lists:
                if rank < len(m):
                    ranked[m[rank]] = ranked.get(m[rank], 0) + 1
        needed = 2 if len(lists) > 1 else 1
        return [m for m, n in ranked.items() if n >= needed]

    def member_count(self, members: list[str]) -> int:
        """Exact while no key lists fewer members than it has; beyond, the second-largest key's
        count is what at least two keys can hold."""
        counts = sorted(d.member_count for d in self.keys.values())
        capped = any(len(d.members) < d.member_count for d in self.keys.values())
        if not capped:
            return len(members)
        return max(len(members), counts[-2] if len(counts) > 1 else counts[-1])

    def top_severity(self) -> str:
        return max((d.severity for d in self.keys.values()), key=SEVERITIES.index, default="info")


class SwarmState(EnvelopeStage):
    STATE_FORMAT = 1
    DEAD_REASON = "invalid_key_decision"
    STAGE = "swarms"

    def __init__(self, sources: int, cfg: DetectorSettings, model_version: str, replay: bool = False):
        self.cfg = cfg
        self.model_version = model_version
        self.replay = replay
        self.last_offset = -1  # in the key decisions topic
        self.gate = BucketGate(sources, cfg.cluster_bucket_s)
        self.swarms: dict[str, Swarm] = {}  # open incidents by dedup_key
        self.owner: dict[str, str] = {}  # key name -> dedup_key of the open incident it belongs to

    @property
    def watermark(self) -> float | None:
        """Every bucket ending before it has been folded."""
        return self.gate.closed_through

    def _collect(self, out: Output, alerts: list[Alert]) -> None:
        out.alerts.extend(alerts)

    def _hold(self, d: KeyDecision) -> None:
        # decided at the end of its bucket: it belongs to that bucket, not the next
        self.gate.offer(d, round(d.ts / self.cfg.cluster_bucket_s) - 1, d.source, d.number)

    def _close(self, bucket: int, decisions: list[KeyDecision]) -> list[Alert]:
        """Fold a bucket's decisions, then say what changed: keys decided together are announced
        together."""
        touched: dict[str, KeyDecision] = {}  # swarm -> the last decision that touched it
        # Each swarm's members while its kept keys do not change: a campaign's keys fire by the
        # hundred in one bucket, and each one not yet owned is compared with every swarm.
        members: dict[str, list[str]] = {}
        for d in sorted(decisions, key=lambda d: (d.ts, d.source, d.number)):
            swarm = self._fold(d, members)
            if swarm is not None:
                touched[swarm.dedup_key] = d
        alerts = []
        for dedup_key, d in touched.items():
            alert = self._announce(self.swarms[dedup_key], d)
            if alert is not None:
                alerts.append(alert)
        return alerts

    def _fold(self, d: KeyDecision, members: dict[str, list[str]]) -> Swarm | None:
        """Fold one decision; ``members``: swarms' members computed in this bucket, each dropped
        when its keys change."""
        owner = self.owner.get(d.key)
        if d.status == "resolved":
            if owner is None:
                return None
            swarm = self.swarms[owner]
            del self.owner[d.key]
            swarm.names.discard(d.key)
            if swarm.names:  # the last key's decision stays: the resolved alert lists its members
                swarm.keys.pop(d.key, None)
                members.pop(swarm.dedup_key, None)
            return swarm
        swarm = self.swarms[owner] if owner is not None else self._join_or_open(d, members)
        swarm.names.add(d.key)
        if d.key in swarm.keys or len(swarm.keys) < KEYS_KEPT:
            swarm.keys[d.key] = d
            members.pop(swarm.dedup_key, None)
        return swarm

    def _join_or_open(self, d: KeyDecision, members: dict[str, list[str]]) -> Swarm:
        mine = set(d.members)
        best, best_share = None, 0.0
        for dedup_key in sorted(self.swarms):
            swarm = self.swarms[dedup_key]
            theirs = members.get(dedup_key)
            if theirs is None:
                theirs = members[dedup_key] = swarm.members()
            share = len(mine.intersection(theirs)) / max(1, min(len(mine), len(theirs)))
            share /= _listed_share(d, swarm, theirs)
            if share > best_share:
                best, best_share = swarm, share
        if best is None or best_share < SWARM_OVERLAP:
            best = self.swarms[d.dedup_key] = Swarm(d.dedup_key, d.key, d.first_seen)
        self.owner[d.key] = best.dedup_key
        return best

    def _announce(self, swarm: Swarm, d: KeyDecision) -> Alert | None:
        if not swarm.names:
            del self.swarms[swarm.dedup_key]
            if swarm.seq == 0:
                return None  # opened and closed within one bucket: nothing was ever said
            swarm.seq += 1
            return self._alert(swarm, "resolved", d)
        severity = swarm.top_severity()
        if swarm.seq == 0:
            swarm.seq, swarm.severity = 1, severity
            return self._alert(swarm, "firing", d)
        listing = swarm.members()[:MAX_MEMBERS_LISTED]
        catch_up = d.ts - swarm.listed_at >= self.cfg.cluster_active_s
        grew = has_new_members(swarm.listed, listing, self.cfg.cluster_regrow_share, catch_up)
        rose = SEVERITIES.index(severity) > SEVERITIES.index(swarm.severity)
        if not (grew or rose):
            return None
        swarm.seq += 1
        swarm.severity = max(swarm.severity, severity, key=SEVERITIES.index)
        return self._alert(swarm, "firing", d)

    def _alert(self, swarm: Swarm, status: str, d: KeyDecision) -> Alert:
        everyone = swarm.members()
        members, count = everyone[:MAX_MEMBERS_LISTED], swarm.member_count(everyone)
        remember_listed(swarm.listed, members)
        swarm.listed_at = d.ts
        keys = sorted(swarm.names | set(swarm.keys))
        lead = max(swarm.keys.values(), key=lambda k: (k.risk, k.key), default=d)
        decision = Decision(
            status, swarm.dedup_key, swarm.seq, swarm.severity, swarm.first_seen, 0, lead.risk
        )
        since = datetime.fromtimestamp(swarm.first_seen, UTC).strftime("%Y-%m-%d %H:%M UTC")
        kind, value = swarm.founder.split(":", 1)
        return Alert(
            **decision_fields(decision),
            scope="cluster",
            client_id=None,
            cluster_key={"kind": kind, "value": value},
            members=members,
            member_count=count,
            ts=d.ts,
            events_seen=max((k.events_seen for k in swarm.keys.values()), default=d.events_seen),
            reasons=list(lead.reasons),
            evidence={"cluster_keys": keys, "young_members": [count]},
            model_version=self.model_version,
            replay=self.replay,
            summary=(
                f"swarm of {count} young clients acting together on {_keys(len(keys))} "
                f"({', '.join(keys[:4])}{', ...' if len(keys) > 4 else ''}); risk {lead.risk:.2f} "
                f"({status} {swarm.severity}) since {since}"
            ),
        )


def _listed_share(d: KeyDecision, swarm: Swarm, theirs: list[str]) -> float:
    """The smaller share of its members that either side lists (1 unless one is capped at
    ``MAX_MEMBERS_LISTED``). A list of k of n members holds about k/n of any group among those n:
    two keys of one swarm of 3,000 accounts, each listing its 1,000 most active, share about a third
    of either list. An overlap is judged against that, or a large swarm would open an incident per
    key (each of 256 networks its own, in a soak-shaped run).

    >>> d = KeyDecision(0, 1, "net:a", "firing", "x", 0.9, "warning", 0.0, 60.0, ("m",) * 1000, 3000, 9, ())
    >>> _listed_share(d, Swarm("y", "net:b", 0.0), ["m"] * 1000)
    0.3333333333333333
    """
    mine = len(d.members) / max(1, d.member_count, len(d.members))
    listed = len(theirs) / max(1, swarm.member_count(theirs), len(theirs)) if swarm.keys else 1.0
    return min(mine, listed)


def _keys(n: int) -> str:
    return "1 key" if n == 1 else f"{n} keys"
