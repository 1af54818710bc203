"""Hostile and broken input, fuzzed with hypothesis: whatever a producer sends, the stage that reads
the input topic (a partition, or the route stage when the input is not murmur2-partitioned) passes
on the good events, dead-letters every bad one with a reason, and never raises."""

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.core.partition import PartitionState
from streams.core.routing import SourceState
from streams.core.stage import InputRecord
from streams.core.validate import MAX_MESSAGE_BYTES
from streams.settings import DetectorSettings
from tests.helpers import raw_event

T0 = 1_790_000_000.0
REASONS = {"invalid_json", "invalid_event", "too_large", "late", "future", "duplicate"}
MURMUR2 = DetectorSettings(input_partitioner="murmur2")  # partitions read the raw input records
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)  # what JSON encoders write
json_values = st.recursive(
    st.none() | st.booleans() | INT64 | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=30,
)
wrong_values = st.one_of(
    st.none(),
    st.booleans(),
    INT64,
    st.floats(),  # NaN and infinities are written as null by orjson
    st.text(max_size=300),
    st.lists(INT64, max_size=3),
    st.dictionaries(st.text(max_size=5), INT64, max_size=3),
)
# every field a producer may send, the optional pre-hashed prompt among them
FIELDS = sorted({*raw_event(), "prompt_sha256", "prompt_simhash"})


@st.composite
def broken_events(draw) -> dict:
    """A valid event with some fields replaced, removed, or set to hostile values."""
    event = raw_event(ts=T0 + draw(st.floats(min_value=0, max_value=3600)), event_id=draw(st.uuids()).hex)
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=4, unique=True)):
        if draw(st.booleans()):
            event[name] = draw(wrong_values)
        else:
            event.pop(name, None)
    if draw(st.booleans()):
        event["prompt_tokens"] = draw(st.integers(min_value=-(10**9), max_value=-1))
    return event


def good_event(i: int) -> dict:
    return raw_event(ts=T0 + i, event_id=f"good-{i}")


messages = st.one_of(
    st.binary(max_size=300),  # random bytes, invalid UTF-8 included
    json_values.map(orjson.dumps),
    broken_events().map(orjson.dumps),
    st.lists(st.one_of(broken_events(), json_values), min_size=1, max_size=6).map(orjson.dumps),
    st.integers(min_value=1, max_value=200).map(lambda depth: b"[" * depth + b"]" * depth),
    st.builds(lambda: orjson.dumps(raw_event(ts=T0, user_agent="x" * MAX_MESSAGE_BYTES))),
)


def is_json(value: bytes) -> bool:
    try:
        orjson.loads(value)
    except orjson.JSONDecodeError:
        return False
    return True


def items_in(value: bytes) -> int:
    try:
        doc = orjson.loads(value)
    except orjson.JSONDecodeError:
        return 1
    return len(doc) if isinstance(doc, list) else 1


ENTRY_STAGES = {
    "partition": lambda: PartitionState(0, 1, MURMUR2),  # one partition: nothing is rerouted
    "route": lambda: SourceState(0, DetectorSettings()),
}


@pytest.mark.parametrize("stage", sorted(ENTRY_STAGES))
@FUZZ
@given(values=st.lists(messages, min_size=1, max_size=8))
def test_every_bad_message_is_dead_lettered_with_a_reason_and_nothing_raises(stage, values):
    state = ENTRY_STAGES[stage]()
    records = [InputRecord(i, T0 + 7200, v) for i, v in enumerate(values)]
    out = state.apply(records)
    assert {d.reason for d in out.dead_letters} <= REASONS
    assert all(d.detail for d in out.dead_letters), "every dead letter says why"
    # each message is one item (an envelope: one per element): applied, or dead-lettered once
    expected = sum(1 if len(v) > MAX_MESSAGE_BYTES else items_in(v) for v in values)
    assert out.events + len(out.dead_letters) == expected
    reasons = [d.reason for d in out.dead_letters]
    assert reasons.count("too_large") == sum(len(v) > MAX_MESSAGE_BYTES for v in values)
    assert reasons.count("invalid_json") == sum(
        len(v) <= MAX_MESSAGE_BYTES and not is_json(v) for v in values
    )


@FUZZ
@given(st.lists(broken_events(), min_size=1, max_size=5))
def test_good_events_in_an_envelope_with_bad_ones_are_all_applied(bad):
    good = [good_event(i) for i in range(3)]
    envelope = orjson.dumps([good[0], *bad, good[1], good[2]])
    state = PartitionState(0, 1, MURMUR2)
    out = state.apply([InputRecord(0, T0 + 7200, envelope)])
    assert state.clients["client-a"].features.events >= len(good)
    assert out.events + len(out.dead_letters) == len(good) + len(bad)
    assert all(d.index is not None for d in out.dead_letters)


@FUZZ
@given(st.lists(st.integers(min_value=0, max_value=15), min_size=1, max_size=80), st.integers(1, 8))
def test_an_event_id_is_a_duplicate_exactly_when_it_is_among_the_last_applied(ids, window):
    state = PartitionState(0, 1, DetectorSettings(input_partitioner="murmur2", duplicate_window=window))
    values = [orjson.dumps(raw_event(ts=T0 + i, event_id=f"id-{n}")) for i, n in enumerate(ids)]
    out = state.apply([InputRecord(i, T0 + 7200, v) for i, v in enumerate(values)])
    applied: list[int] = []
    expected = []
    for offset, n in enumerate(ids):
        if n in applied[-window:]:
            expected.append(offset)
        else:
            applied.append(n)
    assert [d.offset for d in out.dead_letters] == expected
    assert {d.reason for d in out.dead_letters} <= {"duplicate"} and out.events == len(applied)
