"""Decodes Kafka message values into events (schema v1), or says exactly why it will not.

A message holds one JSON event or a JSON array of events (a batch envelope). Bad input is an expected
outcome, returned as a ``DeadLetter`` with a reason; nothing here raises on what a producer sends.
"""

from __future__ import annotations

import functools
import ipaddress
import math
from datetime import datetime
from typing import Any

import orjson

from streams.core import reduce
from streams.core.records import DeadLetter, Event

MAX_MESSAGE_BYTES = 1 << 20  # larger messages go to the DLQ as ``too_large``
_MAX_EVENT_ID = 128
_MAX_CLIENT_ID = 256


class InvalidEvent(ValueError):
    """Raised inside this module only; callers receive a ``DeadLetter``."""


def decode_message(value: bytes | None) -> tuple[list[tuple[int | None, Any]], DeadLetter | None]:
    """Split a message into its raw JSON objects, each with its index in an envelope (None if single).

    >>> decode_message(b'[{"a": 1}, {"a": 2}]')[0]
    [(0, {'a': 1}), (1, {'a': 2})]
    >>> decode_message(b'not json')[1].reason
    'invalid_json'
    """
    if value is None:
        return [], DeadLetter(b"", "invalid_json", "empty message (tombstone)")
    if len(value) > MAX_MESSAGE_BYTES:
        return [], DeadLetter(value, "too_large", f"{len(value)} bytes > {MAX_MESSAGE_BYTES}")
    try:
        doc = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        return [], DeadLetter(value, "invalid_json", str(exc)[:200])
    if isinstance(doc, list):
        return list(enumerate(doc)), None
    return [(None, doc)], None


def parse_event(raw: Any) -> Event:
    """Validate one decoded JSON object and reduce its prompt text. Raises ``InvalidEvent``."""
    if not isinstance(raw, dict):
        raise InvalidEvent(f"an event must be a JSON object, got {type(raw).__name__}")
    prompt = _opt(raw, "prompt", str)
    simhash_hex = _opt(raw, "prompt_simhash", str)
    event = Event(
        event_id=_bounded_str(raw, "event_id", _MAX_EVENT_ID),
        ts=timestamp(raw, "ts", required=True),
        client_id=_bounded_str(raw, "client_id", _MAX_CLIENT_ID),
        api_key_id=_bounded_str(raw, "api_key_id", 256),
        ip=_ip(raw),
        model=_bounded_str(raw, "model", 256),
        prompt_tokens=_int(raw, "prompt_tokens", minimum=0, required=True),
        completion_tokens=_int(raw, "completion_tokens", minimum=0, required=True),
        status=_int(raw, "status", minimum=100, maximum=599, required=True),
        asn=_int(raw, "asn", minimum=0),
        user_agent=_opt(raw, "user_agent", str),
        endpoint=_opt(raw, "endpoint", str),
        max_tokens=_int(raw, "max_tokens", minimum=1),
        temperature=_number(raw, "temperature", minimum=0.0),
        stop_reason=_opt(raw, "stop_reason", str),
        latency_ms=_number(raw, "latency_ms", minimum=0.0),
        account_created_at=timestamp(raw, "account_created_at", required=False),
        prompt_sha256=_sha256(_opt(raw, "prompt_sha256", str)),
        prompt_simhash=_hex64(simhash_hex) if simhash_hex is not None else None,
    )
    if prompt is not None:
        # The text is reduced here and dropped: only hashes go further.
        event.prompt_sha256 = event.prompt_sha256 or reduce.sha256_hex(prompt)
        if event.prompt_simhash is None:
            event.prompt_simhash = reduce.simhash(prompt)
        event.template = reduce.template_signature(prompt)
        event.asks_reasoning = reduce.asks_reasoning(prompt)
    return event


def event_time(raw: Any) -> float | None:
    """The event time of a decoded event, or None if it has no valid ``ts`` (validation says why later).

    >>> event_time({"ts": "2026-01-01T00:00:00Z"}), event_time({"ts": 5}), event_time([])
    (1767225600.0, 5.0, None)
    """
    if not isinstance(raw, dict):
        return None
    try:
        return timestamp(raw, "ts", required=True)
    except InvalidEvent:
        return None


def _opt(raw: dict, name: str, kind: type) -> Any:
    value = raw.get(name)
    if value is None:
        return None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise InvalidEvent(f"{name} must be a {kind.__name__}")
    return value


def _bounded_str(raw: dict, name: str, limit: int) -> str:
    value = raw.get(name)
    if value is None:
        raise InvalidEvent(f"{name} is required")
    if not isinstance(value, str) or not value:
        raise InvalidEvent(f"{name} must be a non-empty string")
    if len(value) > limit:
        raise InvalidEvent(f"{name} is longer than {limit} characters")
    return value


def _int(raw: dict, name: str, *, minimum: int, maximum: int | None = None, required: bool = False) -> Any:
    value = raw.get(name)
    if value is None:
        if required:
            raise InvalidEvent(f"{name} is required")
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidEvent(f"{name} must be an integer")
    if value < minimum or (maximum is not None and value > maximum):
        raise InvalidEvent(f"{name}={value} is out of range")
    return value


def _number(raw: dict, name: str, *, minimum: float) -> float | None:
    value = raw.get(name)
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise InvalidEvent(f"{name} must be a finite number")
    if value < minimum:
        raise InvalidEvent(f"{name}={value} is below {minimum}")
    return float(value)


def timestamp(raw: dict, name: str, *, required: bool) -> Any:
    value = raw.get(name)
    if value is None:
        if required:
            raise InvalidEvent(f"{name} is required")
        return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as exc:
            raise InvalidEvent(f"{name} is not an RFC 3339 time: {value[:40]!r}") from exc
        if parsed.tzinfo is None:
            raise InvalidEvent(f"{name} must carry a UTC offset (RFC 3339)")
        return parsed.timestamp()
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise InvalidEvent(f"{name} must be epoch seconds or an RFC 3339 string")
    if value < 0:
        raise InvalidEvent(f"{name} is negative")
    return float(value)


def _ip(raw: dict) -> str:
    value = _bounded_str(raw, "ip", 64)
    if not _is_ip(value):
        raise InvalidEvent("ip is not an IPv4 or IPv6 address")
    return value


@functools.lru_cache(maxsize=1 << 16)
def _is_ip(value: str) -> bool:
    """Parsing an address costs more than a client's feature update; a client sends from few of them.

    >>> _is_ip("203.0.113.7"), _is_ip("2001:db8::1"), _is_ip("203.0.113.256")
    (True, True, False)
    """
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


_HEX_DIGITS = frozenset("0123456789abcdef")


def _sha256(value: str | None) -> str | None:
    """A digest sent by the producer, lower-cased: the features read its first 64 bits as a number.

    >>> _sha256("AB" * 32) == "ab" * 32
    True
    """
    if value is None:
        return None
    value = value.lower()
    if not 16 <= len(value) <= 128 or not _HEX_DIGITS.issuperset(value):
        raise InvalidEvent("prompt_sha256 must be 16 to 128 hexadecimal digits")
    return value


def _hex64(value: str) -> int:
    try:
        number = int(value, 16)
    except ValueError as exc:
        raise InvalidEvent("prompt_simhash must be hexadecimal") from exc
    if number >= 1 << 64:
        raise InvalidEvent("prompt_simhash must fit in 64 bits")
    return number
