"""Cross-account clusters: clients that act as one, found by re-keying events by shared infrastructure
and shared content. Pure: no Kafka, no wall clock.

Each input partition turns an applied event into one ``Observation`` per cluster key (ASN, IP /24 or
/48, prompt template, user agent). Observations are routed by key to cluster partitions
(``cluster_wire``: a repartition topic in the worker, direct calls in ``detect``), which fold them
into per-key state (``KeyState``) one closed event-time bucket at a time (``cluster_partition``).
This module holds the records and the per-key state and risk.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import islice

from river.sketch import NUnique

from models.indicators import clip
from streams.core import sketches
from streams.core.features import ip_prefix
from streams.core.listed_members import CAPACITY, ListedMembers
from streams.core.policy import ClientPolicy
from streams.core.records import Event, Reason
from streams.core.slotted import pickled_by_slots
from streams.settings import DetectorSettings

MAX_MEMBERS_LISTED = 1000
_TEMPLATES_PER_KEY = 512  # templates remembered per key, with up to 4 of their clients each
_CLIENTS_PER_TEMPLATE = 4
_SHARE_ALPHA = 0.1  # bucket-weighted moving averages: roughly the last 10-20 active buckets


@pickled_by_slots
@dataclass(frozen=True, slots=True)
class Observation:
    """The reduced event a cluster partition needs: hashes and counts, never prompt text."""

    kind: str
    key: str
    client_id: str
    ts: float
    template: int | None
    young: bool
    source: int  # input partition
    # (Kafka offset, index in its envelope) there: with ``kind``, what makes a re-sent one a duplicate
    position: tuple[int, int]
    # how distillation-shaped the client's own traffic is (its share of such requests; 1 once an
    # analyst confirmed it as extraction): a swarm of aged accounts still shows by what it asks
    shaped: float = 0.0


@pickled_by_slots
@dataclass(frozen=True, slots=True)
class Heartbeat:
    """A source partition's watermark (None: it has seen no event yet), sent to every cluster partition.

    ``idle``: the source has applied everything in its log and nothing new has arrived for a while;
    buckets then close without waiting for it. A source speaks for itself, so how fast other
    partitions are processed never decides which observations a bucket holds.
    """

    source: int
    watermark: float | None
    idle: bool = False


@pickled_by_slots
@dataclass(frozen=True, slots=True)
class KeyDecision:
    """A cluster key's alert decision (its own incident firing, re-sent or resolved), sent on to the
    swarm stage, which merges the keys whose members overlap into one incident."""

    source: int  # cluster partition
    number: int  # the source's count of decisions: re-sent ones repeat it
    key: str  # "kind:value"
    status: str  # firing or resolved
    dedup_key: str  # of the key's own incident
    risk: float
    severity: str
    first_seen: float
    ts: float  # end of the bucket that decided it
    members: tuple[str, ...]  # young active members, most active first, at most MAX_MEMBERS_LISTED
    member_count: int
    events_seen: int
    reasons: tuple[Reason, ...]


def cluster_keys(event: Event) -> list[tuple[str, str]]:
    """
    >>> from streams.core.validate import parse_event
    >>> event = parse_event({"event_id": "e", "ts": 0, "client_id": "c", "api_key_id": "k", "model": "m",
    ...     "ip": "203.0.113.7", "asn": 64500, "user_agent": "sdk/1", "prompt": "Hi there",
    ...     "prompt_tokens": 2, "completion_tokens": 9, "status": 200})
    >>> [kind for kind, _ in cluster_keys(event)], cluster_keys(event)[1]
    (['asn', 'net', 'tmpl', 'ua'], ('net', '203.0.113'))
    """
    keys = []
    if event.asn is not None:
        keys.append(("asn", str(event.asn)))
    keys.append(("net", ip_prefix(event.ip)))
    if event.template is not None:
        keys.append(("tmpl", f"{event.template:016x}"))
    if event.user_agent:
        keys.append(("ua", event.user_agent[:128]))
    return keys


def observations(
    event: Event,
    source: int,
    position: tuple[int, int],
    first_seen: float,
    history_start: float,
    cfg: DetectorSettings,
    shaped: float = 0.0,
) -> list[Observation]:
    """One observation per cluster key.

    Young: created less than ``young_account_days`` ago; if the creation time is unknown, first seen
    less than a day ago by a partition that had already seen a day of traffic before (at the start
    of a stream every client is "first seen"). Young is one signal among several: a swarm whose
    accounts were created before the detector's history began is never young.
    """
    if event.account_created_at is not None:
        young = event.ts - event.account_created_at < cfg.young_account_days * 86400.0
    else:
        young = first_seen - history_start > 86400.0 and event.ts - first_seen < 86400.0
    return [
        Observation(
            kind, key, event.client_id, event.ts, event.template, young, source, position, round(shaped, 3)
        )
        for kind, key in cluster_keys(event)
    ]


SHAPED = 0.6  # a member whose share of distillation-shaped requests is at least this is suspect


@pickled_by_slots
@dataclass(slots=True)
class Member:
    last_ts: float
    events: int
    young: bool
    shaped: float = 0.0


@pickled_by_slots
@dataclass(slots=True)
class KeyState:
    """What one cluster key remembers. Bounded: members, templates and their clients are capped."""

    # oldest last activity first: the active members are a run at its end, and the cap drops its
    # start, so neither needs a pass over every member
    members: dict[str, Member] = field(default_factory=dict)
    young_members: int = 0  # of ``members``, counted as they change: a close reads shares, not a pass
    shaped_members: int = 0
    distinct: NUnique = field(default_factory=lambda: sketches.n_unique(0.1, seed=4))
    templates: dict[int, list[str]] = field(default_factory=dict)
    shared_share: float = 0.0  # moving share of events whose template another member also uses
    co_activity: float = 0.0  # moving share of active members that act in the same bucket
    last_ts: float = 0.0
    events: int = 0
    policy: ClientPolicy = field(default_factory=ClientPolicy)
    listed: ListedMembers = field(default_factory=ListedMembers)  # members its open incident listed
    listed_at: float = 0.0  # event time of its last decision
    last_risk: float = 0.0
    last_reasons: list[Reason] = field(default_factory=list)

    def add_bucket(
        self, obs: list[Observation], end: float, cfg: DetectorSettings
    ) -> list[tuple[str, Member]]:
        """Fold in one closed bucket's observations; returns the members active at its end."""
        members = self.members
        in_bucket: set[str] = set()
        shared = 0
        out_of_order = False
        for o in obs:
            member = members.pop(o.client_id, None)
            if member is None:
                member = Member(o.ts, 0, o.young)
                sketches.add(self.distinct, o.client_id)
            else:
                self._tally(member, -1)
            member.last_ts, member.events, member.young, member.shaped = (
                max(member.last_ts, o.ts),
                member.events + 1,
                o.young,
                o.shaped,
            )
            self._tally(member, 1)
            # a bucket's observations come in time order, but a late one (held for the next open
            # bucket) can be older than members already at the end
            if members and member.last_ts < next(reversed(members.values())).last_ts:
                out_of_order = True
            members[o.client_id] = member
            in_bucket.add(o.client_id)
            if o.template is not None and self._note_template(o.template, o.client_id):
                shared += 1
        if out_of_order:
            self.members = members = dict(sorted(members.items(), key=lambda kv: kv[1].last_ts))
        if len(members) > cfg.cluster_member_cap * 1.2:
            for cid in list(islice(members, len(members) - cfg.cluster_member_cap)):
                self._tally(members.pop(cid), -1)
        self._forget_gone_members(end - cfg.client_idle_expiry_s)
        self.events += len(obs)
        self.last_ts = max(self.last_ts, end)
        active = self.active(end, cfg)
        self.shared_share += _SHARE_ALPHA * (shared / len(obs) - self.shared_share)
        self.co_activity += _SHARE_ALPHA * (len(in_bucket) / max(1, len(active)) - self.co_activity)
        return active

    def _forget_gone_members(self, horizon: float) -> None:
        """Members with no event since ``horizon`` are gone, as their client is from the detect stage:
        without this, a key's members would be bounded by the cap alone, however few stay active."""
        gone = []
        for cid, member in self.members.items():  # one pass: a dict's front, popped, is slow to find
            if member.last_ts >= horizon:
                break
            gone.append(cid)
        for cid in gone:
            self._tally(self.members.pop(cid), -1)

    def _tally(self, member: Member, sign: int) -> None:
        """Count ``member`` in (1) or out of (-1) the young and shaped counts."""
        self.young_members += sign * member.young
        self.shaped_members += sign * (member.shaped >= SHAPED)

    def _note_template(self, template: int, client_id: str) -> bool:
        """Remember who uses a template; True if another member uses it too."""
        users = self.templates.get(template)
        if users is None:
            if len(self.templates) >= _TEMPLATES_PER_KEY:
                self.templates.pop(next(iter(self.templates)))
            users = self.templates[template] = []
        if client_id not in users and len(users) < _CLIENTS_PER_TEMPLATE:
            users.append(client_id)
        return len(users) > 1

    def active(self, now: float, cfg: DetectorSettings) -> list[tuple[str, Member]]:
        """The members active since ``cluster_active_s`` before ``now``, most recent first."""
        horizon = now - cfg.cluster_active_s
        active = []
        for item in reversed(self.members.items()):
            if item[1].last_ts < horizon:
                break
            active.append(item)
        return active


def flagged_ranked(active: list[tuple[str, Member]]) -> list[str]:
    """The flagged active members (young, or at least ``SHAPED`` distillation-shaped), most active
    first: the swarm; the others on a key are bystanders."""
    # decorated, not sorted with a key function: a key holds thousands of members, and the tuples
    # compare in C (the order is the same: ids are unique)
    ranked = sorted([(-m.events, cid) for cid, m in active if m.young or m.shaped >= SHAPED])
    return [cid for _, cid in ranked]


def has_new_members(listed: ListedMembers, listing: list[str], share: float, catch_up: bool) -> bool:
    """More than ``share`` of a listing's members were not listed before (the swarm grew, or its
    accounts rotated), or, with ``catch_up``, any were. Bounded: once ``CAPACITY`` are remembered,
    only severity re-sends.

    >>> listed = ListedMembers()
    >>> remember_listed(listed, list("abcdefghijk"))
    >>> [has_new_members(listed, [*"abcdefghijk", "new"], 0.1, catch_up) for catch_up in (False, True)]
    [False, True]
    """
    if len(listed) >= CAPACITY:
        return False
    enough = 0 if catch_up else share * max(1, len(listed))
    return listed.count_new(listing, enough) > enough


def remember_listed(listed: ListedMembers, listing: list[str]) -> None:
    for member in listing:
        if len(listed) >= CAPACITY:
            return
        listed.add(member)


def cluster_features(key: KeyState, active: int, flagged: int) -> dict[str, float]:
    """A key's features, given how many of its members are ``active`` and how many of those are
    ``flagged`` (``flagged_ranked`` counts them once for the listing and for this)."""
    # over every member remembered, not just this hour's: a generic template or a busy network used
    # by many older accounts over the day stays old even in an hour a swarm dominates it
    remembered = len(key.members) or 1
    return {
        "active_members": float(active),
        "flagged_members": float(flagged),
        "young_share": key.young_members / remembered,
        "shaped_share": key.shaped_members / remembered,
        "shared_template_share": key.shared_share,
        "co_activity": key.co_activity,
    }


# A swarm is many accounts that share content or infrastructure, act together, and are new or ask
# for what distillation asks for. No one signal is a gate: a campaign whose accounts were created
# before the detector's history began is never young, but its members' own traffic is
# distillation-shaped. Old accounts behind one egress, a popular SDK's shared system prompt, or a
# cloud ASN full of unrelated customers each miss the "young" and the "shaped" halves.
_CLUSTER_WEIGHTS = {
    # well above the base rate of new customers (15-30% on a busy shared key)
    "young_share": (5.0, lambda f: clip((f["young_share"] - 0.3) / 0.5)),
    "shaped_share": (5.0, lambda f: clip((f["shaped_share"] - 0.3) / 0.5)),
    "shared_template_share": (2.0, lambda f: f["shared_template_share"]),
    "flagged_members": (2.0, lambda f: clip((f["flagged_members"] - 5.0) / 15.0)),
    "co_activity": (1.0, lambda f: clip(2.0 * f["co_activity"])),
}
_CLUSTER_BIAS = -6.5


def cluster_risk(features: dict[str, float]) -> tuple[float, list[Reason]]:
    """
    >>> swarm = {"active_members": 40, "flagged_members": 38, "young_share": 0.95, "shaped_share": 0.9,
    ...          "shared_template_share": 0.8, "co_activity": 0.5}
    >>> aged_swarm = dict(swarm, young_share=0.0)
    >>> office = dict(swarm, flagged_members=2, young_share=0.05, shaped_share=0.05,
    ...               shared_template_share=0.1)
    >>> cluster_risk(swarm)[0] > cluster_risk(aged_swarm)[0] > 0.7 > 0.1 > cluster_risk(office)[0]
    True
    """
    terms = [(name, w * fn(features)) for name, (w, fn) in _CLUSTER_WEIGHTS.items()]
    z = _CLUSTER_BIAS + sum(t for _, t in terms)
    total = sum(t for _, t in terms if t > 0) or 1.0
    reasons = [
        Reason(feature=name, value=round(features[name], 4), weight=round(t / total, 4))
        for name, t in sorted(terms, key=lambda p: -p[1])
        if t > 0
    ]
    return round(1.0 / (1.0 + math.exp(-z)), 4), reasons
