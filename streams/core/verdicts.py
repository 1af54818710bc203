"""Analysts' verdicts, and how every partition learns them at the same point of event time. Pure.

A verdict ``{"client_id", "label", "ts", "note"}`` goes to its client's partition. When that
partition's watermark first reaches ``ts``, the client's feature vector then becomes a
``TrainingExample``. The example goes to every partition (the origin included), and each learns it
when its own watermark passes ``ts``. The same verdicts over the same events therefore teach every
partition the same examples in the same order, whatever the timing.

A verdict that arrives after its partition's watermark has passed ``ts`` is applied at once with the
current vector, and counted as late; one for a client the partition does not track teaches no
vector (there is none) but is remembered as that client's label, and counted.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from streams.core.validate import InvalidEvent, timestamp

LABELS = {"extraction": True, "benign": False}


@dataclass(frozen=True, slots=True, order=True)
class Verdict:
    ts: float
    client_id: str
    extraction: bool
    note: str = ""


@dataclass(frozen=True, slots=True, order=True)
class TrainingExample:
    ts: float
    client_id: str
    extraction: bool
    vector: tuple[tuple[str, float], ...]  # sorted items: hashable, and identical on every partition


def parse_verdict(raw: object) -> Verdict:
    """Validate one decoded verdict. Raises ``InvalidEvent`` with what is wrong.

    >>> parse_verdict({"client_id": "c1", "label": "extraction", "ts": "2026-01-01T00:00:00Z"})
    Verdict(ts=1767225600.0, client_id='c1', extraction=True, note='')
    >>> parse_verdict({"client_id": "c1", "label": "maybe", "ts": 1})
    Traceback (most recent call last):
    ...
    streams.core.validate.InvalidEvent: label must be extraction or benign, got 'maybe'
    """
    if not isinstance(raw, dict):
        raise InvalidEvent(f"a verdict must be a JSON object, got {type(raw).__name__}")
    client_id = raw.get("client_id")
    if not isinstance(client_id, str) or not client_id:
        raise InvalidEvent("client_id must be a non-empty string")
    label = raw.get("label")
    if label not in LABELS:
        raise InvalidEvent(f"label must be extraction or benign, got {label!r}")
    note = raw.get("note") or ""
    if not isinstance(note, str):
        raise InvalidEvent("note must be a string")
    return Verdict(timestamp(raw, "ts", required=True), client_id, LABELS[label], note)


class VerdictBook:
    """One partition's verdicts waiting for its watermark, and examples waiting to be learned."""

    def __init__(self) -> None:
        self.waiting: list[Verdict] = []  # heap by (ts, client_id)
        self.to_learn: list[TrainingExample] = []  # heap by (ts, client_id)
        self.labels: dict[str, bool] = {}  # the latest verdict per client
        self.counts = {"verdicts": 0, "late": 0, "untracked": 0}  # learned: the scorer counts them

    def add(self, verdict: Verdict) -> None:
        self.counts["verdicts"] += 1
        heapq.heappush(self.waiting, verdict)

    def due(self, watermark: float | None) -> list[Verdict]:
        """Verdicts whose ``ts`` the watermark has reached, oldest first."""
        out = []
        while self.waiting and watermark is not None and self.waiting[0].ts <= watermark:
            out.append(heapq.heappop(self.waiting))
        return out

    def teach(self, example: TrainingExample) -> None:
        heapq.heappush(self.to_learn, example)

    def learnable(self, watermark: float | None) -> list[TrainingExample]:
        out = []
        while self.to_learn and watermark is not None and self.to_learn[0].ts <= watermark:
            out.append(heapq.heappop(self.to_learn))
        return out
