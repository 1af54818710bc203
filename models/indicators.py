"""Extraction indicators: each maps one raw feature into [0, 1], where 1 is the extraction-like end.

They are the classifier's inputs, not a score: which way each one counts, and how much, is learned
(``models/classifier.py``). A shared template, for instance, is a benchmark suite in one population
and a templated distillation campaign in another; the shape is written here, the sign is not.

An unknown account age reads as an old account (``young_account`` 0), never as a signal of its own:
whether a provider sends creation times says nothing about a client, and a model that learned the
training population's share of attackers among clients without one would carry it everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from models.base import Features


def clip(v: float) -> float:
    return 0.0 if v < 0 else 1.0 if v > 1 else v


def _novel(x: Features) -> float:
    repeated = max(x["near_duplicate_rate"], x["exact_repeat_rate"])
    return clip(1.0 - 2.0 * repeated) * clip(2.0 * (x["prompt_novelty"] - 0.5))


def _young(x: Features) -> float:
    return 0.0 if x["account_age_days"] < 0 else clip((90.0 - x["account_age_days"]) / 60.0)


# name -> (the feature it reports, value in [0, 1])
INDICATORS: dict[str, tuple[str, Callable[[Features], float]]] = {
    "novel_prompts": ("prompt_novelty", _novel),
    "short_prompts": ("mean_prompt_tokens", lambda x: clip((600.0 - x["mean_prompt_tokens"]) / 400.0)),
    "long_answers": ("completion_prompt_ratio", lambda x: clip((x["completion_prompt_ratio"] - 1.0) / 4)),
    "short_answers": (
        "mean_completion_tokens",
        lambda x: clip((250.0 - x["mean_completion_tokens"]) / 150.0),
    ),
    "volume": (
        "req_rate_1h",
        lambda x: clip(math.log10(1.0 + max(x["req_rate_1h"], x["req_rate_10m"])) / 2.5),
    ),
    # as busy at 4 am as at 4 pm: no population of people behind it (needs a day of history)
    "flat_day": ("day_evenness", lambda x: clip((x["day_evenness"] - 0.55) / 0.25)),
    "young_account": ("account_age_days", _young),
    "fixed_parameters": (
        "max_tokens_spread",
        lambda x: 1.0 - clip(5.0 * (x["max_tokens_spread"] + x["temperature_spread"])),
    ),
    "rate_limited": ("share_429", lambda x: clip(4.0 * x["share_429"])),
    "repeats_suite": ("exact_repeat_rate", lambda x: clip(2.0 * x["exact_repeat_rate"])),
    "sweeps_topics": ("topic_entropy", lambda x: clip((x["topic_entropy"] - 0.6) / 0.2)),
    "narrow_topics": ("topic_entropy", lambda x: clip((0.45 - x["topic_entropy"]) / 0.25)),
    "asks_reasoning": ("reasoning_share", lambda x: x["reasoning_share"]),
    "hits_max_tokens": ("share_max_tokens", lambda x: x["share_max_tokens"]),
    "templated": ("template_reuse_rate", lambda x: clip((x["template_reuse_rate"] - 0.5) / 0.4)),
    "sustained": ("active_streak_h", lambda x: clip(x["active_streak_h"] / 6.0)),
    "distillation_shaped": ("distill_shaped_share", lambda x: x["distill_shaped_share"]),
    "distillation_count": (
        "distill_shaped_rate_1d",
        lambda x: clip(math.log10(1.0 + x["distill_shaped_rate_1d"]) / 3.0),
    ),
    # requests from dozens of networks: rotating proxies, not one person's or one backend's egress
    # (a person roams over a few networks a day, a service sends from a few addresses)
    "rotating_networks": (
        "distinct_prefixes",
        lambda x: clip((math.log2(max(1.0, x["distinct_prefixes"])) - 3.0) / 3.0),
    ),
    # one key, user agent or network of the account asking for answers while the rest does not
    "shaped_substream": (
        "substream_distill_share",
        lambda x: clip(2.0 * (x["substream_distill_share"] - x["distill_shaped_share"])),
    ),
}


def indicator_values(x: Features) -> dict[str, float]:
    """Every indicator of one feature vector.

    >>> from collections import defaultdict
    >>> v = indicator_values(defaultdict(float, account_age_days=-1.0, prompt_novelty=1.0,
    ...                                  mean_prompt_tokens=100.0))
    >>> v["young_account"], v["short_prompts"], v["novel_prompts"]
    (0.0, 1.0, 1.0)
    """
    return {name: fn(x) for name, (_, fn) in INDICATORS.items()}
