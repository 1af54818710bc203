"""How observations travel from input partitions to cluster partitions: routing, heartbeats and the
envelope format of the repartition topic. Pure.

The worker sends what ``ObservationRouter`` returns as one envelope per cluster partition and batch;
``detect`` hands the same items straight to its cluster partitions. Both deliver, per source, its
observations in order with its heartbeats after them, which is all a cluster partition relies on.
"""

from __future__ import annotations

import orjson

from streams.core.clusters import Heartbeat, Observation
from streams.core.partitioner import partition_for
from streams.errors import ExtractwatchError

ENVELOPE_VERSION = 1
Item = Observation | Heartbeat


class InvalidEnvelope(ExtractwatchError):
    """A repartition record that is not an observation envelope this version can read."""


def cluster_partition_for(kind: str, key: str, partitions: int) -> int:
    """Every observation of one key goes to one cluster partition."""
    return partition_for(f"{kind}:{key}", partitions)


class ObservationRouter:
    """Sorts observations by cluster partition and adds a source's heartbeat to every cluster
    partition when its watermark enters a new bucket or it turns idle or busy."""

    def __init__(self, partitions: int, bucket_s: float):
        self.partitions = partitions
        self.bucket_s = bucket_s
        self._announced: dict[int, tuple[int | None, bool]] = {}  # source -> (bucket, idle) last sent

    def route(
        self, source: int, observations: list[Observation], watermark: float | None
    ) -> dict[int, list[Item]]:
        """
        >>> router = ObservationRouter(2, 60.0)
        >>> o = Observation("ua", "sdk/1", "c", 90.0, None, True, 0, (0, 0))
        >>> sorted((p, len(items)) for p, items in router.route(0, [o], 30.0).items())
        [(0, 2), (1, 1)]
        >>> router.route(0, [], 50.0)  # same bucket, still busy: nothing to say
        {}
        """
        out: dict[int, list[Item]] = {}
        for o in observations:
            out.setdefault(cluster_partition_for(o.kind, o.key, self.partitions), []).append(o)
        self._add_heartbeat(out, source, watermark, idle=False)
        return out

    def idle(self, source: int, watermark: float | None) -> dict[int, list[Item]]:
        """The source has nothing more to apply for now: tell every cluster partition (once)."""
        out: dict[int, list[Item]] = {}
        self._add_heartbeat(out, source, watermark, idle=True)
        return out

    def is_idle(self, source: int) -> bool:
        return self._announced.get(source, (None, False))[1]

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
    rows = [
        ["h", i.source, i.watermark, i.idle]
        if isinstance(i, Heartbeat)
        else ["o", i.source, i.kind, i.key, i.client_id, i.ts, i.template, i.young, *i.position]
        for i in items
    ]
    return orjson.dumps({"v": ENVELOPE_VERSION, "items": rows})


def decode_envelope(value: bytes | None) -> list[Item]:
    try:
        doc = orjson.loads(value or b"")
        if doc.get("v") != ENVELOPE_VERSION:
            raise InvalidEnvelope(f"envelope version {doc.get('v')!r}, expected {ENVELOPE_VERSION}")
        items: list[Item] = []
        for row in doc["items"]:
            if row[0] == "h":
                _, source, watermark, idle = row
                items.append(
                    Heartbeat(int(source), None if watermark is None else float(watermark), bool(idle))
                )
            else:
                _, source, kind, key, client_id, ts, template, young, offset, index = row
                items.append(
                    Observation(
                        kind, key, client_id, float(ts), template, bool(young), int(source), (offset, index)
                    )
                )
        return items
    except InvalidEnvelope:
        raise
    except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError) as exc:
        raise InvalidEnvelope(f"not an observation envelope: {exc}") from exc
