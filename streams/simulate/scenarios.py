"""Client behaviours for the simulator. Each yields schema-v1 events of one client in time order.

Every scenario draws its own parameters (rates, hours, sizes) from the client's random generator, so
no two clients of a kind look the same and the detector cannot be tuned to one fixed shape.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from streams.simulate import text

HOUR = 3600.0
DAY = 86400.0
RESIDENTIAL_ASNS = (7922, 3320, 2856, 12322, 4134, 22773)
CLOUD_ASNS = (16509, 14061, 24940, 396982, 8075)


@dataclass
class Client:
    client_id: str
    scenario: str
    label: str  # "extraction" or "benign"
    rng: random.Random
    created_at: float

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
        return {
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


def _poisson_times(rng: random.Random, start: float, end: float, rate_per_hour: Callable[[float], float]):
    """Event times of a Poisson process whose rate varies with time (thinning; rates <= 4000/h)."""
    ceiling = max(rate_per_hour(start + k * 900.0) for k in range(int((end - start) // 900) + 1))
    ceiling = max(ceiling, 1e-6)
    t = start
    while True:
        t += rng.expovariate(ceiling / HOUR)
        if t >= end:
            return
        if rng.random() * ceiling <= rate_per_hour(t):
            yield t


def _hour(ts: float) -> float:
    return (ts % DAY) / HOUR


def interactive(c: Client, start: float, end: float) -> Iterator[dict]:
    """A power user at a keyboard: working hours, sessions with pauses, varied chat, some retries."""
    rng = c.rng
    day_start, length, rate = rng.uniform(6, 11), rng.uniform(7, 10), rng.uniform(10, 40)
    favourite = rng.sample(text.TOPICS, 4)
    recent: list[str] = []

    def rate_at(ts: float) -> float:
        h = (_hour(ts) - day_start) % 24
        return rate * (0.5 + math.sin(math.pi * h / length) ** 2) if h < length else rate * 0.02

    for n, ts in enumerate(_poisson_times(rng, start, end, rate_at)):
        if recent and rng.random() < 0.15:
            prompt = rng.choice(recent)  # regenerate / retry the same message
        else:
            prompt = text.chat_prompt(rng, rng.choice(favourite))
            recent = (recent + [prompt])[-10:]
        completion = int(rng.lognormvariate(5.3, 0.7))
        yield c.event(
            n,
            ts,
            prompt=prompt,
            prompt_tokens=rng.randint(80, 3000),
            completion_tokens=completion,
            max_tokens=rng.choice([None, 1024, 2048, 4096]),
            temperature=rng.choice([None, 0.3, 0.7, 1.0]),
            stop_reason="end_turn",
            user_agent="chat-web/4.2",
            ip_pool=3,
            latency_ms=completion * 12.0,
        )


def batch_summariser(c: Client, start: float, end: float) -> Iterator[dict]:
    """A nightly job summarising documents: one template, long inputs, short outputs, fixed settings."""
    rng = c.rng
    night, docs, gap = rng.uniform(0, 4), rng.randint(400, 1500), rng.uniform(1.0, 3.0)
    n, day0 = 0, math.floor(start / DAY) * DAY
    for day in range(int((end - day0) // DAY) + 1):
        ts = day0 + day * DAY + night * HOUR
        for doc in range(docs):
            ts += rng.uniform(0.5, 1.5) * gap
            if start <= ts < end:
                yield c.event(
                    n,
                    ts,
                    prompt=text.document_prompt(rng, day * 10_000 + doc),
                    prompt_tokens=rng.randint(2000, 6000),
                    completion_tokens=rng.randint(80, 300),
                    max_tokens=400,
                    temperature=0.0,
                    stop_reason="end_turn",
                    user_agent="python-sdk/1.9",
                )
                n += 1


def eval_harness(c: Client, start: float, end: float) -> Iterator[dict]:
    """Reruns a fixed benchmark suite with step-by-step prompts every few hours (per model version)."""
    rng = c.rng
    topic = rng.choice(text.TOPICS)
    suite = [text.distillation_prompt(rng, topic, 1.0) for _ in range(rng.randint(80, 250))]
    every, phase, pace = rng.uniform(3, 8) * HOUR, rng.uniform(0, 3) * HOUR, rng.uniform(0.5, 2.0)
    n, run_start = 0, start + phase
    while run_start < end:
        ts = run_start
        for prompt in suite:
            ts += rng.expovariate(1.0 / pace)
            if ts >= end:
                return
            yield c.event(
                n,
                ts,
                prompt=prompt,
                prompt_tokens=rng.randint(100, 300),
                completion_tokens=rng.randint(300, 1500),
                max_tokens=2048,
                temperature=0.0,
                stop_reason="end_turn",
                user_agent="eval-runner/0.3",
                model=rng.choice(["frontier-large", "frontier-small"]),
            )
            n += 1
        run_start += every


def bulk_distillation(c: Client, start: float, end: float) -> Iterator[dict]:
    """Distillation around the clock: new prompts sweeping topics, long answers, cloud IPs, edge hashing."""
    rng = c.rng
    rate, reasoning = rng.uniform(300, 1500), rng.uniform(0.4, 0.9)
    max_tokens, temperature = rng.choice([2048, 4096, 8192]), rng.choice([0.7, 1.0])
    topics = rng.sample(text.TOPICS, rng.randint(8, 30))
    for n, ts in enumerate(_poisson_times(rng, start, end, lambda _t: rate)):
        completion = min(max_tokens, int(rng.lognormvariate(6.8, 0.5)))
        yield c.event(
            n,
            ts,
            prompt=text.distillation_prompt(rng, rng.choice(topics), reasoning),
            prompt_tokens=rng.randint(40, 160),
            completion_tokens=completion,
            max_tokens=max_tokens,
            temperature=temperature,
            stop_reason="max_tokens" if completion == max_tokens else "end_turn",
            status=429 if rng.random() < 0.03 else 200,
            user_agent="python-requests/2.32",
            ip_pool=12,
            cloud=True,
            key=rng.randrange(3),
        )


SCENARIOS: dict[str, tuple[str, Callable[[Client, float, float], Iterator[dict]], int]] = {
    # name: (label, generator, clients per simulation)
    "interactive": ("benign", interactive, 10),
    "batch_summariser": ("benign", batch_summariser, 3),
    "eval_harness": ("benign", eval_harness, 3),
    "bulk_distillation": ("extraction", bulk_distillation, 4),
}
