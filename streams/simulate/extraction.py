"""Extraction clients: each yields schema-v1 events of one client in time order.

Each scenario fixes only what defines it (volume, bursts, grid, siphoning); how the distiller phrases its
prompts, its settings, answer lengths and hours are drawn per client (``style.DistillationStyle``), so
that the scenarios cover many imagined shapes of extraction instead of one.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator

from streams.simulate import benign, hours, text
from streams.simulate.client import HOUR, Client, bursts, library_agent, poisson_times, status
from streams.simulate.hours import working_hours
from streams.simulate.knobs import Knobs
from streams.simulate.style import DistillationStyle
from streams.simulate.templates import GRID_FORMS, LEVELS, Template, grid_slot

STEADY_SHARE = 0.35  # low-and-slow distillers that send 300-600 a day through one template, all day
HUMAN_SHARE = 0.6  # mimics that type their questions; the rest retype their templates casually
ONE_TEMPLATE_SWEEP = 0.5  # topic sweeps that go through one template rather than the question forms


def bulk_distillation(c: Client, start: float, end: float) -> Iterator[dict]:
    """Distillation at volume: 200-1,000 requests an hour while active, new prompts, mostly cloud IPs."""
    rng = c.rng
    style, rate = DistillationStyle.draw(rng), rng.uniform(200, 1000)
    keys, pool, cloud = rng.randint(1, 5), rng.choice([1, 4, 12, 40, 200]), rng.random() < 0.85
    refused = rng.uniform(0.0, 0.06)
    for n, ts in enumerate(poisson_times(rng, start, end, style.rate(rate))):
        yield style.event(
            c, n, ts, status=status(rng, refused), ip_pool=pool, cloud=cloud, key=rng.randrange(keys)
        )


def low_and_slow(c: Client, start: float, end: float) -> Iterator[dict]:
    """Distillation kept under rate limits for days, through a few keys.

    Either 15-60 requests an hour in the distiller's hours, or (``STEADY_SHARE``) 300-600 a day
    (12.5-25 an hour) around the clock through one template: too slow to stand out by volume.
    """
    rng = c.rng
    if rng.random() < STEADY_SHARE:
        style = DistillationStyle.draw(rng, modes=(0.0, 1.0, 0.0), active=hours.always)
        rate = rng.uniform(12.5, 25)
    else:
        style, rate = DistillationStyle.draw(rng), rng.uniform(15, 60)
    keys, cloud, pool = rng.randint(1, 4), rng.random() < 0.5, rng.choice([1, 8])
    for n, ts in enumerate(poisson_times(rng, start, end, style.rate(rate))):
        yield style.event(c, n, ts, ip_pool=pool, cloud=cloud, key=rng.randrange(keys))


def mimicry(c: Client, start: float, end: float) -> Iterator[dict]:
    """Distillation dressed as a person: a region's office hours, human phrasing, retries, a browser."""
    rng = c.rng
    style = DistillationStyle.draw(rng, topics=(10, 30))
    human, retry = rng.random() < HUMAN_SHARE, rng.uniform(0.03, 0.15)
    agent = rng.choice(["chat-web/4.2", "chat-web/4.2", "office-plugin/3.1", style.agent])
    recent: list[str] = []
    for n, ts in enumerate(poisson_times(rng, start, end, working_hours(rng, rng.uniform(15, 60)))):
        if recent and rng.random() < retry:
            prompt = rng.choice(recent)
        else:
            topic = rng.choice(style.topics)
            if human:
                prompt = text.human_distillation_prompt(rng, topic)
            else:
                prompt = text.casual(rng, style.phrasing.prompt(rng, topic))
            recent = (recent + [prompt])[-10:]
        yield style.event(c, n, ts, prompt=prompt, user_agent=agent, ip_pool=3)


def burst_then_pause(c: Client, start: float, end: float) -> Iterator[dict]:
    """Distillation in bursts of 60-400 calls at 2,000-6,000 an hour, past the rate limit (30-70% refused
    with 429), then a pause of 15-90 minutes; each client draws its own sizes and pauses in those ranges."""
    rng = c.rng
    style = DistillationStyle.draw(rng)
    limited = rng.uniform(0.3, 0.7)  # share of a burst's requests refused with 429
    gap = HOUR / rng.uniform(2000, 6000)
    fewest, shortest = rng.randint(60, 200), rng.uniform(900, 3000)
    size, pause = (fewest, rng.randint(fewest, 400)), (shortest, rng.uniform(shortest, 5400))
    pool, cloud = rng.choice([4, 12, 40]), rng.random() < 0.85
    times = bursts(rng, start, end, size, (gap * 0.5, gap * 1.5), pause, active=style.active)
    for n, ts in enumerate(times):
        yield style.event(c, n, ts, status=status(rng, limited), ip_pool=pool, cloud=cloud)


def topic_sweep(c: Client, start: float, end: float) -> Iterator[dict]:
    """A systematic grid, topic by topic: every concept of a topic in every form, then the next topic.

    Some sweeps ask each cell in the question forms; others (``ONE_TEMPLATE_SWEEP``) put each cell of a
    topic x concept x level x form grid through one template's slot.
    """
    rng = c.rng
    style = DistillationStyle.draw(rng, topics=(15, 40))
    concepts = [f"{a} {b}" for a in text.WORDS[::3] for b in text.WORDS[1::4]]
    rng.shuffle(concepts)
    per_topic, rate = rng.randint(20, 60), rng.uniform(100, 600)
    cells = concepts[:per_topic]
    if rng.random() < ONE_TEMPLATE_SWEEP:
        template = Template.compose(rng, rng.choice(("explain", "reasoning", "coding")))
        prompts = (
            template.fill(rng, t, grid_slot(t, k, level, form))
            for t in style.topics
            for k in cells
            for level in range(len(LEVELS))
            for form in range(len(GRID_FORMS))
        )
    else:
        prompts = (
            text.grid_prompt(t, k, form)
            for t in style.topics
            for k in cells
            for form in range(len(text.QUESTION_FORMS))
        )
    for n, ts in enumerate(poisson_times(rng, start, end, style.rate(rate))):
        prompt = next(prompts, None)
        if prompt is None:
            return
        yield style.event(c, n, ts, prompt=prompt, ip_pool=4, cloud=True)


def task_leeching(c: Client, start: float, end: float) -> Iterator[dict]:
    """Harvesting one narrow skill: one to three task templates, new inputs every time, short answers."""
    rng = c.rng
    tasks = rng.sample(range(len(text.LEECH_TASKS)), 1 if rng.random() < 0.7 else rng.randint(2, 3))
    knobs = Knobs.draw(rng, 0.85, answer_log_mean=(3.0, 4.5), max_tokens=(64, 128, 256, 512), sent_share=0.7)
    rate, active, agent, pool = rng.uniform(150, 800), hours.draw(rng), library_agent(rng), rng.choice([1, 6])
    for n, ts in enumerate(poisson_times(rng, start, end, lambda t: rate * active(t))):
        yield c.event(
            n,
            ts,
            prompt=text.leech_prompt(rng, rng.choice(tasks)),
            prompt_tokens=rng.randint(30, 200),
            **knobs.fields(rng),
            user_agent=agent,
            ip_pool=pool,
            cloud=True,
        )


def siphon(share: float):
    """A real consumer app whose key also carries distillation traffic at ``share`` of the app's volume."""

    def scenario(c: Client, start: float, end: float) -> Iterator[dict]:
        rng = c.rng
        style = DistillationStyle.draw(rng)
        app = list(benign.consumer_app(c, start, end))
        # most siphons hide in the app's own traffic; some send from their own script
        agent = app[0].get("user_agent") if app and rng.random() < 0.7 else style.agent
        rate = len(app) / ((end - start) / HOUR) * share / _mean(style.active, start, end)
        side = (
            style.event(c, n, ts, user_agent=agent, ip_pool=4, cloud=True)
            for n, ts in enumerate(poisson_times(rng, start, end, style.rate(rate)))
        )
        for n, event in enumerate(heapq.merge(app, side, key=lambda e: e["ts"])):
            event["event_id"] = f"{c.client_id}-{n}"
            yield event

    scenario.__doc__ = siphon.__doc__
    return scenario


def _mean(active: hours.Activity, start: float, end: float) -> float:
    """The average of ``active`` over a window, sampled every 15 minutes (at least a small floor)."""
    samples = [active(start + k * 900.0) for k in range(max(1, int((end - start) // 900)))]
    return max(sum(samples) / len(samples), 0.05)
