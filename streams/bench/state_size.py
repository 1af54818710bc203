"""State memory per tracked client: what ``n`` clients with a full history add to a snapshot, divided by
``n``.

Feeding every one of a million clients hundreds of events would take hours, so one real client's
history is fed through the core (the busiest client of the benchmark's events: rings full), and the
other clients are copies of it with every string, integer and float it holds replaced by a random
one of the same size. The copies then cost what a distinct client costs: identical copies would
compress to almost nothing in the snapshot's zlib stream.
"""

from __future__ import annotations

import pickle
import random
import zlib
from array import array
from collections import Counter, deque
from dataclasses import fields, is_dataclass, replace
from pathlib import Path
from typing import Any

import orjson

from streams.core.partition import ClientState, PartitionState
from streams.core.stage import InputRecord
from streams.settings import DetectorSettings

HISTORY_EVENTS = 600  # a client's events fed through the core: more than its longest ring holds
_HEX = "0123456789abcdef"
POOL = 2000  # distinct scrambled copies cycled through
_OWNED_MODULES = ("streams", "river")  # objects of these packages are walked into; others kept


def scrambled(value: Any, rng: random.Random) -> Any:
    """``value`` with every string, integer and float in it (through dicts, deques, lists, tuples,
    arrays and the objects of our own and River's classes) replaced by a random one of the same size and type;
    anything else is kept as it is.

    >>> rng = random.Random(1)
    >>> out = scrambled({"ab12": [7, 2.5, "x"]}, rng)
    >>> [(len(k), [type(v) for v in vs]) for k, vs in out.items()]
    [(4, [<class 'int'>, <class 'float'>, <class 'str'>])]
    >>> out != {"ab12": [7, 2.5, "x"]}
    True
    >>> scrambled(array("Q", [1, 2]), rng) != array("Q", [1, 2])
    True
    """
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        return "".join(rng.choices(_HEX, k=len(value)))
    if isinstance(value, int):
        return rng.getrandbits(max(1, value.bit_length()))
    if isinstance(value, float):
        return value * rng.uniform(0.5, 1.5)
    if isinstance(value, array):
        bits = value.itemsize * 8
        if value.typecode in "fd":
            return array(value.typecode, (v * rng.uniform(0.5, 1.5) for v in value))
        signed = value.typecode.islower()
        return array(value.typecode, (rng.getrandbits(bits - signed) for _ in value))
    if isinstance(value, deque):
        return deque((scrambled(v, rng) for v in value), maxlen=value.maxlen)
    if isinstance(value, (list, tuple)):
        return type(value)(scrambled(v, rng) for v in value)
    if isinstance(value, (dict, Counter)):
        return type(value)((scrambled(k, rng), scrambled(v, rng)) for k, v in value.items())
    if type(value).__module__.split(".")[0] in _OWNED_MODULES:
        for name in _attributes(value):
            object.__setattr__(value, name, scrambled(getattr(value, name), rng))
    return value


def _attributes(obj: Any) -> list[str]:
    """The names an object of ours (or River's) keeps its data under: dataclass fields, slots, dict."""
    if is_dataclass(obj):
        return [f.name for f in fields(obj)]
    slots = [name for cls in type(obj).__mro__ for name in getattr(cls, "__slots__", ())]
    return [name for name in slots if hasattr(obj, name)] + list(getattr(obj, "__dict__", {}))


def busiest_client_history(events_file: Path, most: int = HISTORY_EVENTS) -> list[bytes]:
    """The first ``most`` events of the client with the most events in the file."""
    by_client: dict[str, list[bytes]] = {}
    with events_file.open("rb") as f:
        for line in f:
            client = orjson.loads(line)["client_id"]
            history = by_client.setdefault(client, [])
            if len(history) < most:
                history.append(line)
    return max(by_client.values(), key=len)


def fed_client(history: list[bytes], cfg: DetectorSettings) -> ClientState:
    """The client after its history went through the core (in a one-partition state that reads it
    straight, as from a murmur2-partitioned input: the merge's gate only delays events)."""
    state = PartitionState(0, 1, replace(cfg, input_partitioner="murmur2"))
    records = [InputRecord(i, orjson.loads(line)["ts"], line) for i, line in enumerate(history)]
    state.apply(records)
    (client,) = state.clients.values()
    return client


def bytes_per_client(template: ClientState, n: int, seed: int = 1) -> float:
    """Snapshot bytes per client for ``n`` clients, each a scrambled copy of ``template``, written as a
    snapshot writes them (pickled, zlib level 3) but streamed, so that no more than ``POOL`` copies
    are ever held: ``n`` entries cycle through the pool, each pickled afresh (memo cleared). zlib
    looks back 32 KB, a few clients, so a copy ``POOL`` clients back cannot shrink the next one."""
    rng = random.Random(seed)
    pickled = pickle.dumps(template, protocol=pickle.HIGHEST_PROTOCOL)
    pool = [scrambled(pickle.loads(pickled), rng) for _ in range(min(n, POOL))]  # noqa: S301 (ours)
    sink = _CompressedSize()
    pickler = pickle.Pickler(sink, protocol=pickle.HIGHEST_PROTOCOL)
    for i in range(n):
        pickler.dump((f"client_{i:08d}_{rng.getrandbits(32):08x}", pool[i % len(pool)]))
        pickler.clear_memo()
    return sink.close() / n


class _CompressedSize:
    """A file that compresses what is written to it as a snapshot does, keeping only the size."""

    def __init__(self) -> None:
        self.compressor = zlib.compressobj(3)
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(self.compressor.compress(data))
        return len(data)

    def close(self) -> int:
        self.size += len(self.compressor.flush())
        return self.size
