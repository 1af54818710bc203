"""The C heap's own account of its memory (glibc's ``mallinfo2``), for ``/metrics``, and the one
setting of its allocator the worker changes (``mallopt``).

A worker's RSS can grow for two different reasons: objects that stay alive (a leak), or freed memory
that the allocator keeps in its arenas because live blocks sit between the free ones
(fragmentation). RSS alone cannot tell them apart; the allocator's counts can. Python's small
objects live in its own arenas, outside these counts; the large ones (lists', dicts' and sets'
tables, bytes such as pickled snapshots) and the Kafka client's buffers come from here.

glibc maps a block of at least its *mapping threshold* on its own, and returns it to the system when
it is freed. The threshold slides: each time such a block is freed, glibc raises it to that block's
size (up to 32 MiB), so that the next ones come from the heap instead. In the worker the large
blocks are temporaries (snapshots' pickles, fetched batches): taken from the heap, they leave holes
between the live blocks that the heap keeps, and RSS grows with its free bytes (``make soak``).
``fix_mmap_threshold`` pins the threshold, so they stay mapped one by one.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable

# glibc's ``struct mallinfo2`` (2.33 and later), in order: ten ``size_t``
_MALLINFO2_FIELDS = (
    ("arena", "ordblks", "smblks", "hblks", "hblkhd"),
    ("usmblks", "fsmblks", "uordblks", "fordblks", "keepcost"),
)


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for row in _MALLINFO2_FIELDS for name in row]


_M_MMAP_THRESHOLD = -3  # mallopt's parameter (<malloc.h>)


def _load_libc() -> ctypes.CDLL | None:
    # once: on Linux, find_library runs ldconfig in a subprocess
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


_LIBC = _load_libc()


def _glibc(name: str, restype: type, argtypes: list[type]) -> Callable | None:
    """glibc's function ``name``, or None on another C library or a glibc without it."""
    function = getattr(_LIBC, name, None)
    if function is None:
        return None
    function.restype = restype
    function.argtypes = argtypes
    return function


_MALLINFO2 = _glibc("mallinfo2", _MallInfo2, [])
_MALLOPT = _glibc("mallopt", ctypes.c_int, [ctypes.c_int, ctypes.c_int])


def heap_bytes() -> dict[str, int] | None:
    """Bytes of the C heap: ``in_use`` (allocated blocks), ``free`` (freed, kept in the arenas) and
    ``mapped`` (large blocks mapped on their own, returned to the system when freed); None where
    glibc's ``mallinfo2`` is not available.

    >>> before = heap_bytes()
    >>> block = bytearray(50_000_000)
    >>> after = heap_bytes()
    >>> held = lambda heap: heap["in_use"] + heap["mapped"]
    >>> before is None or held(after) - held(before) >= 50_000_000
    True
    """
    if _MALLINFO2 is None:
        return None
    info = _MALLINFO2()
    return {"in_use": info.uordblks, "free": info.fordblks, "mapped": info.hblkhd}


def fix_mmap_threshold(size: int) -> bool:
    """Map every block of ``size`` bytes or more on its own from now on, and stop glibc from raising
    that threshold when such a block is freed. False where it could not be set (not glibc).
    It is the whole process's setting: tests call it in a process of their own."""
    return _MALLOPT is not None and _MALLOPT(_M_MMAP_THRESHOLD, size) == 1
