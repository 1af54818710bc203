"""A simulated client, and the timing shapes its scenarios are built from.

Every scenario draws its own parameters (rates, hours, sizes) from the client's random generator, so
no two clients of a kind look the same and the detector cannot be tuned to one fixed shape.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from streams.simulate import text

HOUR = 3600.0
DAY = 86400.0
RESIDENTIAL_ASNS = (7922, 3320, 2856, 12322, 4134, 22773)
CLOUD_ASNS = (16509, 14061, 24940, 396982, 8075)
# optional schema-v1 fields a client's gateway may never send
OPTIONAL_FIELDS = ("max_tokens", "temperature", "stop_reason", "account_created_at", "user_agent", "asn")

RatePerHour = Callable[[float], float]


@dataclass
class Client:
    client_id: str
    scenario: str
    label: str  # "extraction" or "benign"
    rng: random.Random
    created_at: float
    omitted: frozenset[str] = field(default_factory=frozenset)
    group: str | None = None  # accounts of one group share what a generator seeded by it draws
    group_size: int = 1

    def ip(self, pool: int, cloud: bool) -> tuple[str, int]:
        """One of ``pool`` addresses owned by this client, with its ASN."""
        base = int(self.client_id[-6:], 16)
        i = self.rng.randrange(pool)
        asn = (CLOUD_ASNS if cloud else RESIDENTIAL_ASNS)[(base + i // 4) % 5]
        return (
            f"{(base >> 16) % 200 + 20}.{(base >> 8) % 250}.{(base + i // 8) % 250}.{(base + i) % 250 + 1}",
            asn,
        )

    def event(self, seq: int, ts: float, **fields) -> dict:
        ip, asn = self.ip(fields.pop("ip_pool", 2), fields.pop("cloud", False))
        event = {
            "event_id": f"{self.client_id}-{seq}",
            "ts": round(ts, 3),
            "client_id": self.client_id,
            "api_key_id": f"key_{self.client_id[-6:]}_{fields.pop('key', 0)}",
            "ip": ip,
            "asn": asn,
            "model": fields.pop("model", "frontier-large"),
            "status": fields.pop("status", 200),
            "account_created_at": round(self.created_at, 3),
            **fields,
        }
        for name in self.omitted:
            event.pop(name, None)
        return event


def poisson_times(
    rng: random.Random, start: float, end: float, rate_per_hour: RatePerHour
) -> Iterator[float]:
    """Event times of a Poisson process whose rate varies with time (thinning).

    >>> list(poisson_times(random.Random(1), 100.0, 50.0, lambda _t: 10.0))  # starts after the end
    []
    """
    if end <= start:
        return
    ceiling = max(rate_per_hour(start + k * 900.0) for k in range(int((end - start) // 900) + 1))
    ceiling = max(ceiling, 1e-6)
    t = start
    while True:
        t += rng.expovariate(ceiling / HOUR)
        if t >= end:
            return
        if rng.random() * ceiling <= rate_per_hour(t):
            yield t


def hour_of_day(ts: float) -> float:
    return (ts % DAY) / HOUR


def working_hours(rng: random.Random, rate: float) -> RatePerHour:
    """A person's (or an office's) day: a hump over 7-10 working hours starting 6-11 UTC, quiet nights."""
    day_start, length = rng.uniform(6, 11), rng.uniform(7, 10)

    def rate_at(ts: float) -> float:
        h = (hour_of_day(ts) - day_start) % 24
        return rate * (0.5 + math.sin(math.pi * h / length) ** 2) if h < length else rate * 0.02

    return rate_at


def diurnal(rng: random.Random, rate: float) -> RatePerHour:
    """Many end users around the clock: busier in their daytime, never silent."""
    peak, swing = rng.uniform(0, 24), rng.uniform(0.2, 0.9)

    def rate_at(ts: float) -> float:
        return rate * (1 + swing * math.cos(2 * math.pi * (hour_of_day(ts) - peak) / 24))

    return rate_at


def bursts(
    rng: random.Random,
    start: float,
    end: float,
    size: tuple[int, int],
    gap_s: tuple[float, float],
    pause_s: tuple[float, float],
    active: RatePerHour | None = None,
) -> Iterator[float]:
    """Bursts of ``size`` calls ``gap_s`` apart, separated by pauses; ``active`` (0..1) thins bursts."""
    t = start + rng.uniform(*pause_s)
    while t < end:
        if active is None or rng.random() < active(t):
            for _ in range(rng.randint(*size)):
                t += rng.uniform(*gap_s)
                if t >= end:
                    return
                yield t
        t += rng.uniform(*pause_s)


@dataclass(frozen=True)
class DistillationStyle:
    """How one distiller asks: drawn per client, so distillers differ from each other."""

    topics: tuple[str, ...]
    reasoning: float
    max_tokens: int
    temperature: float
    answer_log_mean: float

    @classmethod
    def draw(cls, rng: random.Random, topics: tuple[int, int] = (8, 30)) -> DistillationStyle:
        return cls(
            topics=tuple(rng.sample(text.TOPICS, rng.randint(*topics))),
            reasoning=rng.uniform(0.2, 0.9),
            max_tokens=rng.choice([2048, 4096, 8192]),
            temperature=rng.choice([0.0, 0.7, 1.0]),
            answer_log_mean=rng.uniform(6.0, 7.2),
        )

    def event(self, c: Client, seq: int, ts: float, prompt: str | None = None, **fields) -> dict:
        rng = c.rng
        completion = min(self.max_tokens, int(rng.lognormvariate(self.answer_log_mean, 0.5)))
        if fields.get("status") == 429:
            completion = 0
        defaults = {
            "prompt": prompt or text.distillation_prompt(rng, rng.choice(self.topics), self.reasoning),
            "prompt_tokens": rng.randint(40, 200),
            "completion_tokens": completion,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "stop_reason": "max_tokens" if completion == self.max_tokens else "end_turn",
        }
        return c.event(seq, ts, **{**defaults, **fields})
