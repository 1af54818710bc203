"""The C heap's own account of its memory (glibc's ``mallinfo2``), for ``/metrics``.

A worker's RSS can grow for two different reasons: objects that stay alive (a leak), or freed memory
that the allocator keeps in its arenas because live blocks sit between the free ones
(fragmentation). RSS alone cannot tell them apart; the allocator's counts can. Python's small
objects live in its own arenas, outside these counts; the large ones (lists', dicts' and sets'
tables, bytes such as pickled snapshots) and the Kafka client's buffers come from here.
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


def _mallinfo2() -> Callable[[], _MallInfo2] | None:
    """glibc's ``mallinfo2``, or None on another C library or an older glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        function = libc.mallinfo2
    except (OSError, AttributeError):
        return None
    function.restype = _MallInfo2
    function.argtypes = []
    return function


_MALLINFO2 = _mallinfo2()


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
