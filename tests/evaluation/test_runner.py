import orjson
import pytest

from streams.errors import InputFileError
from streams.evaluation.runner import Labelled, read_labels, run_events
from streams.settings import DetectorSettings
from tests.helpers import raw_event


def test_labels_need_a_header_and_known_labels(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("client_id,label\na,extraction\nb,benign,\n")
    assert read_labels(path) == {"a": Labelled("extraction", "extraction"), "b": Labelled("benign", "benign")}
    path.write_text("client_id,label\na,attacker\n")
    with pytest.raises(InputFileError, match="line 2"):
        read_labels(path)
    path.write_text("a,extraction\n")
    with pytest.raises(InputFileError, match="header"):
        read_labels(path)


def test_envelopes_bad_lines_and_unlabelled_clients_are_accounted_for():
    events = [raw_event(client_id="a", ts=1_790_000_000.0 + i) for i in range(3)]
    lines = [
        orjson.dumps(events[:2]),  # an envelope of two events
        orjson.dumps(events[2]),
        b"{not json",
        orjson.dumps(raw_event(client_id="stranger")),
    ]
    run = run_events("test", lines, {"a": Labelled("benign", "app")}, DetectorSettings(), 6)
    assert [(o.client_id, o.events) for o in run.outcomes] == [("a", 3)]
    assert run.rejected == {"invalid_json": 1}
    assert (run.events, run.unlabelled_accounts) == (4, 1)
