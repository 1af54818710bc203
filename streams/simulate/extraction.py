"""Extraction clients: each yields schema-v1 events of one client in time order."""

from __future__ import annotations

import heapq
from collections.abc import Iterator

from streams.simulate import benign, text
from streams.simulate.client import (
    HOUR,
    Client,
    DistillationStyle,
    bursts,
    poisson_times,
    working_hours,
)


def bulk_distillation(c: Client, start: float, end: float) -> Iterator[dict]:
    """Distillation around the clock: new prompts sweeping topics, long answers, cloud IPs."""
    rng = c.rng
    style, rate = DistillationStyle.draw(rng), rng.uniform(200, 1000)
    keys, pool = rng.randint(1, 5), rng.choice([1, 4, 12, 40])
    for n, ts in enumerate(poisson_times(rng, start, end, lambda _t: rate)):
        status = 429 if rng.random() < 0.03 else 200
        yield style.event(
            c,
            n,
            ts,
            status=status,
            user_agent="python-requests/2.32",
            ip_pool=pool,
            cloud=True,
            key=rng.randrange(keys),
        )


def low_and_slow(c: Client, start: float, end: float) -> Iterator[dict]:
    """Distillation kept under rate limits: tens of requests an hour, for days, through a few keys."""
    rng = c.rng
    style, rate = DistillationStyle.draw(rng), rng.uniform(15, 60)
    keys, cloud = rng.randint(1, 4), rng.random() < 0.5
    for n, ts in enumerate(poisson_times(rng, start, end, lambda _t: rate)):
        yield style.event(
            c,
            n,
            ts,
            user_agent="python-httpx/0.27",
            ip_pool=rng.choice([1, 8]),
            cloud=cloud,
            key=rng.randrange(keys),
        )


def mimicry(c: Client, start: float, end: float) -> Iterator[dict]:
    """Distillation dressed as a person: office hours, human phrasing, retries, varied settings."""
    rng = c.rng
    style = DistillationStyle.draw(rng, topics=(10, 30))
    recent: list[str] = []
    for n, ts in enumerate(poisson_times(rng, start, end, working_hours(rng, rng.uniform(15, 60)))):
        if recent and rng.random() < 0.1:
            prompt = rng.choice(recent)
        else:
            prompt = text.human_distillation_prompt(rng, rng.choice(style.topics))
            recent = (recent + [prompt])[-10:]
        yield style.event(
            c,
            n,
            ts,
            prompt=prompt,
            user_agent="chat-web/4.2",
            ip_pool=3,
            temperature=rng.choice([None, 0.7, 1.0]),
        )


def burst_then_pause(c: Client, start: float, end: float) -> Iterator[dict]:
    """Distillation in bursts as fast as allowed, past the rate limit (429s), then a pause."""
    rng = c.rng
    style = DistillationStyle.draw(rng)
    limited = rng.uniform(0.3, 0.7)  # share of a burst's requests refused with 429
    gap = HOUR / rng.uniform(2000, 6000)
    times = bursts(rng, start, end, (60, 400), (gap * 0.5, gap * 1.5), (900.0, 5400.0))
    for n, ts in enumerate(times):
        status = 429 if rng.random() < limited else 200
        yield style.event(c, n, ts, status=status, user_agent="aiohttp/3.10", ip_pool=12, cloud=True)


def topic_sweep(c: Client, start: float, end: float) -> Iterator[dict]:
    """A systematic grid, topic by topic: every concept of a topic in every question form, then the next."""
    rng = c.rng
    style = DistillationStyle.draw(rng, topics=(15, 40))
    concepts = [f"{a} {b}" for a in text.WORDS[::3] for b in text.WORDS[1::4]]
    rng.shuffle(concepts)
    per_topic, rate = rng.randint(20, 60), rng.uniform(100, 600)
    grid = (
        (t, k, f) for t in style.topics for k in concepts[:per_topic] for f in range(len(text.QUESTION_FORMS))
    )
    for n, ts in enumerate(poisson_times(rng, start, end, lambda _t: rate)):
        cell = next(grid, None)
        if cell is None:
            return
        yield style.event(
            c, n, ts, prompt=text.grid_prompt(*cell), user_agent="python-requests/2.32", ip_pool=4, cloud=True
        )


def task_leeching(c: Client, start: float, end: float) -> Iterator[dict]:
    """Harvesting one narrow skill: one task template, new inputs every time, short answers, for days."""
    rng = c.rng
    task, rate = rng.randrange(len(text.LEECH_TASKS)), rng.uniform(150, 800)
    for n, ts in enumerate(poisson_times(rng, start, end, lambda _t: rate)):
        yield c.event(
            n,
            ts,
            prompt=text.leech_prompt(rng, task),
            prompt_tokens=rng.randint(30, 200),
            completion_tokens=rng.randint(5, 120),
            max_tokens=256,
            temperature=0.0,
            stop_reason="end_turn",
            user_agent="python-requests/2.32",
            ip_pool=rng.choice([1, 6]),
            cloud=True,
        )


def siphon(share: float):
    """A real consumer app whose key also carries distillation traffic at ``share`` of the app's volume."""

    def scenario(c: Client, start: float, end: float) -> Iterator[dict]:
        rng = c.rng
        style = DistillationStyle.draw(rng)
        app = list(benign.consumer_app(c, start, end))
        rate = len(app) / ((end - start) / HOUR) * share
        side = (
            style.event(c, n, ts, user_agent="app-backend/2.1", ip_pool=4, cloud=True)
            for n, ts in enumerate(poisson_times(rng, start, end, lambda _t: rate))
        )
        for n, event in enumerate(heapq.merge(app, side, key=lambda e: e["ts"])):
            event["event_id"] = f"{c.client_id}-{n}"
            yield event

    scenario.__doc__ = siphon.__doc__
    return scenario
