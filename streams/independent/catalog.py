"""The service side: model names, their speed, a model released during the window, overloads.

A platform-wide World is drawn once per run so that every account sees the same release time and
the same overload episodes (529s cluster in time across customers, as on real status pages).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from .timing import DAY, HOUR, MINUTE

# name: (output tokens per second, time to first token in ms)
SPEED: dict[str, tuple[float, float]] = {
    "claude-3-5-haiku-20241022": (110.0, 450.0),
    "claude-3-7-sonnet-20250219": (60.0, 800.0),
    "claude-haiku-4-5": (150.0, 400.0),
    "claude-sonnet-4-5": (70.0, 750.0),
    "claude-opus-4-5": (45.0, 1100.0),
    "claude-sonnet-5": (75.0, 900.0),
}
LEGACY = ("claude-3-5-haiku-20241022", "claude-3-7-sonnet-20250219")
HAIKU, SONNET, OPUS = "claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-5"
NEW_MODEL = "claude-sonnet-5"


@dataclass
class World:
    start: float
    end: float
    seed: int
    release_at: float
    # (from, to, model or None for all, probability of a 529)
    overloads: list[tuple[float, float, str | None, float]] = field(default_factory=list)

    def overload_p(self, ts: float, model: str) -> float:
        p = 0.0
        for a, b, which, prob in self.overloads:
            if a <= ts < b and (which is None or which == model):
                p = max(p, prob)
        return p


def make_world(rng: random.Random, seed: int, start: float, end: float) -> World:
    span = end - start
    # The new model lands early in the window so that the move onto it is visible.
    release = start + rng.uniform(0.1, 0.45) * min(span, DAY)
    world = World(start, end, seed, release)
    # Launch-day demand overloads the new model for a few hours.
    world.overloads.append((release, release + rng.uniform(2, 6) * HOUR, NEW_MODEL, rng.uniform(0.04, 0.12)))
    for _ in range(max(1, round(rng.uniform(1, 3) * span / DAY))):
        a = rng.uniform(start, end)
        model = rng.choice([None, None, SONNET, OPUS])
        world.overloads.append((a, a + rng.uniform(8, 50) * MINUTE, model, rng.uniform(0.05, 0.35)))
    return world


def latency_ms(rng: random.Random, model: str, prompt_tokens: int, completion_tokens: int) -> float:
    """Time to first token (grows with the prompt) plus streaming time of the answer."""
    tps, ttft = SPEED[model]
    first = ttft * rng.lognormvariate(0, 0.3) + prompt_tokens * 0.012
    return round(first + 1000.0 * completion_tokens / (tps * rng.lognormvariate(0, 0.15)), 1)


@dataclass
class ModelPlan:
    """Which model a client asks for: a base mix, and possibly a move onto the new release.

    Early adopters (benign and malicious alike) shift a share of traffic to the new model some
    hours after it ships; public reports describe one campaign moving about half its traffic
    within a day.
    """

    mix: list[tuple[str, float]]
    adopt_at: float | None = None
    new_share: float = 0.0

    def pick(self, rng: random.Random, ts: float) -> str:
        if self.adopt_at is not None and ts >= self.adopt_at and rng.random() < self.new_share:
            return NEW_MODEL
        names, weights = zip(*self.mix, strict=True)
        return rng.choices(names, weights)[0]


def plan(
    rng: random.Random,
    world: World,
    mix: list[tuple[str, float]],
    adopt_p: float,
    delay_h: tuple[float, float] = (2, 24),
    share: tuple[float, float] = (0.1, 0.6),
) -> ModelPlan:
    """A model plan with a chance adopt_p of moving onto the new model after a random delay."""
    if rng.random() < adopt_p:
        return ModelPlan(mix, world.release_at + rng.uniform(*delay_h) * HOUR, rng.uniform(*share))
    return ModelPlan(mix)
