"""Turns a client's feature vector into a risk in [0, 1] and its reasons, and learns verdicts.

The risk is the partition's classifier (``models/classifier.py``), started from the prior checkpoint
and taught by analysts' verdicts. Scoring never changes it: only verdicts do, and every partition
learns every verdict at the same point of event time, so all partitions hold the same model.

The model is therefore the prior plus the verdicts learned, in order. Partitions share the loaded
prior until their first verdict, and a snapshot carries the checkpoint's path and name and the
examples learned, not the model: the prior is megabytes (a forest), and a partition is snapshotted
every few seconds and at every mark.
"""

from __future__ import annotations

from dataclasses import dataclass

import river

from models.base import Learner
from models.prior import load_prior
from streams.core.records import Reason
from streams.core.slotted import pickled_by_slots
from streams.errors import CheckpointError

MAX_REASONS = 5
# One verdict is one example at the prior's learning rate (0.05). Over 210 inputs that step already
# moves the logit of a vector like the verdict's by about 0.05 times its squared norm (often 1-3):
# weighed more, one extraction verdict on a swarm member lifted every small account in validation.
VERDICT_WEIGHT = 1.0


@pickled_by_slots
@dataclass(frozen=True, slots=True)
class Score:
    risk: float
    reasons: list[Reason]


class RiskScorer:
    """The scoring model of one partition (one model per partition, not per client)."""

    def __init__(self, checkpoint: str = ""):
        self.checkpoint = checkpoint
        prior = load_prior(checkpoint or None)
        self.prior_name = prior.name
        self.model: Learner = prior.learner  # shared, read-only, until the first verdict
        self.learned: list[tuple[dict[str, float], bool]] = []

    @property
    def verdicts(self) -> int:
        return len(self.learned)

    def __getstate__(self) -> dict:
        return {"checkpoint": self.checkpoint, "prior_name": self.prior_name, "learned": self.learned}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["checkpoint"])
        if self.prior_name != state["prior_name"]:
            path = state["checkpoint"] or "models/prior.ckpt"
            raise CheckpointError(
                f"the state was learned on {state['prior_name']}, but {path} now holds {self.prior_name}: "
                "restore that checkpoint, or start from empty state with a new EXTRACTWATCH_APP_ID"
            )
        for x, extraction in state["learned"]:
            self.learn(x, extraction)

    @property
    def version(self) -> str:
        return f"{self.model.name}-{self.prior_name}+v{self.verdicts}@river-{river.__version__}"

    def score(self, x: dict[str, float], explain: bool = True) -> Score:
        """``explain``: also name the features that drive the risk (a forest's explanation costs a
        score per indicator, so the core asks for it only when it alerts)."""
        risk = self.model.score_one(x)
        return Score(risk=round(min(1.0, max(0.0, risk)), 4), reasons=self.reasons(x) if explain else [])

    def reasons(self, x: dict[str, float]) -> list[Reason]:
        return [
            Reason(feature=f, value=round(x[f], 4), weight=round(w, 4))
            for f, w in self.model.explain_one(x)[:MAX_REASONS]
        ]

    def learn(self, x: dict[str, float], extraction: bool) -> None:
        if not self.learned:
            self.model = load_prior(self.checkpoint or None).fresh_learner()  # this partition's own copy
        self.model.learn_one(x, extraction, VERDICT_WEIGHT)
        self.learned.append((x, extraction))
