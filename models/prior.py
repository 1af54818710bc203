"""The prior checkpoint: the classifier trained on labelled history, and what it was trained on.

``extractwatch train`` writes it; every partition starts from a copy and learns verdicts on top. The
shipped one (``models/prior.ckpt``) is rebuilt by ``make train`` and records its training seeds, so a
test can hold them apart from the evaluation's.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field
from pathlib import Path

from models.base import Learner, dump_checkpoint, load_checkpoint
from models.errors import CheckpointError

SHIPPED = Path(__file__).with_name("prior.ckpt")


@dataclass(frozen=True)
class Prior:
    learner: Learner  # models.classifier: ForestClassifier (or the older ExtractionClassifier)
    trained_on: str  # "scenario library seeds 101-199 ..." or the events file
    seeds: tuple[int, ...] = ()  # scenario-library seeds, when trained on the simulator
    examples: int = 0
    accounts: dict[str, int] = field(default_factory=dict)  # per label

    @property
    def name(self) -> str:
        """Names the checkpoint in ``model_version``: its weights' fingerprint."""
        return f"prior-{self.learner.fingerprint()}"

    def fresh_learner(self) -> Learner:
        """A copy for one partition to learn verdicts on."""
        return copy.deepcopy(self.learner)

    def dumps(self) -> bytes:
        return dump_checkpoint(self, self.name)


def load_prior(path: str | Path | None = None) -> Prior:
    """The checkpoint at ``path``, or the shipped one; loaded once per process and path."""
    return _load(str(path or SHIPPED))


@functools.cache
def _load(path: str) -> Prior:
    try:
        blob = Path(path).read_bytes()
    except OSError as exc:
        raise CheckpointError(
            f"cannot read model checkpoint {path} ({exc.strerror}): run `make train`, or set "
            "EXTRACTWATCH_DETECTOR_MODEL_CHECKPOINT to a file written by `extractwatch train`"
        ) from exc
    prior, _ = load_checkpoint(blob)
    if not isinstance(prior, Prior):
        raise CheckpointError(f"{path} is not a model checkpoint written by `extractwatch train`")
    return prior
