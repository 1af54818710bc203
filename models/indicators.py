"""Fixed-weight extraction indicators: two logistic profiles over features that distinguish extraction.

Each indicator maps one feature into [0, 1] (1 = extraction-like). A profile is the logistic of a
weighted sum of its indicators; the score is the higher of the two profiles:

- ``distillation``: harvesting answers across the board. New prompts, short prompts, long answers,
  reasoning asked for, topics swept, at volume. A benchmark suite's fixed template counts against it.
- ``leeching``: harvesting one capability. One narrow task on new inputs, short prompts, kept up for
  hours and evenly around the clock; here a fixed template counts for it.

Timing and volume alone never reach the firing threshold: a busy app serving people around the clock
is sustained and voluminous too. ``explain_one`` attributes the winning profile's score to its
indicators in proportion to ``weight * indicator`` among the positive terms, so the weights sum to 1.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable

from models.base import Features, Learner


def clip(v: float) -> float:
    return 0.0 if v < 0 else 1.0 if v > 1 else v


Indicator = tuple[float, str, Callable[[Features], float]]  # weight, feature it reports, value in [0, 1]


def _novel(x: Features) -> float:
    repeated = max(x["near_duplicate_rate"], x["exact_repeat_rate"])
    return clip(1.0 - 2.0 * repeated) * clip(2.0 * (x["prompt_novelty"] - 0.5))


_SHARED: dict[str, Indicator] = {
    # extraction wants answers to new prompts; apps, harnesses and CI jobs repeat themselves
    "novel_prompts": (2.0, "prompt_novelty", _novel),
    # a question and nothing else: apps send system prompts, history, documents, code
    "short_prompts": (1.0, "mean_prompt_tokens", lambda x: clip((600.0 - x["mean_prompt_tokens"]) / 400.0)),
    "volume": (
        1.5,
        "req_rate_1h",
        lambda x: clip(math.log10(1.0 + max(x["req_rate_1h"], x["req_rate_10m"])) / 2.5),
    ),
    # as busy at 4 am as at 4 pm: no population of people behind it (needs a day of history)
    "flat_day": (2.0, "day_evenness", lambda x: clip((x["day_evenness"] - 0.55) / 0.25)),
    "young_account": (
        1.0,
        "account_age_days",
        lambda x: 0.0 if x["account_age_days"] < 0 else clip((90.0 - x["account_age_days"]) / 60.0),
    ),
    "fixed_parameters": (
        0.5,
        "max_tokens_spread",
        lambda x: 1.0 - clip(5.0 * (x["max_tokens_spread"] + x["temperature_spread"])),
    ),
    "rate_limited": (1.0, "share_429", lambda x: clip(4.0 * x["share_429"])),
    # a harness re-running a fixed suite repeats prompts exactly; extraction does not
    "repeats_suite": (-3.0, "exact_repeat_rate", lambda x: clip(2.0 * x["exact_repeat_rate"])),
}

# name -> (bias, indicators)
PROFILES: dict[str, tuple[float, dict[str, Indicator]]] = {
    "distillation": (
        -6.5,
        {
            **_SHARED,
            "sweeps_topics": (1.0, "topic_entropy", lambda x: clip((x["topic_entropy"] - 0.6) / 0.2)),
            # long answers to short prompts: the answers are what is being harvested
            "long_answers": (
                1.5,
                "completion_prompt_ratio",
                lambda x: clip((x["completion_prompt_ratio"] - 1.0) / 4),
            ),
            "asks_reasoning": (1.5, "reasoning_share", lambda x: x["reasoning_share"]),
            "hits_max_tokens": (1.0, "share_max_tokens", lambda x: x["share_max_tokens"]),
            # benchmark suites and app prompts share one template; generated distillation sets mostly do not
            "templated": (
                -1.5,
                "template_reuse_rate",
                lambda x: clip((x["template_reuse_rate"] - 0.5) / 0.4),
            ),
        },
    ),
    # A short-text classifier serving people has this profile's content too: only a flat day (or a
    # young account) on top of it reaches the threshold, so its bias is lower.
    "leeching": (
        -8.0,
        {
            **_SHARED,
            "short_prompts": (
                1.5,
                "mean_prompt_tokens",
                lambda x: clip((600.0 - x["mean_prompt_tokens"]) / 400.0),
            ),
            # a label, a translation, a rewrite: short answers, unlike chat, RAG or distillation
            "short_answers": (
                1.5,
                "mean_completion_tokens",
                lambda x: clip((250.0 - x["mean_completion_tokens"]) / 150.0),
            ),
            "narrow_topics": (1.0, "topic_entropy", lambda x: clip((0.45 - x["topic_entropy"]) / 0.25)),
            "one_task": (1.0, "template_reuse_rate", lambda x: x["template_reuse_rate"]),
            "volume": (0.5, "req_rate_1h", _SHARED["volume"][2]),
            # one skill harvested for hours: a benchmark run or a nightly batch on one template stops
            "sustained": (1.0, "active_streak_h", lambda x: clip(x["active_streak_h"] / 6.0)),
            "flat_day": (3.0, "day_evenness", _SHARED["flat_day"][2]),
        },
    ),
}
# Bump when an indicator's shape (its lambda) changes; weights and bias are hashed in automatically.
REVISION = 3


def _version() -> str:
    spec = repr(
        (REVISION, [(p, b, n, w, f) for p, (b, ind) in PROFILES.items() for n, (w, f, _) in ind.items()])
    )
    return hashlib.sha256(spec.encode()).hexdigest()[:6]


class ExtractionIndicators(Learner):
    """Two fixed logistic profiles over extraction indicators; it does not learn.

    >>> calm = {"near_duplicate_rate": 0.3, "exact_repeat_rate": 0.2, "prompt_novelty": 0.7,
    ...         "mean_prompt_tokens": 900, "req_rate_1h": 5, "req_rate_10m": 5, "active_streak_h": 0.5,
    ...         "day_evenness": 0.0, "account_age_days": 400, "max_tokens_spread": 0.5,
    ...         "temperature_spread": 0.2, "share_429": 0.0, "topic_entropy": 0.6,
    ...         "completion_prompt_ratio": 0.8, "reasoning_share": 0.0, "share_max_tokens": 0.0,
    ...         "template_reuse_rate": 0.1, "mean_completion_tokens": 400}
    >>> bulk = dict(calm, near_duplicate_rate=0.0, exact_repeat_rate=0.0, prompt_novelty=1.0,
    ...             mean_prompt_tokens=120, req_rate_10m=600, topic_entropy=0.85,
    ...             completion_prompt_ratio=8, reasoning_share=0.7, account_age_days=3,
    ...             max_tokens_spread=0.0, temperature_spread=0.0)
    >>> model = ExtractionIndicators()
    >>> model.score_one(calm) < 0.1 < 0.8 < model.score_one(bulk)
    True
    >>> model.explain_one(bulk)[0][0]
    'prompt_novelty'
    """

    name = f"indicators-{_version()}"  # in every alert's model_version

    def _profile_z(self, x: Features) -> tuple[float, list[tuple[str, float]]]:
        best: tuple[float, list[tuple[str, float]]] | None = None
        for bias, indicators in PROFILES.values():
            terms = [(feature, weight * fn(x)) for weight, feature, fn in indicators.values()]
            z = bias + sum(t for _, t in terms)
            if best is None or z > best[0]:
                best = (z, terms)
        return best

    def score_one(self, x: Features) -> float:
        z, _ = self._profile_z(x)
        return 1.0 / (1.0 + math.exp(-z))

    def learn_one(self, x: Features) -> None:
        return None

    def explain_one(self, x: Features) -> list[tuple[str, float]]:
        _, terms = self._profile_z(x)
        merged: dict[str, float] = {}
        for feature, term in terms:
            if term > 0:
                merged[feature] = merged.get(feature, 0.0) + term
        total = sum(merged.values())
        if total <= 0:
            return []
        return sorted(((f, t / total) for f, t in merged.items()), key=lambda p: -p[1])
