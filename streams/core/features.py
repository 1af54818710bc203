"""Per-client features, updated in O(1) time and bounded memory per event, on event time only.

Each feature says what it catches; the README's feature table is the same list.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter, deque
from dataclasses import dataclass, field

from river.sketch import NUnique

from streams.core import sketches
from streams.core.records import Event
from streams.core.slotted import pickled_by_slots

_LN2 = math.log(2.0)
_ALPHA = 0.05  # event-weighted moving averages: roughly the last 20-40 events dominate
_RING = 32  # prompts remembered for near-duplicate and template reuse checks
_NEAR_DUP_BITS = 3  # SimHashes this close count as near-duplicates
_SMALL_SET = 32  # bound on the ASNs / API keys / IP counts kept as evidence per client
_SKETCH_ERROR = 0.1  # HyperLogLog (River's NUnique): 128 buckets, ~400 bytes pickled
_TOPIC_BITS = 5  # topic buckets: the top 5 bits of the SimHash (32 buckets)
_TOPIC_HALF_LIFE_EVENTS = 200.0  # the topic histogram follows roughly the last few hundred prompts
# Exact repeats of a suite larger than any ring are still seen by remembering a hash-chosen quarter of
# the prompts: a prompt is always sampled or never, so a rerun of a 1,000-prompt suite hits the ring.
_EXACT_SAMPLE_BELOW = 0x40  # first byte of sha256 below this: sampled (1/4)
_EXACT_RING = 256
_HOURS_HALF_LIFE_S = 2 * 86400.0  # hour-of-day histogram remembers about the last few days
_EVENNESS_HOURS = 3  # day_evenness compares 3-hour blocks, which smooths the noise of low rates
_STREAK_GAP_S = 900.0  # a pause longer than this ends a run of continuous activity
HALF_LIVES_S = {"10m": 600.0, "1h": 3600.0, "1d": 86400.0}
# A request is distillation-shaped when it asks for reasoning, or gets a long answer to a short prompt:
# judged per request, so a side stream shows as a count even where the account's averages hide it.
_LONG_ANSWER_TOKENS = 300
_LONG_ANSWER_RATIO = 2.0
_SUBSTREAMS = 8  # sub-streams (API key, user agent, network prefix) followed per client
_SUBSTREAM_MIN_EVENTS = 20.0  # a sub-stream's share counts once it has this much decayed traffic

FEATURE_NAMES = (
    "req_rate_10m",
    "req_rate_1h",
    "req_rate_1d",
    "prompt_tokens_rate_1h",
    "mean_prompt_tokens",
    "mean_completion_tokens",
    "completion_tokens_rate_1h",
    "completion_prompt_ratio",
    "share_max_tokens",
    "max_tokens_spread",
    "temperature_spread",
    "interarrival_cv",
    "burstiness",
    "hour_entropy",
    "day_evenness",
    "active_streak_h",
    "share_429",
    "near_duplicate_rate",
    "exact_repeat_rate",
    "template_reuse_rate",
    "prompt_novelty",
    "topic_coverage",
    "topic_entropy",
    "reasoning_share",
    "distinct_ips",
    "distinct_prefixes",
    "distinct_asns",
    "account_age_days",
    "distill_shaped_share",
    "distill_shaped_rate_1d",
    "substream_distill_share",
)


class _Ewm:
    """Event-weighted moving mean and variance."""

    __slots__ = ("mean", "var", "n")

    def __init__(self) -> None:
        self.mean = 0.0
        self.var = 0.0
        self.n = 0

    def update(self, x: float) -> None:
        if self.n == 0:
            self.mean = x
        else:
            delta = x - self.mean
            self.mean += _ALPHA * delta
            self.var = (1 - _ALPHA) * (self.var + _ALPHA * delta * delta)
        self.n += 1

    @property
    def std(self) -> float:
        return math.sqrt(self.var)


class _HashRing:
    """The last ``size`` 64-bit hashes, packed 8 bytes each (a deque of hex strings takes eight times
    that in a snapshot, and more in memory).

    >>> ring = _HashRing(2)
    >>> for h in (1, 2, 3):
    ...     ring.append(h)
    >>> 1 in ring, 3 in ring, len(ring)
    (False, True, 2)
    """

    __slots__ = ("size", "hashes")

    def __init__(self, size: int) -> None:
        self.size = size
        self.hashes = array("Q")

    def __contains__(self, h: int) -> bool:
        return h in self.hashes

    def __len__(self) -> int:
        return len(self.hashes)

    def append(self, h: int) -> None:
        if len(self.hashes) >= self.size:
            del self.hashes[0]
        self.hashes.append(h)


class _DecayedCount:
    """A count that halves every ``half_life`` seconds of event time: its rate is count*ln2/half_life."""

    __slots__ = ("value", "ts", "half_life")

    def __init__(self, half_life: float) -> None:
        self.value = 0.0
        self.ts = None
        self.half_life = half_life

    def add(self, ts: float, amount: float) -> None:
        if self.ts is not None and ts > self.ts:
            self.value *= 2.0 ** (-(ts - self.ts) / self.half_life)
        if self.ts is None or ts > self.ts:
            self.ts = ts
        self.value += amount

    def per_hour(self) -> float:
        return self.value * _LN2 / self.half_life * 3600.0


class _DecayedHistogram:
    """Bins whose old weight fades with a half-life in ``position`` units (seconds, or events).

    New weight grows by 2**(position/half_life) instead of every bin decaying: shares and entropy
    are scale-free, so this equals decaying all bins, at O(1) per update. The reference is rebased
    before floats overflow.
    """

    __slots__ = ("bins", "half_life", "ref")

    def __init__(self, size: int, half_life: float) -> None:
        self.bins = [0.0] * size
        self.half_life = half_life
        self.ref: float | None = None

    def add(self, index: int, position: float) -> None:
        if self.ref is None:
            self.ref = position
        growth = (position - self.ref) / self.half_life
        if growth > 30:
            scale = 2.0**-growth
            self.bins = [b * scale for b in self.bins]
            self.ref, growth = position, 0.0
        self.bins[index] += 2.0**growth

    def entropy(self) -> float:
        """Normalised to [0, 1]."""
        return _entropy(self.bins) / math.log(len(self.bins))

    def evenness(self, group: int) -> float:
        """Quietest over busiest sum of ``group`` adjacent bins: 1 for a flat cycle, 0 if any group is empty.

        >>> h = _DecayedHistogram(24, 1e9)
        >>> for hour in range(24):
        ...     h.add(hour, 0.0)
        >>> h.evenness(3), _DecayedHistogram(24, 1e9).evenness(3)
        (1.0, 0.0)
        """
        sums = [sum(self.bins[i : i + group]) for i in range(0, len(self.bins), group)]
        busiest = max(sums)
        return min(sums) / busiest if busiest > 0 else 0.0

    def coverage(self) -> float:
        """Share of bins holding at least a quarter of an even share of the weight."""
        total = sum(self.bins)
        if total <= 0:
            return 0.0
        floor = total / len(self.bins) / 4
        return sum(1 for b in self.bins if b >= floor) / len(self.bins)


def distillation_shaped(e: Event) -> bool:
    """Does this one request look like harvesting an answer?

    >>> from streams.core.records import Event
    >>> base = dict(event_id="e", ts=0.0, client_id="c", api_key_id="k", ip="10.0.0.1", model="m", status=200)
    >>> distillation_shaped(Event(**base, prompt_tokens=80, completion_tokens=900))
    True
    >>> distillation_shaped(Event(**base, prompt_tokens=3000, completion_tokens=900))
    False
    """
    if e.asks_reasoning:
        return True
    return e.completion_tokens >= _LONG_ANSWER_TOKENS and e.completion_tokens >= _LONG_ANSWER_RATIO * (
        e.prompt_tokens + 1
    )


class _SubStreams:
    """The distillation-shaped share of each of a client's busiest sub-streams (API key, user agent,
    network prefix), at most ``_SUBSTREAMS``: a siphon through one key or client library stands out
    from the app around it. Each keeps a decayed event count (half-life 1 h); when full, the least
    active is evicted, so one-off prefixes churn among themselves and steady streams stay.

    >>> s = _SubStreams()
    >>> for i in range(90):
    ...     s.add(["k:app", "u:app/1"], float(i), False)
    ...     if i % 3 == 0:
    ...         s.add(["k:app", "u:python-requests"], float(i), True)
    >>> s.max_share() > 0.9
    True
    """

    __slots__ = ("streams",)

    def __init__(self) -> None:
        self.streams: dict[str, list[float]] = {}  # key -> [decayed count, count ts, shaped share]

    def add(self, keys: list[str], ts: float, shaped: bool) -> None:
        for key in keys:
            entry = self.streams.get(key)
            if entry is None:
                if len(self.streams) >= _SUBSTREAMS:
                    del self.streams[min(self.streams, key=lambda k: (self._count(k, ts), k))]
                entry = self.streams[key] = [0.0, ts, 1.0 if shaped else 0.0]
            entry[0] = self._count(key, ts) + 1.0
            entry[1] = max(entry[1], ts)
            entry[2] += _ALPHA * ((1.0 if shaped else 0.0) - entry[2])

    def _count(self, key: str, ts: float) -> float:
        count, at, _ = self.streams[key]
        return count * 2.0 ** (-max(0.0, ts - at) / 3600.0)

    def max_share(self) -> float:
        shares = [share for count, _, share in self.streams.values() if count >= _SUBSTREAM_MIN_EVENTS]
        return max(shares, default=0.0)


def _remember(small_set: dict[str, None], value: str | None) -> None:
    if value is not None and value not in small_set and len(small_set) < _SMALL_SET:
        small_set[value] = None


def ip_prefix(ip: str) -> str:
    """The /24 of an IPv4 address, or the /48 of an IPv6 one.

    >>> ip_prefix("203.0.113.7"), ip_prefix("2001:db8:1:2::1")
    ('203.0.113', '2001:db8:1')
    """
    if ":" in ip:
        return ":".join(ip.split(":")[:3])
    return ip.rsplit(".", 1)[0]


@pickled_by_slots
@dataclass(slots=True)
class ClientFeatures:
    """Everything remembered about one client. Bounded: rings and small sets have fixed caps."""

    first_ts: float
    last_ts: float
    events: int = 0
    requests: dict[str, _DecayedCount] = field(
        default_factory=lambda: {k: _DecayedCount(h) for k, h in HALF_LIVES_S.items()}
    )
    prompt_tokens: _DecayedCount = field(default_factory=lambda: _DecayedCount(3600.0))
    completion_tokens: _DecayedCount = field(default_factory=lambda: _DecayedCount(3600.0))
    at_max_tokens: _Ewm = field(default_factory=_Ewm)
    log_max_tokens: _Ewm = field(default_factory=_Ewm)
    temperature: _Ewm = field(default_factory=_Ewm)
    interarrival: _Ewm = field(default_factory=_Ewm)
    hours: _DecayedHistogram = field(default_factory=lambda: _DecayedHistogram(24, _HOURS_HALF_LIFE_S))
    streak_start: float = 0.0
    rate_limited: _Ewm = field(default_factory=_Ewm)
    near_duplicate: _Ewm = field(default_factory=_Ewm)
    exact_repeat: _Ewm = field(default_factory=_Ewm)
    template_reuse: _Ewm = field(default_factory=_Ewm)
    reasoning: _Ewm = field(default_factory=_Ewm)
    simhashes: deque = field(default_factory=lambda: deque(maxlen=_RING))
    templates: deque = field(default_factory=lambda: deque(maxlen=_RING))
    exact: _HashRing = field(default_factory=lambda: _HashRing(_EXACT_RING))  # first 64 bits of sha256
    prompts: int = 0
    distinct_prompts: NUnique = field(default_factory=lambda: sketches.n_unique(_SKETCH_ERROR, seed=1))
    topics: _DecayedHistogram = field(
        default_factory=lambda: _DecayedHistogram(1 << _TOPIC_BITS, _TOPIC_HALF_LIFE_EVENTS)
    )
    ips: NUnique = field(default_factory=lambda: sketches.n_unique(_SKETCH_ERROR, seed=2))
    prefixes: NUnique = field(default_factory=lambda: sketches.n_unique(_SKETCH_ERROR, seed=3))
    asns: dict[str, None] = field(default_factory=dict)
    api_keys: dict[str, None] = field(default_factory=dict)
    ip_counts: Counter = field(default_factory=Counter)
    recent_event_ids: deque = field(default_factory=lambda: deque(maxlen=5))
    account_created_at: float | None = None
    shaped: _Ewm = field(default_factory=_Ewm)
    shaped_count: _DecayedCount = field(default_factory=lambda: _DecayedCount(86400.0))
    substreams: _SubStreams = field(default_factory=_SubStreams)

    @classmethod
    def start(cls, event: Event) -> ClientFeatures:
        return cls(first_ts=event.ts, last_ts=event.ts, streak_start=event.ts)

    def update(self, e: Event) -> None:
        if self.events:
            gap = max(0.0, e.ts - self.last_ts)
            self.interarrival.update(gap)
            if gap > _STREAK_GAP_S:
                self.streak_start = e.ts
        self.last_ts = max(self.last_ts, e.ts)
        self.events += 1
        for counter in self.requests.values():
            counter.add(e.ts, 1.0)
        self.prompt_tokens.add(e.ts, e.prompt_tokens)
        self.completion_tokens.add(e.ts, e.completion_tokens)
        self.at_max_tokens.update(1.0 if e.stop_reason == "max_tokens" else 0.0)
        if e.max_tokens is not None:
            self.log_max_tokens.update(math.log(e.max_tokens))
        if e.temperature is not None:
            self.temperature.update(e.temperature)
        self.hours.add(int(e.ts // 3600) % 24, e.ts)
        self.rate_limited.update(1.0 if e.status == 429 else 0.0)
        self._update_content(e)
        prefix = ip_prefix(e.ip)
        sketches.add(self.ips, e.ip)
        sketches.add(self.prefixes, prefix)
        _remember(self.asns, None if e.asn is None else str(e.asn))
        _remember(self.api_keys, e.api_key_id)
        if e.ip in self.ip_counts or len(self.ip_counts) < _SMALL_SET:
            self.ip_counts[e.ip] += 1
        self.recent_event_ids.append(e.event_id)
        if e.account_created_at is not None:
            self.account_created_at = e.account_created_at
        shaped = distillation_shaped(e)
        self.shaped.update(1.0 if shaped else 0.0)
        self.shaped_count.add(e.ts, 1.0 if shaped else 0.0)
        self.substreams.add([f"k:{e.api_key_id}", f"u:{e.user_agent}", f"n:{prefix}"], e.ts, shaped)

    def _update_content(self, e: Event) -> None:
        if e.prompt_sha256 is not None:
            self.prompts += 1
            sketches.add(self.distinct_prompts, e.prompt_sha256[:16])
        if e.prompt_simhash is not None:
            h = e.prompt_simhash
            self.topics.add(h >> (64 - _TOPIC_BITS), self.prompts)
            # the closest of the ring, computed in C (a generator costs a Python frame per entry)
            near = min(map(int.bit_count, map(h.__xor__, self.simhashes)), default=64) <= _NEAR_DUP_BITS
            self.near_duplicate.update(1.0 if near else 0.0)
            self.simhashes.append(e.prompt_simhash)
        if e.prompt_sha256 is not None and int(e.prompt_sha256[:2], 16) < _EXACT_SAMPLE_BELOW:
            prefix = int(e.prompt_sha256[:16], 16)  # a repeat of 64 bits of sha256 is a repeat
            self.exact_repeat.update(1.0 if prefix in self.exact else 0.0)
            self.exact.append(prefix)
        if e.template is not None:
            self.template_reuse.update(1.0 if e.template in self.templates else 0.0)
            self.templates.append(e.template)
        if e.asks_reasoning is not None:
            self.reasoning.update(1.0 if e.asks_reasoning else 0.0)

    def vector(self) -> dict[str, float]:
        """The full feature set, always with every key (HalfSpaceTrees builds its trees from the first)."""
        inter = self.interarrival
        mean, std = inter.mean, inter.std
        prompt = self.prompt_tokens.value
        age = (self.last_ts - self.account_created_at) / 86400.0 if self.account_created_at else -1.0
        return {
            "req_rate_10m": self.requests["10m"].per_hour(),
            "req_rate_1h": self.requests["1h"].per_hour(),
            "req_rate_1d": self.requests["1d"].per_hour(),
            "prompt_tokens_rate_1h": self.prompt_tokens.per_hour(),
            # same half-life as the 1 h request count, so the ratio is a recent mean per request
            "mean_prompt_tokens": prompt / max(self.requests["1h"].value, 1e-9),
            "mean_completion_tokens": self.completion_tokens.value / max(self.requests["1h"].value, 1e-9),
            "completion_tokens_rate_1h": self.completion_tokens.per_hour(),
            "completion_prompt_ratio": self.completion_tokens.value / (prompt + 1.0),
            "share_max_tokens": self.at_max_tokens.mean,
            "max_tokens_spread": self.log_max_tokens.std,
            "temperature_spread": self.temperature.std,
            "interarrival_cv": std / mean if mean > 0 else 0.0,
            "burstiness": (std - mean) / (std + mean) if std + mean > 0 else 0.0,
            "hour_entropy": self.hours.entropy(),
            "day_evenness": self.hours.evenness(_EVENNESS_HOURS),
            "active_streak_h": (self.last_ts - self.streak_start) / 3600.0,
            "share_429": self.rate_limited.mean,
            "near_duplicate_rate": self.near_duplicate.mean,
            "exact_repeat_rate": self.exact_repeat.mean,
            "template_reuse_rate": self.template_reuse.mean,
            "prompt_novelty": min(1.0, self.distinct_prompts.get() / self.prompts) if self.prompts else 1.0,
            "topic_coverage": self.topics.coverage(),
            "topic_entropy": self.topics.entropy(),
            "reasoning_share": self.reasoning.mean,
            "distinct_ips": float(self.ips.get()),
            "distinct_prefixes": float(self.prefixes.get()),
            "distinct_asns": float(len(self.asns)),
            "account_age_days": age,
            "distill_shaped_share": self.shaped.mean,
            "distill_shaped_rate_1d": self.shaped_count.per_hour() * 24.0,
            "substream_distill_share": self.substreams.max_share(),
        }

    def evidence(self) -> dict[str, list]:
        return {
            "api_key_ids": list(self.api_keys)[:5],
            "top_ips": [ip for ip, _ in self.ip_counts.most_common(5)],
            "top_asns": [int(a) for a in list(self.asns)[:5]],
            "sample_event_ids": list(self.recent_event_ids),
        }


def _entropy(weights: list[float]) -> float:
    total = sum(weights)
    if total <= 0:
        return 0.0
    return -sum(w / total * math.log(w / total) for w in weights if w > 0)
