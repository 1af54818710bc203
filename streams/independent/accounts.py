"""An account under construction: its identity, the channels it sends through and its calls.

Scenario functions receive an Account, randomise its identity (age, keys, networks, which optional
fields its gateway forwards, rate-limit tier, retry policy) and append Calls to it. A Call is a
request as the client intended it; emit.py later decides what the service answered.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .catalog import World, latency_ms
from .network import IpPool
from .seeding import np_rng, py_rng, token_id
from .text_common import estimate_tokens
from .timing import DAY, Shape, in_pause, pick_time_zone

OPTIONAL_FIELDS = ("asn", "user_agent", "endpoint", "max_tokens", "temperature", "stop_reason", "latency_ms")


@dataclass
class Channel:
    """One way into the API: the keys, addresses, client library and endpoint a stream uses."""

    keys: list[str]
    ips: IpPool
    user_agent: str
    endpoint: str = "/v1/messages"

    def key(self, rng: random.Random) -> str:
        return self.keys[0] if len(self.keys) == 1 else rng.choice(self.keys)


class Call:
    """A request as sent. Fields mirror the event schema; status is decided in emit.py."""

    __slots__ = ("ts", "key", "ip", "asn", "user_agent", "endpoint", "model", "prompt", "prompt_tokens",
                 "completion_tokens", "max_tokens", "temperature", "stop_reason", "latency_ms")

    def __init__(self, **values: object):
        for name, value in values.items():
            setattr(self, name, value)


@dataclass
class Account:
    world: World
    scenario: str
    index: int
    attempt: int = 0  # a redraw of the same slot, used when an account ends up silent in the window
    rng: random.Random = field(init=False)
    nrng: np.random.Generator = field(init=False)
    client_id: str = field(init=False)
    created_at: float = field(init=False)
    send_created_at: bool = field(init=False)
    sends: frozenset[str] = field(init=False)
    rpm_limit: int = 1000
    max_retries: int = 2
    p_invalid: float = 0.003
    active_from: float = field(init=False)
    active_to: float = field(init=False)
    tz: float = field(init=False)
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = py_rng(self.world.seed, self.scenario, self.index, self.attempt)
        self.nrng = np_rng(self.world.seed, self.scenario, self.index, self.attempt, "arrivals")
        self.client_id = token_id(self.rng, "org_", 16)
        self.active_from, self.active_to = self.world.start, self.world.end
        self.aged()
        # Which optional fields reach the log: some gateways forward everything, some little.
        richness = self.rng.uniform(0.55, 1.1)
        self.sends = frozenset(f for f in OPTIONAL_FIELDS if self.rng.random() < richness)
        self.tz = pick_time_zone(self.rng)

    # identity -----------------------------------------------------------------------------------
    def aged(self, min_days: float = 30, max_days: float = 900) -> None:
        """An account opened long before the window (log-uniform age, most are months old)."""
        age = min_days * (max_days / min_days) ** self.rng.random()
        self.created_at = self.world.start - age * DAY
        self.send_created_at = self.rng.random() < 0.6

    def fresh(self, max_days_before: float, inside_share: float = 0.0) -> None:
        """A new account: opened a few days before the window, or inside it (and active from then)."""
        span = self.world.end - self.world.start
        if self.rng.random() < inside_share:
            self.created_at = self.world.start + self.rng.uniform(0, 0.7) * span
        else:
            self.created_at = self.world.start - self.rng.uniform(0.05, max_days_before) * DAY
        self.send_created_at = self.rng.random() < 0.6
        self.active_from = max(self.world.start, self.created_at + self.rng.uniform(60, 3600))

    def limits(self, rpm: int, retries: int, p_invalid: float) -> None:
        self.rpm_limit, self.max_retries, self.p_invalid = rpm, retries, p_invalid

    def tier(self) -> None:
        """A usage tier from public rate-limit tables (requests per minute per organisation)."""
        rng = self.rng
        rpm, retries = rng.choice([50, 1000, 2000, 4000, 4000]), rng.choice([0, 2, 2, 2, 3, 5])
        self.limits(rpm, retries, rng.uniform(0.0005, 0.008))

    def new_keys(self, count: int) -> list[str]:
        return [token_id(self.rng, "key_", 12) for _ in range(count)]

    def shape(self, kind: str, tz: float | None = None) -> Shape:
        return Shape(kind, self.tz if tz is None else tz, self.rng, self.world.start, self.world.end)

    @property
    def window(self) -> tuple[float, float]:
        return self.active_from, self.active_to

    # calls --------------------------------------------------------------------------------------
    def call(self, ts: float, channel: Channel, model: str, prompt: str, context_tokens: int,
             answer_tokens: int, max_tokens: int, temperature: float | None,
             stop_reason: str = "end_turn") -> Call:
        """Record one request; the answer is cut at max_tokens like the service would cut it."""
        rng = self.rng
        if answer_tokens >= max_tokens:
            answer_tokens, stop_reason = max_tokens, "max_tokens"
        answer_tokens = max(1, answer_tokens)
        prompt_tokens = estimate_tokens(prompt) + context_tokens
        ip, asn = channel.ips.pick(rng, ts)
        call = Call(ts=ts, key=channel.key(rng), ip=ip, asn=asn, user_agent=channel.user_agent,
                    endpoint=channel.endpoint, model=model, prompt=prompt, prompt_tokens=prompt_tokens,
                    completion_tokens=answer_tokens, max_tokens=max_tokens, temperature=temperature,
                    stop_reason=stop_reason, latency_ms=latency_ms(rng, model, prompt_tokens, answer_tokens))
        self.calls.append(call)
        return call


def lognormal_int(rng: random.Random, median: float, sigma: float, low: int = 1) -> int:
    """A positive heavy-tailed count (tokens, items) with the given median."""
    return max(low, int(median * rng.lognormvariate(0, sigma)))


def paced_workers(rng: random.Random, t0: float, t1: float, per_day: float, seconds_per_call: float,
                  make: Callable[[float], Call], gaps: list[tuple[float, float]] | None = None) -> None:
    """Worker loops sized for per_day calls: each sends, waits for the answer, sleeps, sends again.

    make(ts) must record a call (or a multi-call episode) and return the last call; its end paces
    the worker. Pauses (gaps) stop every worker until they end.
    """
    workers = max(1, math.ceil(per_day * seconds_per_call / DAY))
    idle = max(0.05, workers * DAY / per_day - seconds_per_call)
    for _ in range(workers):
        t = t0 + rng.uniform(0, 30)
        while t < t1:
            resume = in_pause(t, gaps) if gaps else None
            if resume is not None:
                t = resume + rng.uniform(0, 20)
                continue
            call = make(t)
            t = call.ts + call.latency_ms / 1000.0 + rng.uniform(0.5 * idle, 1.5 * idle)
