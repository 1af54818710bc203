"""Fixed-weight extraction indicators: a logistic score over features that distinguish extraction.

Each indicator maps one feature into [0, 1] (1 = extraction-like); the score is the logistic of a
weighted sum. ``explain_one`` attributes the score to indicators in proportion to
``weight * indicator`` among the positive terms, so the weights of the reasons sum to 1.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable

from models.base import Features, Learner


def _clip(v: float) -> float:
    return 0.0 if v < 0 else 1.0 if v > 1 else v


# name -> (weight, feature the reason reports, indicator in [0, 1])
INDICATORS: dict[str, tuple[float, str, Callable[[Features], float]]] = {
    # scripts run around the clock; people and most batch jobs do not
    "round_the_clock": (2.5, "hour_entropy", lambda x: _clip((x["hour_entropy"] - 0.7) / 0.25)),
    # scripts keep going for hours without a pause; eval runs and people stop
    "sustained": (3.0, "active_streak_h", lambda x: _clip(x["active_streak_h"] / 3.0)),
    # distillation wants new prompts; eval harnesses and apps repeat themselves
    "novel_prompts": (
        2.0,
        "prompt_novelty",
        lambda x: _clip(1.0 - 2.0 * max(x["near_duplicate_rate"], x["exact_repeat_rate"]))
        * _clip(2.0 * (x["prompt_novelty"] - 0.5)),
    ),
    # alarms in both directions on topic spread: sweeping many topics (building a general
    # dataset) and staying on one narrow task (leeching one capability)
    "sweeps_topics": (1.0, "topic_entropy", lambda x: _clip((x["topic_entropy"] - 0.7) / 0.15)),
    "narrow_topics": (1.0, "topic_entropy", lambda x: _clip((0.45 - x["topic_entropy"]) / 0.25)),
    "volume": (2.0, "req_rate_1h", lambda x: _clip(math.log10(1.0 + x["req_rate_1h"]) / 2.5)),
    # long answers to short prompts: the answers are what is being harvested
    "long_answers": (
        1.5,
        "completion_prompt_ratio",
        lambda x: _clip((x["completion_prompt_ratio"] - 1.0) / 4),
    ),
    "asks_reasoning": (1.5, "reasoning_share", lambda x: x["reasoning_share"]),
    "hits_max_tokens": (1.0, "share_max_tokens", lambda x: x["share_max_tokens"]),
    "fixed_parameters": (
        0.5,
        "max_tokens_spread",
        lambda x: 1.0 - _clip(5.0 * (x["max_tokens_spread"] + x["temperature_spread"])),
    ),
    "rate_limited": (1.0, "share_429", lambda x: _clip(4.0 * x["share_429"])),
    # a harness re-running a fixed suite repeats prompts exactly; distillers do not
    "repeats_suite": (-3.0, "exact_repeat_rate", lambda x: _clip(2.0 * x["exact_repeat_rate"])),
}
_BIAS = -7.0
# Bump when an indicator's shape (its lambda) changes; weights and bias are hashed in automatically.
REVISION = 1


def _version() -> str:
    spec = repr((REVISION, _BIAS, [(name, w, f) for name, (w, f, _) in INDICATORS.items()]))
    return hashlib.sha256(spec.encode()).hexdigest()[:6]


class ExtractionIndicators(Learner):
    """A fixed logistic over extraction indicators; it does not learn.

    >>> calm = {"hour_entropy": 0.6, "near_duplicate_rate": 0.3, "exact_repeat_rate": 0.2,
    ...         "prompt_novelty": 0.7, "topic_entropy": 0.6,
    ...         "req_rate_1h": 5, "completion_prompt_ratio": 0.8, "reasoning_share": 0.0,
    ...         "share_max_tokens": 0.0, "max_tokens_spread": 0.5, "temperature_spread": 0.2,
    ...         "share_429": 0.0, "active_streak_h": 0.5}
    >>> bulk = dict(calm, hour_entropy=0.98, near_duplicate_rate=0.0, exact_repeat_rate=0.0,
    ...             prompt_novelty=1.0, topic_entropy=0.85,
    ...             req_rate_1h=600, completion_prompt_ratio=8, reasoning_share=0.7, active_streak_h=6)
    >>> model = ExtractionIndicators()
    >>> model.score_one(calm) < 0.1 < 0.8 < model.score_one(bulk)
    True
    >>> model.explain_one(bulk)[0][0]
    'active_streak_h'
    """

    name = f"indicators-{_version()}"  # in every alert's model_version

    def _terms(self, x: Features) -> list[tuple[str, float]]:
        return [(feature, weight * fn(x)) for weight, feature, fn in INDICATORS.values()]

    def score_one(self, x: Features) -> float:
        z = _BIAS + sum(term for _, term in self._terms(x))
        return 1.0 / (1.0 + math.exp(-z))

    def learn_one(self, x: Features) -> None:
        return None

    def explain_one(self, x: Features) -> list[tuple[str, float]]:
        positive = [(f, t) for f, t in self._terms(x) if t > 0]
        total = sum(t for _, t in positive)
        if total <= 0:
            return []
        return sorted(((f, t / total) for f, t in positive), key=lambda p: -p[1])
