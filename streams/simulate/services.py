"""Benign services that run around the clock behind one key and one backend.

They are here because they share what is often taken for a sign of extraction: high volume, all day,
one template, new inputs every time, temperature 0, an HTTP library for a user agent, a cloud address.
An aggregator also carries every kind of prompt, reasoning and code included, with long answers.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass

from streams.simulate import hours, releases, text
from streams.simulate.client import Client, library_agent, poisson_times, refusal_share, status
from streams.simulate.hours import diurnal
from streams.simulate.knobs import Knobs
from streams.simulate.templates import Phrasing

GATEWAY_AGENTS = ("llm-gateway/1.4", "router-proxy/0.9", "app-backend/2.1")
# what an aggregator's end users send: chat, a generated question, their own template, an agent step
ASKS = {"chat": 0.5, "question": 0.2, "template": 0.2, "code": 0.1}


@dataclass(frozen=True)
class EndUser:
    """One end user of an aggregator: own topics, model, temperature and way of asking."""

    topics: tuple[str, ...]
    ask: str
    phrasing: Phrasing
    model: str | None  # None: the gateway's default; NEWER: the newest model out
    temperature: float | None
    answer_log_mean: float

    @classmethod
    def draw(cls, rng: random.Random) -> EndUser:
        return cls(
            topics=tuple(rng.sample(text.TOPICS, rng.randint(1, 4))),
            ask=rng.choices(list(ASKS), list(ASKS.values()))[0],
            phrasing=Phrasing.draw(rng, modes=(0.3, 0.5, 0.2)),
            model=rng.choice([None, None, releases.SMALL, releases.NEWER]),
            temperature=rng.choice([None, 0.0, 0.3, 0.7, 1.0]),
            answer_log_mean=rng.uniform(5.3, 7.3),
        )

    def prompt(self, rng: random.Random, repo: str) -> str:
        topic = rng.choice(self.topics)
        if self.ask == "chat":
            return text.chat_prompt(rng, topic)
        if self.ask == "question":
            return text.distillation_prompt(rng, topic, 0.3)
        if self.ask == "template":
            return self.phrasing.prompt(rng, topic)
        return text.code_prompt(rng, repo, rng.randrange(200), text.words(rng, 8))


def aggregator(c: Client, start: float, end: float) -> Iterator[dict]:
    """A multi-tenant gateway: 100-2,000 end users behind one key and one egress, novel prompts of all
    kinds, long answers often, around the clock with a diurnal swing, mixed models."""
    rng = c.rng
    users = [EndUser.draw(rng) for _ in range(rng.randint(100, 2000))]
    # a few end users send most of the traffic
    weights = list(itertools.accumulate(rng.paretovariate(1.2) for _ in users))
    max_tokens = rng.choice([None, 4096, 8192])
    agent, pool = rng.choice([*GATEWAY_AGENTS, library_agent(rng)]), rng.randint(1, 2)
    refused = refusal_share(rng)
    repo, release = f"tenant-{c.client_id[-4:]}", releases.released_at(start)
    for n, ts in enumerate(poisson_times(rng, start, end, diurnal(rng, rng.uniform(40, 300)))):
        user = rng.choices(users, cum_weights=weights)[0]
        model = releases.model_at(release, ts) if user.model == releases.NEWER else user.model
        limit = max_tokens or 8192
        completion = min(limit, int(rng.lognormvariate(user.answer_log_mean, 0.8)))
        prompt = user.prompt(rng, repo)
        yield c.event(
            n,
            ts,
            prompt=prompt,
            prompt_tokens=len(prompt) // 4 + rng.randint(0, 3000),
            completion_tokens=completion,
            max_tokens=max_tokens,
            temperature=user.temperature,
            stop_reason="max_tokens" if completion == limit else "end_turn",
            model=model,
            user_agent=agent,
            ip_pool=pool,
            cloud=True,
            status=status(rng, refused),
        )


def classifier_24x7(c: Client, start: float, end: float) -> Iterator[dict]:
    """A moderation or classification service: one template, new short inputs, a word or two back,
    temperature 0, at a flat rate around the clock, from one cloud backend."""
    rng = c.rng
    task = rng.randrange(len(text.CLASSIFY_TASKS))
    knobs = Knobs.draw(rng, 1.0, (0.5, 2.5), max_tokens=(5, 10, 16, 32, 64), sent_share=0.7, varies=0.0)
    rate, agent, pool = rng.uniform(40, 400), library_agent(rng), rng.randint(1, 2)
    refused = refusal_share(rng)
    for n, ts in enumerate(poisson_times(rng, start, end, lambda _t: rate)):
        yield c.event(
            n,
            ts,
            prompt=text.classify_prompt(rng, task),
            prompt_tokens=rng.randint(20, 120),
            **knobs.fields(rng),
            user_agent=agent,
            ip_pool=pool,
            cloud=True,
            status=status(rng, refused),
        )


def translation_service(c: Client, start: float, end: float) -> Iterator[dict]:
    """A translation service: one to three templates, new inputs, answers about as long as the inputs,
    around the clock with a diurnal swing."""
    rng = c.rng
    forms = rng.sample(range(len(text.TRANSLATE_FORMS)), rng.randint(1, 3))
    languages = rng.sample(text.LANGUAGES, rng.randint(1, 5))
    temperature, max_tokens = rng.choice([None, 0.0, 0.0, 0.2, 0.3]), rng.choice([None, 2048, 4096])
    rate_at = diurnal(rng, rng.uniform(20, 250))
    active = hours.weekly_gaps(rng, hours.always) if rng.random() < 0.1 else hours.always
    agent, pool = rng.choice(["translate-api/3.2", library_agent(rng)]), rng.randint(1, 3)
    refused = refusal_share(rng)
    for n, ts in enumerate(poisson_times(rng, start, end, lambda t: rate_at(t) * active(t))):
        length = int(rng.lognormvariate(3.5, 0.9)) + 3  # words in the source text
        source = text.words(rng, min(length, 400))
        tokens = int(length * 1.3)
        yield c.event(
            n,
            ts,
            prompt=text.translate_prompt(rng, rng.choice(forms), rng.choice(languages), source),
            prompt_tokens=tokens + rng.randint(15, 60),
            completion_tokens=max(1, int(tokens * rng.uniform(0.8, 1.3))),
            max_tokens=max_tokens,
            temperature=temperature,
            stop_reason="end_turn",
            user_agent=agent,
            ip_pool=pool,
            cloud=True,
            status=status(rng, refused),
        )
