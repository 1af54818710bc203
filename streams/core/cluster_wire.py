"""How items travel between stages: (input partitions -> route -> detect partitions: judged events,
when the input is not partitioned by murmur2) input partitions -> cluster partitions (observations)
-> the swarm stage (key decisions), each stage's heartbeats following its items. Routing, heartbeats and
the envelope format of the internal topics. Pure.

The worker sends what a ``Router`` returns as one envelope per target partition and batch; ``detect``
hands the same items straight to its stages. Both deliver, per source, its items in order with its
heartbeats after them, which is all a ``BucketGate`` relies on.
"""

from __future__ import annotations

from collections.abc import Callable

import orjson

from streams.core.clusters import Heartbeat, KeyDecision, Observation
from streams.core.partitioner import partition_for
from streams.core.records import EVENT_FIELDS, Event, Reason, Routed
from streams.errors import ExtractwatchError

ENVELOPE_VERSION = 2  # 2: observations carry how distillation-shaped their client is
Item = Routed | Observation | KeyDecision | Heartbeat


class InvalidEnvelope(ExtractwatchError):
    """A repartition record that is not an observation envelope this version can read."""


def cluster_partition_for(o: Observation, partitions: int) -> int:
    """Every observation of one key goes to one cluster partition."""
    return partition_for(f"{o.kind}:{o.key}", partitions)


class Router:
    """Sorts a source's items by target partition and adds the source's heartbeat to every target
    partition when its watermark enters a new bucket or it turns idle or busy."""

    def __init__(self, partitions: int, bucket_s: float, partition_of: Callable[[Item], int]):
        self.partitions = partitions
        self.bucket_s = bucket_s
        self.partition_of = partition_of
        self._announced: dict[int, tuple[int | None, bool]] = {}  # source -> (bucket, idle) last sent

    @classmethod
    def to_clusters(cls, partitions: int, bucket_s: float) -> Router:
        return cls(partitions, bucket_s, lambda o: cluster_partition_for(o, partitions))

    @classmethod
    def to_detect(cls, partitions: int, bucket_s: float) -> Router:
        """A judged event goes to its client's partition, where murmur2 would have put it."""
        return cls(partitions, bucket_s, lambda r: partition_for(r.event.client_id, partitions))

    @classmethod
    def to_swarms(cls, bucket_s: float) -> Router:
        """The swarm stage is a single partition."""
        return cls(1, bucket_s, lambda _d: 0)

    def route(self, source: int, items: list[Item], watermark: float | None) -> dict[int, list[Item]]:
        """
        >>> router = Router.to_clusters(2, 60.0)
        >>> o = Observation("ua", "sdk/1", "c", 90.0, None, True, 0, (0, 0))
        >>> sorted((p, len(items)) for p, items in router.route(0, [o], 30.0).items())
        [(0, 2), (1, 1)]
        >>> router.route(0, [], 50.0)  # same bucket, still busy: nothing to say
        {}
        """
        out: dict[int, list[Item]] = {}
        for item in items:
            out.setdefault(self.partition_of(item), []).append(item)
        self._add_heartbeat(out, source, watermark, idle=False)
        return out

    def idle(self, source: int, watermark: float | None) -> dict[int, list[Item]]:
        """The source has nothing more to apply for now: tell every cluster partition (once)."""
        out: dict[int, list[Item]] = {}
        self._add_heartbeat(out, source, watermark, idle=True)
        return out

    def is_idle(self, source: int) -> bool:
        return self._announced.get(source, (None, False))[1]

    def is_busy(self, source: int) -> bool:
        """Said busy since it was assigned here (neither idle nor not heard of)."""
        return self._announced.get(source, (None, True))[1] is False

    def forget(self, source: int) -> None:
        """A source moved to another worker: its next heartbeat here is sent whatever it says."""
        self._announced.pop(source, None)

    def _add_heartbeat(
        self, out: dict[int, list[Item]], source: int, watermark: float | None, idle: bool
    ) -> None:
        bucket = None if watermark is None else int(watermark // self.bucket_s)
        if self._announced.get(source) == (bucket, idle):
            return
        self._announced[source] = (bucket, idle)
        beat = Heartbeat(source, watermark, idle)
        for partition in range(self.partitions):
            out.setdefault(partition, []).append(beat)


def encode_envelope(items: list[Item]) -> bytes:
    """
    >>> o = Observation("tmpl", "00ff", "c", 90.5, 255, True, 3, (17, 2))
    >>> decode_envelope(encode_envelope([o, Heartbeat(3, 30.0, True)])) == [o, Heartbeat(3, 30.0, True)]
    True
    """
    doc: dict = {"v": ENVELOPE_VERSION, "items": [_row(i) for i in items]}
    # Routed events: the envelope's event time, which a replay merges the routed topic's partitions on
    # (``streams.history``), as it merges the input topic's on its events' ``ts``.
    ts = min((i.event.ts for i in items if isinstance(i, Routed)), default=None)
    if ts is not None:
        doc["ts"] = ts
    return orjson.dumps(doc)


def encode_envelopes(items: list[Item], max_items: int, max_bytes: int) -> list[bytes]:
    """``items`` as envelopes, in order, of at most ``max_items`` items and ``max_bytes`` bytes each
    (a routed event can be large: its user agent, model or endpoint string is the producer's).

    >>> beats = [Heartbeat(s, 1.0) for s in range(10)]
    >>> [len(decode_envelope(e)) for e in encode_envelopes(beats, 4, 1000)]
    [4, 4, 2]
    >>> [len(decode_envelope(e)) for e in encode_envelopes(beats, 4, 60)]
    [2, 2, 2, 2, 2]
    """
    out: list[bytes] = []
    for start in range(0, len(items), max_items):
        pending = [items[start : start + max_items]]
        while pending:
            chunk = pending.pop()
            blob = encode_envelope(chunk)
            if len(blob) > max_bytes and len(chunk) > 1:
                half = len(chunk) // 2
                pending += [chunk[half:], chunk[:half]]
            else:
                out.append(blob)
    return out


def _row(i: Item) -> list:
    if isinstance(i, Heartbeat):
        return ["h", i.source, i.watermark, i.idle]
    if isinstance(i, Routed):
        e = i.event
        return ["e", i.source, *i.position, *(getattr(e, name) for name in EVENT_FIELDS)]
    if isinstance(i, Observation):
        return ["o", i.source, i.kind, i.key, i.client_id, i.ts, i.template, i.young, *i.position, i.shaped]
    reasons = [[r.feature, r.value, r.weight] for r in i.reasons]
    return [
        "k", i.source, i.number, i.key, i.status, i.dedup_key, i.risk, i.severity, i.first_seen, i.ts,
        list(i.members), i.member_count, i.events_seen, reasons,
    ]  # fmt: skip


def _item(row: list) -> Item:
    tag, source, *rest = row
    if tag == "h":
        watermark, idle = rest
        return Heartbeat(int(source), None if watermark is None else float(watermark), bool(idle))
    if tag == "e":
        offset, index, *fields = rest
        if len(fields) != len(EVENT_FIELDS):
            raise InvalidEnvelope(f"a routed event has {len(fields)} fields, expected {len(EVENT_FIELDS)}")
        return Routed(int(source), (int(offset), int(index)), Event(*fields))
    if tag == "o":
        kind, key, client_id, ts, template, young, offset, index, shaped = rest
        return Observation(
            kind,
            key,
            client_id,
            float(ts),
            template,
            bool(young),
            int(source),
            (offset, index),
            float(shaped),
        )
    if tag == "k":
        number, key, status, dedup_key, risk, severity, first_seen, ts, members, count, events, reasons = rest
        return KeyDecision(
            int(source), int(number), key, status, dedup_key, float(risk), severity, float(first_seen),
            float(ts), tuple(members), int(count), int(events), tuple(Reason(*r) for r in reasons),
        )  # fmt: skip
    raise InvalidEnvelope(f"unknown item tag {tag!r}")


def decode_envelope(value: bytes | None) -> list[Item]:
    try:
        doc = orjson.loads(value or b"")
        if doc.get("v") != ENVELOPE_VERSION:
            raise InvalidEnvelope(f"envelope version {doc.get('v')!r}, expected {ENVELOPE_VERSION}")
        return [_item(row) for row in doc["items"]]
    except InvalidEnvelope:
        raise
    except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError) as exc:
        raise InvalidEnvelope(f"not an envelope of this stage: {exc}") from exc
