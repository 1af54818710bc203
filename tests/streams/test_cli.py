import gc

import pytest

from streams.cli import main
from tests.helpers import encoded


@pytest.fixture
def gc_threshold_kept():
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def test_every_command_runs_with_the_configured_young_gc_threshold(tmp_path, monkeypatch, gc_threshold_kept):
    events = tmp_path / "events.jsonl"
    events.write_bytes(encoded() + b"\n")
    monkeypatch.setenv("EXTRACTWATCH_GC_YOUNG_THRESHOLD", "12345")
    code = main(["detect", "--input", str(events), "--output", str(tmp_path / "alerts.jsonl")])
    assert code == 0 and gc.get_threshold()[0] == 12345
