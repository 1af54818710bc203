"""The small base every learner implements, and its checkpoint format.

A learner scores one client's feature vector in [0, 1], learns from labelled vectors (an
analyst's verdict, or labelled history), and names the features that drove the score. Checkpoints
carry the River version because River pickles do not load across River versions.
"""

from __future__ import annotations

import abc
import pickle
import zlib
from typing import Any

import river

from models.errors import CheckpointError

Features = dict[str, float]


class Learner(abc.ABC):
    """One online learner over per-client feature vectors."""

    #: a short name that goes into ``model_version``
    name: str = "learner"

    @abc.abstractmethod
    def score_one(self, x: Features) -> float:
        """Risk in [0, 1]; high means more extraction-like."""

    @abc.abstractmethod
    def learn_one(self, x: Features, y: bool | None = None, w: float = 1.0) -> None:
        """Learn one vector labelled ``y`` (True: extraction) with weight ``w``; None teaches nothing."""

    @abc.abstractmethod
    def explain_one(self, x: Features) -> list[tuple[str, float]]:
        """Features that drove the score, as ``(feature, weight)``: weights in [0, 1] summing to 1
        (or no reasons at all), largest first."""


def dump_checkpoint(obj: Any, model_version: str) -> bytes:
    """Serialise ``obj`` with the River version and model version it was made with."""
    payload = pickle.dumps(
        {"river": river.__version__, "model_version": model_version, "obj": obj},
        protocol=pickle.HIGHEST_PROTOCOL,
    )
    return zlib.compress(payload, 3)


def load_checkpoint(blob: bytes) -> tuple[Any, str]:
    """Return ``(obj, model_version)``; refuse a checkpoint made with another River version."""
    try:
        # Checkpoints come only from this project's own state topic, never from producers.
        payload = pickle.loads(zlib.decompress(blob))  # noqa: S301
    except Exception as exc:
        raise CheckpointError(
            f"cannot read checkpoint ({exc}); start from empty state with a new EXTRACTWATCH_APP_ID"
        ) from exc
    if payload.get("river") != river.__version__:
        raise CheckpointError(
            f"checkpoint was written with River {payload.get('river')}, this install has "
            f"{river.__version__}: install River {payload.get('river')} or start from empty state "
            "with a new EXTRACTWATCH_APP_ID"
        )
    return payload["obj"], payload["model_version"]
