"""The extraction-risk model: two River logistic regressions over the extraction indicators, one per
shape of extraction, and the risk is the higher of the two.

- ``distillation``: harvesting answers across the board (new prompts, long answers, reasoning).
- ``leeching``: harvesting one capability (one narrow task on new inputs, short answers).

The two shapes need opposite signs on answer length, which one linear model cannot hold; a single
model over every pairwise product of indicators could, but in training it learned interactions of
the simulator (``volume * short_prompts`` at -6) that marked a plain templated distiller benign.
Indicators whose direction public reports of real campaigns settle are kept at a non-negative
weight in each profile (projected SGD); the others (templates, repeats, lengths, timing) take the
sign the data gives: a shared template is a benchmark suite in one population and a templated
distillation campaign in another.

It is trained offline on labelled history (``extractwatch train``: the prior checkpoint) and keeps
learning online from analysts' verdicts, one example per verdict: a benign verdict teaches both
profiles, an extraction verdict the profile that scores it higher. Scoring does not change it, so
every partition that learns the same verdicts in the same order holds the same model.
"""

from __future__ import annotations

import hashlib
import pickle
import random

from river import forest, linear_model, optim

from models.base import Features, Learner
from models.indicators import INDICATORS, indicator_values

DISTILLATION, LEECHING = "distillation", "leeching"
# indicators that only ever count toward each shape of extraction
MONOTONE = {
    DISTILLATION: frozenset(
        {
            "novel_prompts",
            "long_answers",
            "asks_reasoning",
            "distillation_shaped",
            "distillation_count",
            "shaped_substream",
            "volume",
            "young_account",
            "rate_limited",
            "sweeps_topics",
            "hits_max_tokens",
            "rotating_networks",
        }
    ),
    LEECHING: frozenset(
        {"novel_prompts", "volume", "young_account", "rate_limited", "flat_day", "rotating_networks"}
    ),
}


def profile_of(scenario: str) -> str:
    """Which shape an extraction scenario's examples teach (by its name, as labels give it).

    >>> profile_of("task_leeching"), profile_of("leeching"), profile_of("bulk_distillation")
    ('leeching', 'leeching', 'distillation')
    """
    return LEECHING if "leech" in scenario else DISTILLATION


class ExtractionClassifier(Learner):
    """P(extraction) of one client's feature vector: the higher of the two profiles.

    >>> from collections import defaultdict
    >>> harvest = defaultdict(float, prompt_novelty=1.0, mean_prompt_tokens=80.0,
    ...                       completion_prompt_ratio=9.0, reasoning_share=0.9, account_age_days=-1)
    >>> chat = defaultdict(float, prompt_novelty=0.6, mean_prompt_tokens=2000.0,
    ...                    completion_prompt_ratio=0.3, mean_completion_tokens=300.0, account_age_days=400)
    >>> model = ExtractionClassifier()
    >>> for _ in range(300):
    ...     model.learn_one(harvest, True)
    ...     model.learn_one(chat, False)
    >>> model.score_one(chat) < 0.2 < 0.8 < model.score_one(harvest)
    True
    >>> reasons = dict(model.explain_one(harvest))
    >>> {"reasoning_share", "completion_prompt_ratio"} <= set(reasons), round(sum(reasons.values()), 6)
    (True, 1.0)
    """

    name = "profiles"

    def __init__(self, learning_rate: float = 0.05, l2: float = 1e-4):
        self.profiles = {
            name: linear_model.LogisticRegression(
                optimizer=optim.SGD(learning_rate), l2=l2, intercept_lr=learning_rate
            )
            for name in MONOTONE
        }

    def _scores(self, values: dict[str, float]) -> dict[str, float]:
        return {name: m.predict_proba_one(values).get(True, 0.0) for name, m in self.profiles.items()}

    def _winner(self, values: dict[str, float]) -> str:
        scores = self._scores(values)
        return max(sorted(scores), key=scores.__getitem__)

    def score_one(self, x: Features) -> float:
        return max(self._scores(indicator_values(x)).values())

    def learn_one(
        self, x: Features, y: bool | None = None, w: float = 1.0, profile: str | None = None
    ) -> None:
        """``profile``: the shape an extraction example teaches; by default the one scoring it higher."""
        if y is None:
            return
        values = indicator_values(x)
        targets = [profile or self._winner(values)] if y else sorted(self.profiles)
        for name in targets:
            model = self.profiles[name]
            model.learn_one(values, bool(y), w)
            # Projected SGD: River's LogisticRegression has no sign constraints, so a step past zero
            # is undone for the monotone indicators (its weights are only reachable as ``_weights``).
            weights = model._weights
            for indicator in MONOTONE[name]:
                if weights[indicator] < 0:
                    weights[indicator] = 0.0

    def explain_one(self, x: Features) -> list[tuple[str, float]]:
        """The winning profile's positive weighted terms, each credited to the feature its indicator
        reports, as shares summing to 1."""
        values = indicator_values(x)
        weights = self.profiles[self._winner(values)].weights
        merged: dict[str, float] = {}
        for name, value in values.items():
            term = weights.get(name, 0.0) * value
            if term > 0:
                feature = INDICATORS[name][0]
                merged[feature] = merged.get(feature, 0.0) + term
        total = sum(merged.values())
        if total <= 0:
            return []
        return sorted(((f, t / total) for f, t in merged.items()), key=lambda p: (-p[1], p[0]))

    def fingerprint(self) -> str:
        """A short hash of the weights: two models that score alike have the same one."""
        blob = repr(
            [
                (name, sorted((k, round(v, 12)) for k, v in m.weights.items()), round(m.intercept, 12))
                for name, m in sorted(self.profiles.items())
            ]
        ).encode()
        return hashlib.sha256(blob).hexdigest()[:6]


class ForestClassifier(Learner):
    """P(extraction) of one client's feature vector: River's Aggregated Mondrian Forest over the
    extraction indicators.

    Why a forest and not the profiles: extraction is a conjunction of signs that are each common in
    benign traffic (a shared template AND new inputs AND long or reasoning answers; a narrow task AND
    a new account AND cloud addresses), which a sum of indicators cannot express without marking the
    benign services that show one half. The forest learns those conjunctions; the comparison that
    chose it is in ``docs/model-choice.md``. Its size is bounded (``max_nodes`` per tree).

    AMF takes no sample weights, so an example of weight ``w`` is learned ``floor(w)`` times and once
    more with probability ``w - floor(w)``, drawn from the model's own seeded generator: the same
    examples in the same order give the same forest, byte for byte. Scoring does not change it.

    >>> from collections import defaultdict
    >>> harvest = defaultdict(float, prompt_novelty=1.0, mean_prompt_tokens=80.0,
    ...                       completion_prompt_ratio=9.0, reasoning_share=0.9, account_age_days=-1)
    >>> chat = defaultdict(float, prompt_novelty=0.6, mean_prompt_tokens=2000.0,
    ...                    completion_prompt_ratio=0.3, mean_completion_tokens=300.0, account_age_days=400)
    >>> model = ForestClassifier()
    >>> for _ in range(300):
    ...     model.learn_one(harvest, True)
    ...     model.learn_one(chat, False)
    >>> model.score_one(chat) < 0.2 < 0.8 < model.score_one(harvest)
    True
    >>> reasons = dict(model.explain_one(harvest))
    >>> "reasoning_share" in reasons, round(sum(reasons.values()), 6)
    (True, 1.0)
    """

    name = "forest"

    def __init__(self, n_estimators: int = 10, max_nodes: int = 2047, seed: int = 1):
        self.forest = forest.AMFClassifier(n_estimators=n_estimators, max_nodes=max_nodes, seed=seed)
        self._rng = random.Random(seed)

    def _score_values(self, values: dict[str, float]) -> float:
        return self.forest.predict_proba_one(values).get(True, 0.0)

    def score_one(self, x: Features) -> float:
        return self._score_values(indicator_values(x))

    def learn_one(
        self, x: Features, y: bool | None = None, w: float = 1.0, profile: str | None = None
    ) -> None:
        """``profile`` is accepted for the profiles' interface; one forest learns every shape."""
        if y is None or w <= 0:
            return
        values = indicator_values(x)
        copies = int(w) + (1 if self._rng.random() < w - int(w) else 0)
        for _ in range(copies):
            self.forest.learn_one(values, bool(y))

    def explain_one(self, x: Features) -> list[tuple[str, float]]:
        """Each indicator's share of the risk: how much lower the risk is with that indicator at its
        benign end (0), credited to the feature it reports, as shares summing to 1."""
        values = indicator_values(x)
        risk = self._score_values(values)
        merged: dict[str, float] = {}
        for name, value in values.items():
            if value <= 0:
                continue
            drop = risk - self._score_values({**values, name: 0.0})
            if drop > 0:
                feature = INDICATORS[name][0]
                merged[feature] = merged.get(feature, 0.0) + drop
        total = sum(merged.values())
        if total <= 0:
            return []
        return sorted(((f, t / total) for f, t in merged.items()), key=lambda p: (-p[1], p[0]))

    def fingerprint(self) -> str:
        """A short hash of the trees: the same training gives the same one."""
        blob = pickle.dumps(self.forest, protocol=pickle.HIGHEST_PROTOCOL)
        return hashlib.sha256(blob).hexdigest()[:6]


class HybridClassifier(Learner):
    """The higher of the forest's risk and the linear profiles' risk.

    The forest learns the conjunctions the profiles cannot express; the profiles keep the
    monotone guarantees a forest does not have: a textbook distiller (new prompts, reasoning, long
    answers at volume) that lies outside the training population's region still scores high, where
    a forest answers with whatever its nearest leaves hold. Reasons are the winning model's.

    >>> from collections import defaultdict
    >>> harvest = defaultdict(float, prompt_novelty=1.0, mean_prompt_tokens=80.0,
    ...                       completion_prompt_ratio=9.0, reasoning_share=0.9, account_age_days=-1)
    >>> chat = defaultdict(float, prompt_novelty=0.6, mean_prompt_tokens=2000.0,
    ...                    completion_prompt_ratio=0.3, mean_completion_tokens=300.0, account_age_days=400)
    >>> model = HybridClassifier()
    >>> for _ in range(300):
    ...     model.learn_one(harvest, True)
    ...     model.learn_one(chat, False)
    >>> model.score_one(chat) < 0.2 < 0.8 < model.score_one(harvest)
    True
    """

    name = "hybrid"

    def __init__(
        self, forest_model: ForestClassifier | None = None, profiles: ExtractionClassifier | None = None
    ):
        self.forest = forest_model or ForestClassifier()
        self.profiles = profiles or ExtractionClassifier()

    def _both(self, x: Features) -> tuple[float, float]:
        values = indicator_values(x)  # once for both models
        return self.forest._score_values(values), max(self.profiles._scores(values).values())

    def _winner(self, x: Features) -> Learner:
        forest_risk, profiles_risk = self._both(x)
        return self.forest if forest_risk >= profiles_risk else self.profiles

    def score_one(self, x: Features) -> float:
        return max(self._both(x))

    def learn_one(
        self, x: Features, y: bool | None = None, w: float = 1.0, profile: str | None = None
    ) -> None:
        self.forest.learn_one(x, y, w, profile)
        self.profiles.learn_one(x, y, w, profile)

    def explain_one(self, x: Features) -> list[tuple[str, float]]:
        return self._winner(x).explain_one(x)

    def fingerprint(self) -> str:
        blob = f"{self.forest.fingerprint()}/{self.profiles.fingerprint()}".encode()
        return hashlib.sha256(blob).hexdigest()[:6]
