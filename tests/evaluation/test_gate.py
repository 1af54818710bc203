"""The eval gate in ``make test``: a small, held-out simulation must still meet the detection targets.

Seed 7 is not one the detector was tuned on (tuning used seeds 101 and 102). A regression in
features, indicators or policy that loses an attacker or fires on a benign account fails CI here.
"""

import orjson

from streams.evaluation.evaluate import evaluate
from streams.evaluation.targets import RECALL_SCENARIOS
from streams.settings import Settings

GATE_SEED = 7


def test_two_day_simulation_meets_every_target(tmp_path):
    _, met = evaluate(Settings(), tmp_path, seeds=[GATE_SEED], duration=2 * 86400.0, scale=0.4)
    report = orjson.loads((tmp_path / "eval.json").read_bytes())
    checked = {t["target"].split(" ")[0] for t in report["targets"]}
    assert set(RECALL_SCENARIOS) <= checked, "every recall target must be checked by the gate"
    missed = [t for t in report["targets"] if not t["met"]]
    assert met and not missed, missed
    assert (tmp_path / "risk.png").read_bytes().startswith(b"\x89PNG")
