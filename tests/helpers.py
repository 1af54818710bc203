"""Builders shared by the tests: schema-v1 events with sensible defaults."""

from __future__ import annotations

import itertools

import orjson

_ids = itertools.count()


def raw_event(**fields) -> dict:
    event = {
        "event_id": f"e{next(_ids)}",
        "ts": 1_790_000_000.0,
        "client_id": "client-a",
        "api_key_id": "key-1",
        "ip": "203.0.113.7",
        "model": "frontier-large",
        "prompt_tokens": 100,
        "completion_tokens": 200,
        "status": 200,
    }
    event.update(fields)
    return {k: v for k, v in event.items() if v is not None}


def encoded(**fields) -> bytes:
    return orjson.dumps(raw_event(**fields))
