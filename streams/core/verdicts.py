"""Analysts' verdicts, and how every partition learns them at the same point of event time. Pure.

A verdict ``{"client_id", "label", "ts", "note"}`` goes to its client's partition. When that
partition's watermark first reaches ``ts``, the client's feature vector then becomes a
``TrainingExample``. The example goes to every partition (the origin included), and each learns it
when its own watermark passes ``ts`` plus ``verdict_settle_s``: the settle time lets the example
reach every partition (through the labels topic, in the worker) before that partition's watermark
gets there. The same verdicts over the same events therefore teach every partition the same examples
in the same order, whatever the timing.

In the worker the labels topic carries both: analysts' verdicts on their client's partition, and the
examples the workers fan out to every partition, as ``{"example": {...}}``. A verdict or example
read twice (a restart re-reads the labels topic from the offset in the last snapshot, and re-sends
the examples it derives) is applied once.

A verdict that arrives after its partition's watermark has passed ``ts`` is applied at once with the
current vector, and counted as late; so is an example that arrives after its partition passed its
learning point. A verdict for a client the partition does not track teaches no vector (there is
none) but is remembered as that client's label, and counted.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import orjson

from streams.core.features import FEATURE_NAMES
from streams.core.slotted import pickled_by_slots
from streams.core.validate import InvalidEvent, timestamp

LABELS = {"extraction": True, "benign": False}


@pickled_by_slots
@dataclass(frozen=True, slots=True, order=True)
class Verdict:
    ts: float
    client_id: str
    extraction: bool
    note: str = ""


@pickled_by_slots
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


def example_record(example: TrainingExample) -> bytes:
    """The labels topic's value for an example (floats round-trip exactly through orjson).

    >>> example = TrainingExample(5.0, "c1", True, tuple((name, 0.5) for name in sorted(FEATURE_NAMES)))
    >>> decode_label_record(example_record(example)) == example
    True
    """
    label = "extraction" if example.extraction else "benign"
    vector = dict(example.vector)
    body = {"ts": example.ts, "client_id": example.client_id, "label": label, "vector": vector}
    return orjson.dumps({"example": body})


def decode_label_record(value: bytes | None) -> Verdict | TrainingExample:
    """One record of the labels topic: an analyst's verdict or a worker's example.

    >>> decode_label_record(b'{"client_id": "c1", "label": "benign", "ts": 1}')
    Verdict(ts=1.0, client_id='c1', extraction=False, note='')
    >>> decode_label_record(b'{"example": {"client_id": "c1", "label": "benign", "ts": 1}}')
    Traceback (most recent call last):
    ...
    streams.core.validate.InvalidEvent: an example's vector must map feature names to numbers
    """
    try:
        raw = orjson.loads(value or b"")
    except orjson.JSONDecodeError as exc:
        raise InvalidEvent(f"not JSON: {exc}") from exc
    if not (isinstance(raw, dict) and "example" in raw):
        return parse_verdict(raw)
    verdict = parse_verdict(raw["example"])
    vector = raw["example"].get("vector")
    if not isinstance(vector, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in vector.values()
    ):
        raise InvalidEvent("an example's vector must map feature names to numbers")
    if set(vector) != set(FEATURE_NAMES):
        # written by another version of the detector, or by hand: learning it would need guesses
        missing, unknown = sorted(set(FEATURE_NAMES) - set(vector)), sorted(set(vector) - set(FEATURE_NAMES))
        raise InvalidEvent(
            f"an example's vector must have this detector's features: missing "
            f"{missing[:5]}, unknown {unknown[:5]}"
        )
    items = tuple(sorted((str(k), float(v)) for k, v in vector.items()))
    return TrainingExample(verdict.ts, verdict.client_id, verdict.extraction, items)


class VerdictBook:
    """One partition's verdicts waiting for its watermark, and examples waiting to be learned."""

    def __init__(self, settle_s: float) -> None:
        self.settle_s = settle_s
        self.waiting: list[Verdict] = []  # heap by (ts, client_id)
        self.to_learn: list[TrainingExample] = []  # heap by (ts, client_id)
        self.labels: dict[str, bool] = {}  # the latest verdict per client
        self.seen: set[Verdict | TrainingExample] = set()  # what was applied: read again, it is skipped
        # learned: the scorer counts them
        self.counts = {"verdicts": 0, "late": 0, "untracked": 0, "late_examples": 0, "repeated": 0}

    def first_time(self, item: Verdict | TrainingExample) -> bool:
        """False for a verdict or example applied before (counted as repeated)."""
        if item in self.seen:
            self.counts["repeated"] += 1
            return False
        self.seen.add(item)
        return True

    def add(self, verdict: Verdict) -> None:
        self.counts["verdicts"] += 1
        heapq.heappush(self.waiting, verdict)

    def due(self, watermark: float | None) -> list[Verdict]:
        """Verdicts whose ``ts`` the watermark has reached, oldest first."""
        out = []
        while self.waiting and watermark is not None and self.waiting[0].ts <= watermark:
            out.append(heapq.heappop(self.waiting))
        return out

    def teach(self, example: TrainingExample, watermark: float | None) -> None:
        if watermark is not None and example.ts + self.settle_s < watermark:
            self.counts["late_examples"] += 1
        heapq.heappush(self.to_learn, example)

    def learnable(self, watermark: float | None) -> list[TrainingExample]:
        """Examples whose ``ts`` plus the settle time the watermark has reached, oldest first."""
        out = []
        while self.to_learn and watermark is not None and self.to_learn[0].ts + self.settle_s <= watermark:
            out.append(heapq.heappop(self.to_learn))
        return out
