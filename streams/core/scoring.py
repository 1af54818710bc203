"""Turns a client's feature vector into a risk in [0, 1] and its reasons.

risk = indicators + 0.2 * anomaly * (1 - indicators), where ``indicators`` is the fixed extraction
score and ``anomaly`` the partition's HalfSpaceTrees score. The indicators decide; the anomaly score
can only lift a client that is also unusual among its partition's clients, by at most a fifth of the
way to 1. It never lowers a risk: the heaviest clients of a partition dominate what HalfSpaceTrees
learns, so a large extraction campaign looks *normal* to it. Reasons are the indicators' attributions
(weights sum to 1 over the positive terms).
"""

from __future__ import annotations

from dataclasses import dataclass

import river

from models.halfspace import HalfSpaceAnomaly
from models.indicators import ExtractionIndicators
from streams.core.records import Reason

ANOMALY_SHARE = 0.2
MAX_REASONS = 5


@dataclass(frozen=True, slots=True)
class Score:
    risk: float
    reasons: list[Reason]


class RiskScorer:
    """The scoring models of one partition (one model per partition, not per client)."""

    def __init__(self, seed: int):
        self.indicators = ExtractionIndicators()
        self.anomaly = HalfSpaceAnomaly(seed=seed)

    @property
    def version(self) -> str:
        return f"{self.indicators.name}+{self.anomaly.name}@river-{river.__version__}"

    def score_and_learn(self, x: dict[str, float]) -> Score:
        anomaly = self.anomaly.score_one(x)
        self.anomaly.learn_one(x)
        indicators = self.indicators.score_one(x)
        risk = indicators + ANOMALY_SHARE * anomaly * (1.0 - indicators)
        reasons = [
            Reason(feature=f, value=round(x[f], 4), weight=round(w, 4))
            for f, w in self.indicators.explain_one(x)[:MAX_REASONS]
        ]
        return Score(risk=round(min(1.0, max(0.0, risk)), 4), reasons=reasons)
