"""Benign clients, heavy users included: each yields schema-v1 events of one client in time order.

Benign clients draw from the same libraries as attackers where life does: people and apps use the
template library's phrasings (step by step, "write a function that..."), eval suites ask for reasoning,
batch jobs send temperature 0 through one template, and every client's settings are drawn per client.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

from streams.simulate import releases, text
from streams.simulate.client import (
    Client,
    bursts,
    library_agent,
    poisson_times,
    refusal_share,
    status,
)
from streams.simulate.hours import DAY, HOUR, diurnal, working_hours
from streams.simulate.knobs import Knobs
from streams.simulate.templates import ANSWER_LOG_MEAN, Phrasing, Template

HABIT_SHARE = 0.25  # people who often ask through one phrasing of their own ("explain step by step: ...")
TEMPLATED_APP_SHARE = 0.35  # apps that put every end user's input through their own template
NIGHTLY_SHARE = 0.6  # document jobs that run once a night; the rest work through a queue all day
SUITE_KINDS = ("multiple_choice", "reasoning", "coding", "tool_use")


@dataclass(frozen=True)
class AppPrompts:
    """An app's requests: chat behind its system prompt, or a single-purpose app's template.

    A homework helper ("solve step by step: ...") or a code helper sends its end users' inputs through
    one or a few templates, which is how templated distillation looks too.
    """

    app: str
    phrasing: Phrasing | None

    @classmethod
    def draw(cls, rng: random.Random, app: str) -> AppPrompts:
        templated = rng.random() < TEMPLATED_APP_SHARE
        return cls(app, Phrasing.draw(rng, modes=(0.0, 0.6, 0.4)) if templated else None)

    @property
    def answer_log_mean(self) -> tuple[float, float]:
        return (5.2, 5.6) if self.phrasing is None else ANSWER_LOG_MEAN[self.phrasing.aim]

    def prompt(self, rng: random.Random) -> str:
        topic = rng.choice(text.TOPICS)
        if self.phrasing is None:
            return text.app_prompt(rng, self.app, topic)
        return self.phrasing.prompt(rng, topic)


def interactive(c: Client, start: float, end: float) -> Iterator[dict]:
    """A power user at a keyboard: working hours, varied chat, some retries, sometimes a phrasing habit."""
    rng = c.rng
    favourite = rng.sample(text.TOPICS, 4)
    habit = Phrasing.draw(rng, modes=(0.0, 1.0, 0.0)) if rng.random() < HABIT_SHARE else None
    habit_share = rng.uniform(0.1, 0.5)
    recent: list[str] = []
    for n, ts in enumerate(poisson_times(rng, start, end, working_hours(rng, rng.uniform(10, 40)))):
        if recent and rng.random() < 0.15:
            prompt = rng.choice(recent)  # regenerate / retry the same message
        else:
            topic = rng.choice(favourite)
            if habit is not None and rng.random() < habit_share:
                prompt = habit.prompt(rng, topic)
            else:
                prompt = text.chat_prompt(rng, topic)
            recent = (recent + [prompt])[-10:]
        yield c.event(
            n,
            ts,
            prompt=prompt,
            prompt_tokens=rng.randint(80, 3000),
            completion_tokens=int(rng.lognormvariate(5.3, 0.7)),
            max_tokens=rng.choice([None, 1024, 2048, 4096]),
            temperature=rng.choice([None, 0.3, 0.7, 1.0]),
            stop_reason="end_turn",
            user_agent="chat-web/4.2",
            ip_pool=3,
        )


def _nightly(rng: random.Random, start: float, end: float) -> Iterator[float]:
    """A job that works through 400-1,500 documents once a night, one every 1-3 seconds."""
    night, docs, gap = rng.uniform(0, 4), rng.randint(400, 1500), rng.uniform(1.0, 3.0)
    day0 = math.floor(start / DAY) * DAY
    for day in range(int((end - day0) // DAY) + 1):
        ts = day0 + day * DAY + night * HOUR
        for _ in range(docs):
            ts += rng.uniform(0.5, 1.5) * gap
            if start <= ts < end:
                yield ts


def batch_summariser(c: Client, start: float, end: float) -> Iterator[dict]:
    """A document job: one template, long inputs, short outputs, fixed settings; nightly or all day."""
    rng = c.rng
    task = rng.randrange(len(text.DOCUMENT_TASKS))
    knobs = Knobs.draw(rng, 0.7, answer_log_mean=(4.5, 5.5), max_tokens=(300, 400, 512, 1024), sent_share=0.8)
    agent, refused = rng.choice(["python-sdk/1.9", library_agent(rng)]), refusal_share(rng)
    if rng.random() < NIGHTLY_SHARE:
        times = _nightly(rng, start, end)
    else:
        times = poisson_times(rng, start, end, diurnal(rng, rng.uniform(30, 300)))
    for n, ts in enumerate(times):
        yield c.event(
            n,
            ts,
            prompt=text.document_prompt(rng, n, task),
            prompt_tokens=rng.randint(2000, 6000),
            **knobs.fields(rng),
            user_agent=agent,
            status=status(rng, refused),
        )


def _suite(rng: random.Random, kind: str, name: str) -> tuple[list[str], str]:
    """A fixed benchmark suite of 100-800 items, and what it asks for."""
    size = rng.randint(100, 800)
    if kind == "multiple_choice":
        return [text.benchmark_item(rng, name, i) for i in range(size)], "reasoning"
    template = Template.compose(rng, kind)
    return [template.fill(rng, name) for _ in range(size)], kind


def eval_harness(c: Client, start: float, end: float) -> Iterator[dict]:
    """Reruns a fixed suite every 3-12 hours against one to three models.

    The suite is multiple choice, step-by-step problems, coding or tool-use tasks, through its own
    template; harnesses that sample at a temperature above 0 ask each item several times (pass@k).
    """
    rng = c.rng
    suite, aim = _suite(rng, rng.choice(SUITE_KINDS), rng.choice(text.TOPICS))
    knobs = Knobs.draw(rng, 0.7, ANSWER_LOG_MEAN[aim], max_tokens=(1024, 2048, 4096, 8192), sent_share=0.8)
    samples = 1 if knobs.temperatures == (0.0,) else rng.choice([1, 1, 3, 5])
    models = rng.choice([[None], [None, releases.SMALL], [None, releases.SMALL, releases.CURRENT]])
    every, phase, pace = rng.uniform(3, 12) * HOUR, rng.uniform(0, 3) * HOUR, rng.uniform(0.3, 2.0)
    agent = rng.choice(["eval-runner/0.3", library_agent(rng)])
    n, run_start = 0, start + phase
    while run_start < end:
        ts = run_start
        model = rng.choice(models) or c.model(ts)  # None: the newest model the harness has moved to
        for prompt in suite:
            for _ in range(samples):
                ts += rng.expovariate(1.0 / pace)
                if ts >= end:
                    return
                yield c.event(
                    n,
                    ts,
                    prompt=prompt,
                    prompt_tokens=len(prompt) // 4 + rng.randint(20, 200),
                    **knobs.fields(rng),
                    user_agent=agent,
                    model=model,
                )
                n += 1
        run_start = max(run_start + every, ts + 600)


def ci_bot(c: Client, start: float, end: float) -> Iterator[dict]:
    """A CI job on a cron, around the clock: the same checks each run until the code changes."""
    rng = c.rng
    every, checks = rng.uniform(10, 60) * 60, rng.randint(5, 30)
    max_tokens, temperature = rng.choice([None, 1024, 2048]), rng.choice([0.0, 0.0, 0.2])
    agent = rng.choice(["ci-review-action/2.0", library_agent(rng)])
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
                max_tokens=max_tokens,
                temperature=temperature,
                stop_reason="end_turn",
                user_agent=agent,
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
    refused = refusal_share(rng)
    for n, ts in enumerate(poisson_times(rng, start, end, lambda t: sum(o(t) for o in offices))):
        key = rng.randrange(keys)
        yield c.event(
            n,
            ts,
            prompt=text.chat_prompt(rng, rng.choice(people[key])),
            prompt_tokens=rng.randint(100, 5000),
            completion_tokens=int(rng.lognormvariate(5.5, 0.8)),
            max_tokens=rng.choice([None, 1024, 4096]),
            temperature=rng.choice([None, 0.2, 0.7, 1.0]),
            stop_reason="end_turn",
            user_agent=rng.choice(["chat-web/4.2", "python-sdk/1.9", "office-plugin/3.1"]),
            key=key,
            ip_pool=2,
            status=status(rng, refused),
        )


def consumer_app(c: Client, start: float, end: float) -> Iterator[dict]:
    """An app serving many end users through one key, around the clock, with popular repeat questions."""
    rng = c.rng
    prompts = AppPrompts.draw(rng, f"app-{c.client_id[-4:]}")
    popular = [prompts.prompt(rng) for _ in range(50)]
    knobs = Knobs.draw(rng, 0.2, prompts.answer_log_mean, max_tokens=(512, 1024, 2048), sent_share=0.85)
    # some apps send the conversation so far with every message, others only the new message
    context = rng.choice([(30, 600), (300, 4000)])
    refused = refusal_share(rng)
    for n, ts in enumerate(poisson_times(rng, start, end, diurnal(rng, rng.uniform(60, 400)))):
        yield c.event(
            n,
            ts,
            prompt=rng.choice(popular) if rng.random() < 0.1 else prompts.prompt(rng),
            prompt_tokens=rng.randint(*context),
            **knobs.fields(rng),
            user_agent="app-backend/2.1",
            ip_pool=4,
            cloud=True,
            status=status(rng, refused),
        )


def rag_app(c: Client, start: float, end: float) -> Iterator[dict]:
    """Retrieval-augmented answers over a company's documents: long contexts in, short answers out."""
    rng = c.rng
    corpus = f"{rng.choice(text.TOPICS)} handbook"
    office = working_hours(rng, rng.uniform(30, 300))
    max_tokens, temperature = rng.choice([None, 512, 1024]), rng.choice([0.0, 0.1, 0.3])
    agent = rng.choice(["rag-service/0.9", library_agent(rng)])
    for n, ts in enumerate(poisson_times(rng, start, end, lambda t: office(t) + 3.0)):
        yield c.event(
            n,
            ts,
            prompt=text.rag_prompt(rng, corpus, rng.randint(2, 6)),
            prompt_tokens=rng.randint(2000, 9000),
            completion_tokens=rng.randint(80, 500),
            max_tokens=max_tokens,
            temperature=temperature,
            stop_reason="end_turn",
            user_agent=agent,
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
    """A coding agent in a developer's IDE: bursts of rapid calls on one task, tool calls, long contexts."""
    rng = c.rng
    repo = f"repo-{c.client_id[-5:]}"
    office = working_hours(rng, 1.0)
    temperature, tool_calls = rng.choice([None, 0.0, 0.2, 0.5]), rng.uniform(0.3, 0.7)
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
            temperature=temperature,
            stop_reason="tool_use" if rng.random() < tool_calls else "end_turn",
            user_agent="ide-agent/1.4",
        )
