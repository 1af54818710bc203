import orjson
import pytest

from streams.core.detector import Detector
from streams.core.partitioner import partition_for
from streams.core.validate import InvalidEvent
from streams.core.verdicts import Verdict, parse_verdict
from streams.errors import InputFileError
from streams.label import read_verdicts
from streams.settings import DetectorSettings
from tests.helpers import encoded

CFG = DetectorSettings()
T0 = 1_790_000_000.0


def chat_lines(clients, hours=4.0, every_s=20.0):
    """Interleaved events of several clients, in event-time order."""
    n = int(hours * 3600 / every_s)
    return [
        encoded(client_id=c, ts=T0 + i * every_s, prompt=f"question {i} about {c}", completion_tokens=800)
        for i in range(n)
        for c in clients
    ]


CLIENTS = [f"client-{i}" for i in range(12)]


def fingerprints(detector):
    return {(s.scorer.model.fingerprint(), s.scorer.verdicts) for s in detector.states}


def test_verdict_needs_a_client_a_known_label_and_a_time():
    with pytest.raises(InvalidEvent, match="client_id"):
        parse_verdict({"label": "benign", "ts": 1})
    with pytest.raises(InvalidEvent, match="ts is required"):
        parse_verdict({"client_id": "a", "label": "benign"})
    assert parse_verdict({"client_id": "a", "label": "benign", "ts": 3, "note": "ok"}).note == "ok"


def test_one_verdict_changes_every_partition_model_identically():
    detector = Detector(6, CFG)
    before = fingerprints(detector)
    list(detector.run(chat_lines(CLIENTS), [Verdict(T0 + 7200, CLIENTS[0], True)]))
    after = fingerprints(detector)
    assert len(after) == 1, "every partition must hold the same model"
    assert after != before and next(iter(after))[1] == 1


def test_verdict_waits_for_its_partition_watermark():
    detector = Detector(6, CFG)
    home = detector.states[partition_for(CLIENTS[0], 6)]
    # the verdict's ts is after the last event minus the allowed lateness: the watermark never reaches it
    list(detector.run(chat_lines(CLIENTS, hours=1.5), [Verdict(T0 + 5000, CLIENTS[0], True)]))
    assert home.verdicts.waiting and home.scorer.verdicts == 0


def test_verdict_for_an_untracked_client_is_remembered_and_counted():
    detector = Detector(6, CFG)
    stranger = "never-seen"
    list(detector.run(chat_lines(CLIENTS, hours=2), [Verdict(T0 + 600, stranger, True)]))
    home = detector.states[partition_for(stranger, 6)]
    assert home.verdicts.counts["untracked"] == 1
    assert home.verdicts.labels == {stranger: True}
    assert all(s.scorer.verdicts == 0 for s in detector.states)


def test_verdict_behind_the_watermark_is_learned_at_once_and_counted_late():
    detector = Detector(6, CFG)
    list(detector.run(chat_lines(CLIENTS, hours=3)))
    detector.add_verdict(Verdict(T0 + 600, CLIENTS[1], False))
    home = detector.states[partition_for(CLIENTS[1], 6)]
    assert home.verdicts.counts["late"] == 1
    assert {s.scorer.verdicts for s in detector.states} == {1}


def test_detect_reads_verdicts_from_a_file(tmp_path):
    path = tmp_path / "verdicts.jsonl"
    verdict = {"client_id": "a", "label": "extraction", "ts": "2026-01-01T00:00:00Z"}
    path.write_bytes(orjson.dumps(verdict) + b"\n")
    assert read_verdicts(path) == [Verdict(1767225600.0, "a", True)]
    path.write_bytes(b'{"client_id": "a", "label": "extraction", "ts": 1}\n{"client_id": "a"}\n')
    with pytest.raises(InputFileError, match="line 2"):
        read_verdicts(path)
