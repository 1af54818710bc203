"""Unsupervised anomaly score: ``MinMaxScaler | HalfSpaceTrees`` over a partition's clients."""

from __future__ import annotations

from river import anomaly, compose, preprocessing

from models.base import Features, Learner


class HalfSpaceAnomaly(Learner):
    """How unusual a client's vector is among the vectors this partition has seen.

    HalfSpaceTrees scores 0 until its first window is full, then in [0, 1]. Its trees are built
    from the keys of the first vector learned, so callers always pass the full feature set.

    >>> model = HalfSpaceAnomaly(window_size=20, seed=1)
    >>> for i in range(60):
    ...     model.learn_one({"a": (i % 5) / 5, "b": 0.5})
    >>> usual, odd = model.score_one({"a": 0.4, "b": 0.5}), model.score_one({"a": 9.0, "b": 9.0})
    >>> 0.0 <= usual < odd <= 1.0
    True
    """

    name = "hst"

    def __init__(self, n_trees: int = 10, height: int = 8, window_size: int = 250, seed: int = 42):
        self.pipeline = compose.Pipeline(
            preprocessing.MinMaxScaler(),
            anomaly.HalfSpaceTrees(n_trees=n_trees, height=height, window_size=window_size, seed=seed),
        )

    def score_one(self, x: Features) -> float:
        return min(1.0, max(0.0, self.pipeline.score_one(x)))

    def learn_one(self, x: Features) -> None:
        self.pipeline.learn_one(x)
