"""Benign clients, heavy users included: each yields schema-v1 events of one client in time order."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator

from streams.simulate import text
from streams.simulate.client import (
    DAY,
    HOUR,
    Client,
    bursts,
    diurnal,
    poisson_times,
    working_hours,
)


def interactive(c: Client, start: float, end: float) -> Iterator[dict]:
    """A power user at a keyboard: working hours, sessions with pauses, varied chat, some retries."""
    rng = c.rng
    favourite = rng.sample(text.TOPICS, 4)
    recent: list[str] = []
    for n, ts in enumerate(poisson_times(rng, start, end, working_hours(rng, rng.uniform(10, 40)))):
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
    """Reruns a fixed benchmark suite with step-by-step prompts every few hours, against two models."""
    rng = c.rng
    suite_name = rng.choice(text.TOPICS)
    suite = [text.benchmark_item(rng, suite_name, i) for i in range(rng.randint(100, 800))]
    every, phase, pace = rng.uniform(3, 12) * HOUR, rng.uniform(0, 3) * HOUR, rng.uniform(0.3, 2.0)
    n, run_start = 0, start + phase
    while run_start < end:
        ts = run_start
        model = rng.choice(["frontier-large", "frontier-small"])
        for prompt in suite:
            ts += rng.expovariate(1.0 / pace)
            if ts >= end:
                return
            yield c.event(
                n,
                ts,
                prompt=prompt,
                prompt_tokens=rng.randint(100, 400),
                completion_tokens=rng.randint(150, 1200),
                max_tokens=2048,
                temperature=0.0,
                stop_reason="end_turn",
                user_agent="eval-runner/0.3",
                model=model,
            )
            n += 1
        run_start = max(run_start + every, ts + 600)


def ci_bot(c: Client, start: float, end: float) -> Iterator[dict]:
    """A CI job on a cron, around the clock: the same checks each run until the code changes."""
    rng = c.rng
    every, checks = rng.uniform(10, 60) * 60, rng.randint(5, 30)
    version, run_start, n = 0, start + rng.uniform(0, 600), 0
    while run_start < end:
        if rng.random() < 0.2:
            version += 1  # a push: the diffs, so the prompts, change
        ts = run_start
        for check in range(checks):
            ts += rng.uniform(1, 5)
            yield c.event(
                n,
                ts,
                prompt=text.ci_prompt(random.Random(f"{c.client_id}/{version}/{check}"), check),
                prompt_tokens=rng.randint(800, 4000),
                completion_tokens=rng.randint(100, 700),
                max_tokens=1024,
                temperature=0.0,
                stop_reason="end_turn",
                user_agent="ci-review-action/2.0",
                cloud=True,
            )
            n += 1
        run_start += every


def enterprise_egress(c: Client, start: float, end: float) -> Iterator[dict]:
    """Dozens of employees' keys behind one corporate egress, offices in two time zones."""
    rng = c.rng
    keys = rng.randint(20, 200)
    offices = [working_hours(rng, rng.uniform(40, 250)) for _ in range(2)]
    people = [rng.sample(text.TOPICS, 3) for _ in range(keys)]
    for n, ts in enumerate(poisson_times(rng, start, end, lambda t: sum(o(t) for o in offices))):
        key = rng.randrange(keys)
        completion = int(rng.lognormvariate(5.5, 0.8))
        yield c.event(
            n,
            ts,
            prompt=text.chat_prompt(rng, rng.choice(people[key])),
            prompt_tokens=rng.randint(100, 5000),
            completion_tokens=completion,
            max_tokens=rng.choice([None, 1024, 4096]),
            temperature=rng.choice([None, 0.2, 0.7, 1.0]),
            stop_reason="end_turn",
            user_agent=rng.choice(["chat-web/4.2", "python-sdk/1.9", "office-plugin/3.1"]),
            key=key,
            ip_pool=2,
        )


def consumer_app(c: Client, start: float, end: float) -> Iterator[dict]:
    """An app serving many end users through one key, around the clock, with popular repeat questions."""
    rng = c.rng
    app = f"app-{c.client_id[-4:]}"
    popular = [text.app_prompt(rng, app, rng.choice(text.TOPICS)) for _ in range(50)]
    max_tokens, temperature = rng.choice([512, 1024]), rng.choice([0.5, 0.7])
    # some apps send the conversation so far with every message, others only the new message
    context = rng.choice([(30, 600), (300, 4000)])
    for n, ts in enumerate(poisson_times(rng, start, end, diurnal(rng, rng.uniform(60, 400)))):
        prompt = (
            rng.choice(popular) if rng.random() < 0.1 else text.app_prompt(rng, app, rng.choice(text.TOPICS))
        )
        completion = min(max_tokens, int(rng.lognormvariate(5.4, 0.6)))
        yield c.event(
            n,
            ts,
            prompt=prompt,
            prompt_tokens=rng.randint(*context),
            completion_tokens=completion,
            max_tokens=max_tokens,
            temperature=temperature,
            stop_reason="max_tokens" if completion == max_tokens else "end_turn",
            user_agent="app-backend/2.1",
            ip_pool=4,
            cloud=True,
        )


def rag_app(c: Client, start: float, end: float) -> Iterator[dict]:
    """Retrieval-augmented answers over a company's documents: long contexts in, short answers out."""
    rng = c.rng
    corpus = f"{rng.choice(text.TOPICS)} handbook"
    office = working_hours(rng, rng.uniform(30, 300))
    for n, ts in enumerate(poisson_times(rng, start, end, lambda t: office(t) + 3.0)):
        yield c.event(
            n,
            ts,
            prompt=text.rag_prompt(rng, corpus, rng.randint(2, 6)),
            prompt_tokens=rng.randint(2000, 9000),
            completion_tokens=rng.randint(80, 500),
            max_tokens=512,
            temperature=0.1,
            stop_reason="end_turn",
            user_agent="rag-service/0.9",
            cloud=True,
        )


def writing_app(c: Client, start: float, end: float) -> Iterator[dict]:
    """Long-form writing for many authors: short instructions, very long outputs, often cut at the limit."""
    rng = c.rng
    projects = [f"{rng.choice(text.WORDS)} {rng.choice(text.WORDS)}" for _ in range(200)]
    max_tokens = rng.choice([4096, 8192])
    # some apps send the manuscript so far, others only the author's instruction
    context = rng.choice([(50, 400), (300, 2500)])
    for n, ts in enumerate(poisson_times(rng, start, end, diurnal(rng, rng.uniform(20, 200)))):
        completion = min(max_tokens, int(rng.lognormvariate(7.8, 0.4)))
        yield c.event(
            n,
            ts,
            prompt=text.writing_prompt(rng, rng.choice(projects), rng.randint(1, 40)),
            prompt_tokens=rng.randint(*context),
            completion_tokens=completion,
            max_tokens=max_tokens,
            temperature=rng.choice([0.8, 0.9, 1.0]),
            stop_reason="max_tokens" if completion == max_tokens else "end_turn",
            user_agent="writer-app/5.0",
            cloud=True,
            ip_pool=3,
        )


def ide_agent(c: Client, start: float, end: float) -> Iterator[dict]:
    """A coding agent in a developer's IDE: bursts of rapid calls on one task, long contexts and outputs."""
    rng = c.rng
    repo = f"repo-{c.client_id[-5:]}"
    office = working_hours(rng, 1.0)
    task, file_no = "", 0
    times = bursts(
        rng, start, end, (5, 40), (1.0, 6.0), (120.0, 1200.0), active=lambda t: min(1.0, office(t))
    )
    for n, ts in enumerate(times):
        if not task or rng.random() < 0.08:
            task, file_no = text.words(rng, 8), rng.randrange(60)
        yield c.event(
            n,
            ts,
            prompt=text.code_prompt(rng, repo, file_no, task),
            prompt_tokens=rng.randint(3000, 20000),
            completion_tokens=min(4096, int(rng.lognormvariate(6.5, 0.7))),
            max_tokens=4096,
            temperature=rng.choice([0.0, 0.2]),
            stop_reason="end_turn",
            user_agent="ide-agent/1.4",
        )
