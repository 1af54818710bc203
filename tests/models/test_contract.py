"""The contract every learner in ``models/`` keeps."""

import pickle
import random

import pytest

from models.base import Learner, dump_checkpoint, load_checkpoint
from models.classifier import ExtractionClassifier, ForestClassifier, HybridClassifier
from streams.core.features import FEATURE_NAMES

LEARNERS = [ExtractionClassifier, ForestClassifier, HybridClassifier]


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


def test_scoring_and_explaining_do_not_change_the_model(learner):
    before = pickle.dumps(learner)
    for x in vectors(20, seed=7):
        learner.score_one(x)
        learner.explain_one(x)
    assert pickle.dumps(learner) == before


def test_the_same_examples_in_the_same_order_give_the_same_model(learner):
    models = []
    for _ in range(2):
        model = type(learner)()
        for i, x in enumerate(vectors(200)):
            model.learn_one(x, i % 3 == 0, 0.5 + (i % 4) / 2)
        models.append(model)
    assert pickle.dumps(models[0]) == pickle.dumps(models[1])
    assert models[0].fingerprint() == models[1].fingerprint()
