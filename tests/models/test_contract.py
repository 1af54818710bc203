"""The contract every learner in ``models/`` keeps."""

import pickle
import random

import pytest

from models.base import Learner, dump_checkpoint, load_checkpoint
from models.classifier import ExtractionClassifier
from streams.core.features import FEATURE_NAMES

LEARNERS = [ExtractionClassifier]


def vectors(n, seed=0):
    rng = random.Random(seed)
    return [{name: rng.random() * 10 for name in FEATURE_NAMES} for _ in range(n)]


@pytest.fixture(params=LEARNERS, ids=lambda f: f.__name__)
def learner(request) -> Learner:
    model = request.param()
    for i, x in enumerate(vectors(200)):
        model.learn_one(x, i % 3 == 0)
    return model


def test_scores_are_in_unit_interval(learner):
    assert all(0.0 <= learner.score_one(x) <= 1.0 for x in vectors(300, seed=1))


def test_explanations_are_known_features_with_weights_summing_to_one(learner):
    for x in vectors(20, seed=9):
        reasons = learner.explain_one(x)
        assert all(feature in FEATURE_NAMES and 0.0 <= weight <= 1.0 for feature, weight in reasons)
        assert not reasons or abs(sum(w for _, w in reasons) - 1.0) < 1e-9


def test_a_labelled_example_moves_its_score_toward_the_label(learner):
    x = vectors(1, seed=4)[0]
    before = learner.score_one(x)
    learner.learn_one(x, True, 5.0)
    assert learner.score_one(x) > before


def test_an_unlabelled_vector_teaches_nothing(learner):
    probe = vectors(5, seed=6)
    before = [learner.score_one(x) for x in probe]
    learner.learn_one(probe[0], None)
    assert [learner.score_one(x) for x in probe] == before


def test_checkpoint_round_trip_scores_identically(learner):
    restored, version = load_checkpoint(dump_checkpoint(learner, "v-test"))
    assert version == "v-test"
    probe = vectors(20, seed=5)
    assert [learner.score_one(x) for x in probe] == [restored.score_one(x) for x in probe]


def test_learner_pickles(learner):
    assert pickle.loads(pickle.dumps(learner)).name == learner.name
