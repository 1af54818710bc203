"""The eval gate in ``make test``: a fast cut of ``make eval`` must still meet the detection targets.

Seed 7 is held out: the prior checkpoint was trained on seeds 101-199 (``tests/models/test_prior.py``
keeps them apart). The library runs cold and warm; the ablation cells run cold on one day of the same
seed. The independent generator runs too, so it never rots, but its figures are only reported: no
weight was set on it and no gate looks at it.
"""

import orjson
import pytest

from streams.evaluation.evaluate import INDEPENDENT, LIBRARY, Plan, evaluate
from streams.evaluation.sources import Feedback
from streams.evaluation.targets import RECALL_SCENARIOS
from streams.settings import Settings

# The fixture runs five evaluations (library cold and warm, the independent generator): minutes, not
# the seconds the suite-wide timeout is sized for.
pytestmark = pytest.mark.timeout(1200)
GATE_SEED = 7
# Targets of the open detector issue that this cut misses today, each named in the README's
# evaluation section. The gate fails on any other miss, and on one of these once it is met, so that
# the list is shortened rather than left to hide a regression.
_ALWAYS = {
    "task_leeching recall >= 0.95",  # 0 of 1: it looks like the library's translation services
    "swarm median hours to cluster alert <= 2.0",  # 2.03 h
}
KNOWN_MISSES = {
    "cold": _ALWAYS | {"topic_sweep recall >= 0.95"},  # 0 of 1: a grid through one template
    "warm": _ALWAYS
    | {
        "siphon_10pct recall >= 0.6 (warm)",  # 0 of 1
        # 3 false alarms on 73 benign accounts over 2 days: 0.0138 (cold: 1 on 102, 0.0033)
        "false alarms per benign account-day <= 0.01",
    },
}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("gate")
    plan = Plan(
        seeds=(GATE_SEED,),
        duration=2 * 86400.0,
        scale=0.4,
        independent_seeds=(11,),
        independent_scale=0.3,
        feedback=Feedback(0.3, 7200.0),
    )
    _, met = evaluate(Settings(), out, plan, jobs=2)
    return met, orjson.loads((out / "eval.json").read_bytes()), out


def row_set(doc, name, mode):
    return next(s for s in doc["row_sets"] if s["row_set"] == name and s["mode"] == mode)


@pytest.mark.parametrize("mode", ["cold", "warm"])
def test_library_meets_every_target(report, mode):
    _, doc, _ = report
    library = row_set(doc, LIBRARY, mode)
    checked = {t["target"].split(" ")[0] for t in library["targets"]}
    present = {r["scenario"] for r in library["scenarios"]}
    assert set(RECALL_SCENARIOS) & present <= checked, "every recall target present must be checked"
    missed = {t["target"] for t in library["targets"] if not t["met"]}
    assert missed == KNOWN_MISSES[mode], {t["target"]: t["value"] for t in library["targets"]}


def test_warm_run_scores_only_accounts_no_verdict_revealed(report):
    _, doc, _ = report
    cold, warm = row_set(doc, LIBRARY, "cold"), row_set(doc, LIBRARY, "warm")
    revealed = warm["runs"][0]["verdicts"]
    assert revealed > 0
    accounts = lambda s: sum(r["accounts"] for r in s["scenarios"] if not r["scenario"].startswith("all "))  # noqa: E731
    assert accounts(warm) == accounts(cold) - revealed


def test_independent_generator_is_reported_but_never_gated(report):
    met, doc, out = report
    independent = row_set(doc, INDEPENDENT, "cold")
    assert independent["gated"] is False and independent["scenarios"]
    assert doc["targets_met"] == met == all(
        t["met"] for s in doc["row_sets"] if s["gated"] for t in s["targets"]
    )
    assert (out / "risk.png").read_bytes().startswith(b"\x89PNG")
