import orjson
import pytest

from streams.core.detector import Detector
from streams.core.features import FEATURE_NAMES
from streams.core.partitioner import partition_for
from streams.core.stage import InputRecord
from streams.core.validate import InvalidEvent
from streams.core.verdicts import TrainingExample, Verdict, example_record, parse_verdict
from streams.errors import InputFileError
from streams.label import read_verdicts
from streams.settings import DetectorSettings
from tests.helpers import encoded

# A partition fed raw input records: producers declared murmur2 (otherwise the route stage,
# streams.core.routing, judges raw records and a partition merges what it forwards).
CFG = DetectorSettings(input_partitioner="murmur2")
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


# -- the labels topic, as the worker reads it -----------------------------------------------------


def label_records(*values: bytes, first_offset: int = 0) -> list[InputRecord]:
    return [InputRecord(first_offset + i, T0, v) for i, v in enumerate(values)]


def verdict_value(client_id: str, label: str = "extraction", ts: float = T0 + 3600) -> bytes:
    return orjson.dumps({"client_id": client_id, "label": label, "ts": ts})


def full_vector(**values: float) -> tuple[tuple[str, float], ...]:
    return tuple(sorted(({name: 0.0 for name in FEATURE_NAMES} | values).items()))


def home_of(detector: Detector, client_id: str):
    return detector.states[partition_for(client_id, detector.partitions)]


def test_verdict_read_from_the_labels_topic_gives_its_example_at_the_watermark():
    detector = Detector(6, CFG)
    home = home_of(detector, CLIENTS[0])
    assert home.apply_labels(label_records(verdict_value(CLIENTS[0]))).examples == []
    examples = []
    for line in chat_lines(CLIENTS, hours=3):
        event = orjson.loads(line)
        if partition_for(event["client_id"], 6) == home.partition:
            examples += home.apply([InputRecord(home.last_offset + 1, event["ts"], line)]).examples
    assert [(e.client_id, e.extraction, e.ts) for e in examples] == [(CLIENTS[0], True, T0 + 3600)]
    assert home.labels_offset == 0


def test_example_read_twice_is_learned_once():
    detector = Detector(6, CFG)
    list(detector.run(chat_lines(CLIENTS, hours=3)))
    state = detector.states[2]
    value = example_record(TrainingExample(T0 + 60, "x", True, full_vector(req_rate_1h=900.0)))
    state.apply_labels(label_records(value, value))
    assert state.scorer.verdicts == 1
    assert state.verdicts.counts["repeated"] == 1


def test_example_is_learned_only_once_the_watermark_passes_its_ts_plus_the_settle_time():
    detector = Detector(6, CFG)
    list(detector.run(chat_lines(CLIENTS, hours=2)))  # watermark: T0 + 1 h, less one event
    state = home_of(detector, CLIENTS[0])
    due_at = state.watermark + 100 - CFG.verdict_settle_s
    state.apply_labels(label_records(example_record(TrainingExample(due_at, "x", True, full_vector()))))
    assert state.scorer.verdicts == 0
    ts = state.max_ts + 100
    state.apply([InputRecord(state.last_offset + 1, ts, encoded(client_id=CLIENTS[0], ts=ts))])
    assert state.scorer.verdicts == 1


def test_verdict_on_another_partitions_client_is_rerouted_to_its_own():
    detector = Detector(6, CFG)
    home = partition_for(CLIENTS[0], 6)
    stranger = detector.states[(home + 1) % 6]
    out = stranger.apply_labels(label_records(verdict_value(CLIENTS[0])))
    assert [r.key for r in out.reroutes] == [CLIENTS[0]]
    assert stranger.verdicts.counts["verdicts"] == 0


def test_labels_record_that_is_neither_verdict_nor_example_goes_to_the_dlq_and_is_passed():
    state = Detector(6, CFG).states[0]
    partial = orjson.dumps({"example": {"client_id": "c", "label": "benign", "ts": 1, "vector": {"a": 1}}})
    out = state.apply_labels(label_records(b"not json", partial))
    dead = [(d.reason, d.offset) for d in out.dead_letters]
    assert dead == [("invalid_verdict", 0), ("invalid_verdict", 1)]
    assert "missing" in out.dead_letters[1].detail
    assert state.labels_offset == 1


def test_labels_records_at_or_below_the_applied_offset_are_skipped():
    detector = Detector(6, CFG)
    home = home_of(detector, CLIENTS[0])
    home.apply_labels(label_records(verdict_value(CLIENTS[0]), verdict_value(CLIENTS[0], ts=T0 + 99)))
    out = home.apply_labels(label_records(verdict_value(CLIENTS[0]), first_offset=1))
    assert out.redelivered == 1 and home.verdicts.counts["verdicts"] == 2
