"""The shipped prior checkpoint: rebuilt by ``make train``, never trained on an evaluation seed."""

import pytest

from models.prior import SHIPPED, load_prior
from streams.errors import CheckpointError, InputFileError
from streams.evaluation.evaluate import Plan, check_held_out
from streams.training import TRAINING_SEEDS

EVALUATION_SEEDS = {1, 2, 3, 7}  # make eval's library and ablation seeds, and the CI gate's


def test_shipped_checkpoint_records_training_seeds_disjoint_from_evaluation_seeds():
    prior = load_prior()
    assert prior.seeds, "the shipped prior must record the seeds it was trained on"
    assert set(prior.seeds) <= set(TRAINING_SEEDS)
    assert not set(prior.seeds) & EVALUATION_SEEDS


def test_make_train_rebuilds_the_shipped_checkpoint():
    makefile = (SHIPPED.parents[1] / "Makefile").read_text()
    assert "extractwatch train --out models/prior.ckpt" in makefile


def test_evaluation_refuses_a_seed_the_model_was_trained_on():
    trained = load_prior().seeds[0]
    with pytest.raises(InputFileError, match="trained on"):
        check_held_out(Plan(seeds=(trained,)), load_prior())
    check_held_out(Plan(seeds=(1,), ablation_seed=3), load_prior())


def test_a_missing_checkpoint_says_how_to_make_one(tmp_path):
    with pytest.raises(CheckpointError, match="make train"):
        load_prior(tmp_path / "absent.ckpt")
