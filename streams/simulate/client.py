"""A simulated client: its identity, addresses and event envelope, and the point processes of its timing.

Every scenario draws its own parameters (rates, hours, sizes) from the client's random generator, so
no two clients of a kind look the same and the detector cannot be tuned to one fixed shape.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from streams.simulate import releases
from streams.simulate.hours import HOUR, RatePerHour

RESIDENTIAL_ASNS = (7922, 3320, 2856, 12322, 4134, 22773)
CLOUD_ASNS = (16509, 14061, 24940, 396982, 8075)
# HTTP clients and SDKs: scripts of both labels send these, so none of them says "extraction"
LIBRARY_AGENTS = (
    "python-requests/2.32",
    "python-httpx/0.27",
    "aiohttp/3.10",
    "node-fetch/3",
    "python-sdk/1.9",
    "typescript-sdk/0.30",
    "Go-http-client/1.1",
    "curl/8.5",
)
MS_PER_TOKEN = {releases.SMALL: 8.0, releases.CURRENT: 20.0, releases.NEWER: 16.0}


def library_agent(rng: random.Random) -> str:
    return rng.choice(LIBRARY_AGENTS)


def refusal_share(rng: random.Random) -> float:
    """Share of a busy client's requests refused with 429: none for most, a little for some, any label."""
    return 0.0 if rng.random() < 0.6 else rng.uniform(0.001, 0.03)


def status(rng: random.Random, refused: float) -> int:
    return 429 if refused and rng.random() < refused else 200


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
    endpoint: str = "/v1/messages"
    upgrades_at: float | None = None  # when it moves onto the newer model

    def ip(self, pool: int, cloud: bool) -> tuple[str, int]:
        """One of ``pool`` addresses owned by this client, with its ASN."""
        base = int(self.client_id[-6:], 16)
        i = self.rng.randrange(pool)
        asn = (CLOUD_ASNS if cloud else RESIDENTIAL_ASNS)[(base + i // 4) % 5]
        return (
            f"{(base >> 16) % 200 + 20}.{(base >> 8) % 250}.{(base + i // 8) % 250}.{(base + i) % 250 + 1}",
            asn,
        )

    def model(self, ts: float) -> str:
        return releases.model_at(self.upgrades_at, ts)

    def event(self, seq: int, ts: float, **fields) -> dict:
        """One schema-v1 event; ``ip_pool``, ``cloud`` and ``key`` choose the address and API key."""
        ip, asn = self.ip(fields.pop("ip_pool", 2), fields.pop("cloud", False))
        model = fields.pop("model", None) or self.model(ts)
        status = fields.pop("status", 200)
        if status == 200:
            latency = self.rng.uniform(150, 900) + fields["completion_tokens"] * MS_PER_TOKEN.get(model, 20.0)
        else:  # refused: no answer
            latency = self.rng.uniform(5, 60)
            fields.update(completion_tokens=0, stop_reason=None)
        event = {
            "event_id": f"{self.client_id}-{seq}",
            "ts": round(ts, 3),
            "client_id": self.client_id,
            "api_key_id": f"key_{self.client_id[-6:]}_{fields.pop('key', 0)}",
            "ip": ip,
            "asn": asn,
            "model": model,
            "status": status,
            "account_created_at": round(self.created_at, 3),
            "endpoint": self.endpoint,
            "latency_ms": round(latency, 1),
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
