"""The contract every learner in ``models/`` keeps."""

import pickle
import random

import pytest

from models.base import Learner, dump_checkpoint, load_checkpoint
from models.halfspace import HalfSpaceAnomaly
from models.indicators import ExtractionIndicators
from streams.core.features import FEATURE_NAMES

LEARNERS = [lambda: HalfSpaceAnomaly(window_size=50, seed=3), ExtractionIndicators]


def vectors(n, seed=0):
    rng = random.Random(seed)
    return [{name: rng.random() * 10 for name in FEATURE_NAMES} for _ in range(n)]


@pytest.fixture(params=LEARNERS, ids=lambda f: getattr(f, "__name__", "HalfSpaceAnomaly"))
def learner(request) -> Learner:
    return request.param()


def test_scores_are_in_unit_interval(learner):
    for x in vectors(300):
        assert 0.0 <= learner.score_one(x) <= 1.0
        learner.learn_one(x)


def test_explanations_are_known_features_with_unit_weights(learner):
    for x in vectors(120):
        learner.learn_one(x)
    for feature, weight in learner.explain_one(vectors(1, seed=9)[0]):
        assert feature in FEATURE_NAMES
        assert 0.0 <= weight <= 1.0


def test_checkpoint_round_trip_scores_identically(learner):
    for x in vectors(200):
        learner.learn_one(x)
    restored, version = load_checkpoint(dump_checkpoint(learner, "v-test"))
    assert version == "v-test"
    probe = vectors(20, seed=5)
    assert [learner.score_one(x) for x in probe] == [restored.score_one(x) for x in probe]


def test_learner_pickles(learner):
    assert pickle.loads(pickle.dumps(learner)).name == learner.name
