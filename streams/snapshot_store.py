"""Retained snapshots: every stage's state cut at each event-time mark (``SnapshotCut``), kept in
the topic ``<app id>-snapshots`` for the input topic's retention, so a replay can start from any
mark in that span.

A cut is written as one or more chunks of at most ``CHUNK_BYTES``, so state of millions of clients
fits under the broker's message limit. Each chunk's value is a JSON line of what the cut is (stage,
partition, mark, offset, watermark, model version, verdicts, chunk number, chunk count, total bytes)
followed by its bytes. The topic has one partition: a cut's chunks stay in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import orjson

from streams.core.stage import SnapshotCut
from streams.errors import DeliveryError
from streams.partition_reader import read_to_end
from streams.settings import Settings
from streams.topics import admin_client, snapshots_topic

CHUNK_BYTES = 512 * 1024


def cut_id(cut: SnapshotCut) -> str:
    """``<stage>-<partition>@<mark>``: what ``state snapshots`` lists and ``replay`` is given.

    >>> cut_id(SnapshotCut("detect", 2, 7200.0, 41, 7210.0, "v", 0, b""))
    'detect-2@7200'
    """
    return f"{cut.stage}-{cut.partition}@{cut.mark:.0f}"


def cut_messages(cut: SnapshotCut) -> list[tuple[bytes, bytes]]:
    """``(key, value)`` of each chunk.

    >>> cut = SnapshotCut("swarms", 0, 3600.0, 9, 3605.0, "v", 1, b"x" * (CHUNK_BYTES + 1), 0.0)
    >>> [len(v) > CHUNK_BYTES for _, v in cut_messages(cut)]
    [True, False]
    >>> CutAssembler().add_all([v for _, v in cut_messages(cut)]) == [cut]
    True
    """
    blob = cut.blob
    chunks = [blob[i : i + CHUNK_BYTES] for i in range(0, len(blob), CHUNK_BYTES)] or [b""]
    key = cut_id(cut).encode()
    meta = {
        "stage": cut.stage,
        "partition": cut.partition,
        "mark": cut.mark,
        "offset": cut.offset,
        "watermark": cut.watermark,
        "model_version": cut.model_version,
        "verdicts": cut.verdicts,
        "first_mark": cut.first_mark,
        "chunks": len(chunks),
        "bytes": len(blob),
    }
    return [(key, orjson.dumps(dict(meta, chunk=i)) + b"\n" + chunk) for i, chunk in enumerate(chunks)]


@dataclass(frozen=True)
class CutInfo:
    """A cut as listed: what it is and its size, without its state."""

    id: str
    stage: str
    partition: int
    mark: float
    watermark: float
    offset: int
    bytes: int
    model_version: str
    verdicts: int


class CutAssembler:
    """Puts chunks back together; a cut whose chunks are incomplete (a worker died while writing
    it) is left out."""

    def __init__(self) -> None:
        self._parts: dict[str, tuple[dict, list[bytes]]] = {}

    def add_all(self, values: list[bytes]) -> list[SnapshotCut]:
        cuts = []
        for value in values:
            cut = self.add(value)
            if cut is not None:
                cuts.append(cut)
        return cuts

    def add(self, value: bytes) -> SnapshotCut | None:
        head, _, chunk = value.partition(b"\n")
        meta = orjson.loads(head)
        key = f"{meta['stage']}-{meta['partition']}@{meta['mark']:.0f}"
        if meta["chunk"] == 0:
            self._parts[key] = (meta, [])
        if key not in self._parts or len(self._parts[key][1]) != meta["chunk"]:
            return None  # a chunk without its start: a rewrite began after it
        self._parts[key][1].append(chunk)
        if meta["chunk"] + 1 < meta["chunks"]:
            return None
        meta, chunks = self._parts.pop(key)
        return SnapshotCut(
            meta["stage"],
            meta["partition"],
            meta["mark"],
            meta["offset"],
            meta["watermark"],
            meta["model_version"],
            meta["verdicts"],
            b"".join(chunks),
            meta["first_mark"],
        )


def read_cuts(
    settings: Settings, wanted: Callable[[CutInfo], bool], timeout_s: float = 30.0
) -> list[SnapshotCut]:
    """The complete cuts in the snapshots topic that ``wanted`` keeps (judged on each chunk's
    description, so unwanted state is never held), oldest first. A cut written twice (a restart
    re-applied its records) keeps its last copy."""
    latest: dict[str, SnapshotCut] = {}
    values = [v for v in _values(settings, timeout_s) if wanted(_info_of(_meta(v)))]
    for cut in CutAssembler().add_all(values):
        latest[cut_id(cut)] = cut
    return sorted(latest.values(), key=lambda c: (c.mark, c.stage, c.partition))


def list_cuts(settings: Settings, partition: int | None = None, timeout_s: float = 30.0) -> list[CutInfo]:
    """What ``extractwatch state snapshots`` prints: every complete cut, without its state."""
    infos: dict[str, CutInfo] = {}
    for value in _values(settings, timeout_s):
        meta = _meta(value)
        if meta["chunk"] + 1 == meta["chunks"] and (partition is None or meta["partition"] == partition):
            item = _info_of(meta)
            infos[item.id] = item
    return sorted(infos.values(), key=lambda c: (c.mark, c.stage, c.partition))


def _values(settings: Settings, timeout_s: float) -> list[bytes]:
    topic = snapshots_topic(settings)
    if topic not in admin_client(settings).list_topics(timeout=timeout_s).topics:
        return []
    read = read_to_end(settings.bootstrap_servers, topic, {0: 0}, timeout_s)
    if read is None:
        raise DeliveryError(f"reading {topic} timed out after {timeout_s:.0f} s")
    return [r.value or b"" for r in read[0]]


def _meta(value: bytes) -> dict:
    return orjson.loads(value.partition(b"\n")[0])


def _info_of(meta: dict) -> CutInfo:
    return CutInfo(
        f"{meta['stage']}-{meta['partition']}@{meta['mark']:.0f}",
        meta["stage"],
        meta["partition"],
        meta["mark"],
        meta["watermark"],
        meta["offset"],
        meta["bytes"],
        meta["model_version"],
        meta["verdicts"],
    )
