import orjson
import pytest

from streams.core.validate import MAX_MESSAGE_BYTES, InvalidEvent, decode_message, parse_event
from tests.helpers import raw_event


def test_valid_event_is_parsed_with_all_required_fields():
    event = parse_event(raw_event(ts="2026-01-01T00:00:00Z", asn=64500, temperature=0))
    assert event.ts == 1767225600.0
    assert event.asn == 64500
    assert event.temperature == 0.0


@pytest.mark.parametrize(
    "field",
    [
        "event_id",
        "ts",
        "client_id",
        "api_key_id",
        "ip",
        "model",
        "prompt_tokens",
        "completion_tokens",
        "status",
    ],
)
def test_missing_required_field_is_rejected_naming_it(field):
    raw = raw_event()
    del raw[field]
    with pytest.raises(InvalidEvent, match=field):
        parse_event(raw)


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"prompt_tokens": -1}, "prompt_tokens"),
        ({"completion_tokens": "12"}, "completion_tokens"),
        ({"status": True}, "status"),
        ({"ip": "999.1.1.1"}, "ip"),
        ({"ts": "yesterday"}, "ts"),
        ({"ts": "2026-01-01T00:00:00"}, "UTC offset"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"temperature": -0.1}, "temperature"),
        ({"event_id": "x" * 129}, "event_id"),
        ({"client_id": "x" * 257}, "client_id"),
        ({"prompt_simhash": "zz"}, "prompt_simhash"),
    ],
)
def test_wrong_type_or_range_is_rejected(fields, message):
    with pytest.raises(InvalidEvent, match=message):
        parse_event(raw_event(**fields))


def test_unknown_fields_are_ignored():
    assert parse_event(raw_event(something_new=1)).client_id == "client-a"


def test_prompt_text_is_reduced_and_not_kept():
    event = parse_event(raw_event(prompt="Explain TCP step by step"))
    assert event.asks_reasoning is True
    assert len(event.prompt_sha256) == 64 and event.prompt_simhash and event.template
    assert "Explain TCP" not in repr(event)


def test_edge_hashed_prompt_is_accepted():
    event = parse_event(raw_event(prompt_simhash="00000000000000ff", prompt_sha256="ab" * 32))
    assert event.prompt_simhash == 255
    assert event.asks_reasoning is None


def test_envelope_yields_each_event_with_its_index():
    items, dead = decode_message(orjson.dumps([raw_event(), raw_event()]))
    assert dead is None
    assert [index for index, _ in items] == [0, 1]


def test_oversized_message_is_a_dead_letter():
    _, dead = decode_message(b"[" + b" " * MAX_MESSAGE_BYTES + b"]")
    assert dead.reason == "too_large"


def test_tombstone_is_a_dead_letter():
    _, dead = decode_message(None)
    assert dead.reason == "invalid_json"


def test_a_prompt_sha256_that_is_not_hexadecimal_is_an_invalid_event():
    with pytest.raises(InvalidEvent, match="prompt_sha256"):
        parse_event(raw_event(prompt_sha256="zz-not-a-digest-at-all"))
