"""The independent generator is held-out evidence only while it shares nothing with the detector."""

from pathlib import Path

import streams.independent
from streams.independent import generate
from tests.helpers import imported_modules

PACKAGE = Path(streams.independent.__file__).parent
FORBIDDEN = ("streams.core", "streams.simulate", "streams.evaluation", "models")


def test_generator_imports_nothing_from_the_detector_or_the_project_simulator():
    offending = {
        f"{path.name}: {name}"
        for path in PACKAGE.glob("*.py")
        for name in imported_modules(path)
        if name.startswith(FORBIDDEN)
        or (name.startswith("streams") and not name.startswith("streams.independent"))
    }
    assert not offending, offending


def test_same_seed_gives_the_same_traffic_and_labels_name_every_core_kind():
    first = generate(5, 1_793_577_600.0, 3 * 3600.0, 0.3)
    again = generate(5, 1_793_577_600.0, 3 * 3600.0, 0.3)
    assert first == again
    events, labels = first
    assert [e["ts"] for e in events] == sorted(e["ts"] for e in events)
    kinds = {kind for _, _, _, kind in labels}
    assert {"bulk", "low_and_slow", "swarm", "burst", "sweep", "leeching", "benign"} <= kinds
