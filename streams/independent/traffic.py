"""Traffic patterns shared by benign and extraction scenarios.

stream: independent requests at given times (pipelines, classifiers, scripts);
conversations: multi-turn chats whose context grows with every turn;
agent_session: a tool-using loop, each call sent when the previous answer and tool run are done;
suite_run: a fixed ordered list of prompts worked through by a pool of workers.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .accounts import Account, Channel, lognormal_int
from .catalog import HAIKU, LEGACY, OPUS, SONNET, ModelPlan, plan

TextFn = Callable[[random.Random], str]
IntFn = Callable[[random.Random], int]


@dataclass
class Style:
    """How a client calls: which models, its generation settings, the context it always sends."""

    plan: ModelPlan
    max_tokens: int
    temperature: float | None
    system_tokens: int = 0


def model_mix(rng: random.Random, lean: str = "balanced") -> list[tuple[str, float]]:
    """A customer's base model mix; lean says what its workload favours."""
    weights = {
        "cheap": {HAIKU: 6, SONNET: 2, LEGACY[0]: 1.5},
        "balanced": {SONNET: 6, HAIKU: 2, OPUS: 1, LEGACY[1]: 0.7},
        "strong": {SONNET: 5, OPUS: 4},
        "wide": {SONNET: 4, HAIKU: 3, OPUS: 2, LEGACY[0]: 1, LEGACY[1]: 1},
    }[lean]
    mix = [(m, w * rng.lognormvariate(0, 0.8)) for m, w in weights.items()]
    if lean != "wide":  # most customers use one or two models, not the whole catalogue
        mix = sorted(mix, key=lambda mw: -mw[1])[: rng.choice([1, 1, 2, 2, 3])]
    return mix


def models(a: Account, lean: str, adopt_p: float, **kwargs: tuple[float, float]) -> ModelPlan:
    return plan(a.rng, a.world, model_mix(a.rng, lean), adopt_p, **kwargs)


def stream(a: Account, ch: Channel, times: Iterable[float], style: Style, prompt: TextFn, context: IntFn,
           answer: IntFn) -> None:
    rng = a.rng
    for ts in times:
        ts = float(ts)
        a.call(ts, ch, style.plan.pick(rng, ts), prompt(rng), style.system_tokens + context(rng), answer(rng),
               style.max_tokens, style.temperature)


def conversations(a: Account, ch: Channel, convs: list[list[float]], style: Style, opener: TextFn,
                  followup: TextFn, answer_median: float) -> None:
    """Each turn resends the whole history, so prompt tokens grow turn by turn."""
    rng = a.rng
    for turns in convs:
        model = style.plan.pick(rng, turns[0])
        history = style.system_tokens
        for k, ts in enumerate(turns):
            text = opener(rng) if k == 0 else followup(rng)
            answer = lognormal_int(rng, answer_median, 0.7)
            call = a.call(ts, ch, model, text, history, answer, style.max_tokens, style.temperature)
            history = call.prompt_tokens + call.completion_tokens


def agent_session(a: Account, ch: Channel, t0: float, style: Style, calls: int, opener: TextFn, step: TextFn,
                  side_model: str | None = None) -> float:
    """A coding-agent loop; returns when it ended. side_model: small helper calls some agents make."""
    rng = a.rng
    model = style.plan.pick(rng, t0)
    t, context = t0, style.system_tokens
    for k in range(calls):
        last = k == calls - 1
        text = opener(rng) if k == 0 else step(rng)
        answer = lognormal_int(rng, 450 if last else 170, 0.8)
        call = a.call(t, ch, model, text, context, answer, style.max_tokens, style.temperature,
                      "end_turn" if last else "tool_use")
        # The tool output shown is a prefix; whole files and logs go into the next context.
        context = call.prompt_tokens + call.completion_tokens + lognormal_int(rng, 600, 1.0)
        if context > 160_000:  # compaction: the agent summarises and starts over
            context = style.system_tokens + rng.randrange(8_000, 20_000)
        if side_model and rng.random() < 0.12:  # titles, summaries, command checks on a small model
            small = rng.randrange(5, 60)
            a.call(t + 0.2, ch, side_model, text[:200], rng.randrange(200, 2000), small, 512, 0.0)
        t += call.latency_ms / 1000 + rng.lognormvariate(0.5, 1.0)
        if rng.random() < 0.05:  # waiting for the human to approve or answer
            t += rng.uniform(20, 600)
        if t >= a.active_to:
            break
    return t


def suite_run(a: Account, ch: Channel, t0: float, items: list[str], style: Style, workers: int,
              answer: IntFn) -> None:
    """Work through an ordered prompt list with a pool of workers (evaluation harnesses, batch jobs)."""
    rng = a.rng
    model = style.plan.pick(rng, t0)
    clocks = [t0 + rng.uniform(0, 3) for _ in range(max(1, workers))]
    for i, text in enumerate(items):
        w = i % len(clocks)
        call = a.call(clocks[w], ch, model, text, style.system_tokens, answer(rng), style.max_tokens,
                      style.temperature)
        clocks[w] += call.latency_ms / 1000 + rng.uniform(0.01, 0.3)
        if clocks[w] >= a.active_to:
            break
