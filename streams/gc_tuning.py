"""The cyclic garbage collector's young-generation threshold, for processes that run the core.

CPython collects its youngest generation every 700 net allocations of container objects and
promotes what survives. The core allocates objects that live for a second or a bucket (fetched
records, bucket observations): at 700 many survive two young collections, reach the oldest
generation, and set off full collections of the whole state every few seconds. In the worker those
took 0.1-0.25 s each at half a million objects, with the event loop stopped, and freed nothing:
the state holds no cycles, reference counting frees it. A larger threshold lets them die young.
"""

from __future__ import annotations

import gc


def set_young_threshold(threshold: int) -> None:
    """Collect the youngest generation every ``threshold`` net allocations; the older generations'
    thresholds stay as they are.

    >>> before = gc.get_threshold()
    >>> set_young_threshold(10_000); gc.get_threshold()[0]
    10000
    >>> gc.set_threshold(*before)
    """
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(threshold, middle, oldest)
