"""The input and output records of the core: events (schema v1, reduced) and alerts (schema v1)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from streams.core.slotted import pickled_by_slots

ALERT_SCHEMA = 1


@pickled_by_slots
@dataclass(slots=True)
class Event:
    """One validated API request, with prompt text already reduced to hashes (never kept)."""

    event_id: str
    ts: float
    client_id: str
    api_key_id: str
    ip: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    status: int
    asn: int | None = None
    user_agent: str | None = None
    endpoint: str | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    stop_reason: str | None = None
    latency_ms: float | None = None
    account_created_at: float | None = None
    prompt_sha256: str | None = None
    prompt_simhash: int | None = None
    template: int | None = None  # signature of the prompt with its variable parts masked
    asks_reasoning: bool | None = None  # None when only hashes were sent


EVENT_FIELDS = tuple(Event.__slots__)  # the order ``cluster_wire`` writes an event's fields in


@pickled_by_slots
@dataclass(frozen=True, slots=True)
class Routed:
    """A judged event on its way from the input partition the producer put it on (``source``, at
    ``position``: offset and index in an envelope) to its client's partition."""

    source: int
    position: tuple[int, int]
    event: Event


@pickled_by_slots
@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message the core would not process, and why. ``value`` is exactly what the producer sent."""

    value: bytes
    reason: str  # invalid_json, invalid_event, too_large, late, future
    detail: str
    offset: int | None = None
    index: int | None = None  # position inside a batch envelope


@pickled_by_slots
@dataclass(frozen=True, slots=True)
class Reroute:
    """An envelope event that belongs to another partition: re-published there, not processed here."""

    key: str
    value: bytes


@pickled_by_slots
@dataclass(frozen=True, slots=True)
class Reason:
    feature: str
    value: float
    weight: float


@pickled_by_slots
@dataclass(frozen=True, slots=True)
class Alert:
    """Alert schema v1; see the README for the meaning of each field."""

    alert_id: str
    dedup_key: str
    seq: int
    status: str
    scope: str
    client_id: str | None
    cluster_key: dict[str, str] | None
    members: list[str]
    member_count: int
    risk: float
    severity: str
    ts: float
    first_seen: float
    events_seen: int
    reasons: list[Reason]
    evidence: dict[str, list[Any]]
    model_version: str
    replay: bool
    summary: str
    schema: int = field(default=ALERT_SCHEMA)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
