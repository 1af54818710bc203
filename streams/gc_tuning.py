"""The cyclic garbage collector's young-generation threshold, for processes that run the core.

CPython collects its youngest generation every 700 net allocations of container objects and
promotes what survives. The core allocates objects that live for a second or a bucket (fetched
records, bucket observations): at 700 many survive two young collections, reach the oldest
generation, and set off full collections of the whole state every few seconds. In the worker those
took 0.1-0.25 s each at half a million objects, with the event loop stopped, and freed nothing:
the state holds no cycles, reference counting frees it. A larger threshold lets them die young.

``CollectionTimer`` times each collection, since one stops every thread of the process, the event
loop with it: the worker shows the totals on ``/metrics`` and logs the long ones.
"""

from __future__ import annotations

import gc
import time
from collections import deque
from collections.abc import Callable


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


class CollectionTimer:
    """Times the cyclic collector's runs, per generation (a ``gc.callbacks`` entry).

    It only adds numbers up: taking a lock in the callback (a metric's, a log writer's) could
    deadlock, if the collection started while this thread held it. Collections of ``slow_s`` or
    more are kept for ``take_slow`` (the last ``KEEP_SLOW``), for a timer to log.

    >>> ticks = iter([10.0, 10.002, 20.0, 20.75])
    >>> timer = CollectionTimer(slow_s=0.5, clock=lambda: next(ticks))
    >>> timer("start", {"generation": 0}); timer("stop", {"generation": 0, "collected": 3})
    >>> timer("start", {"generation": 2}); timer("stop", {"generation": 2, "collected": 0})
    >>> timer.count, [round(s, 3) for s in timer.seconds]
    ([1, 0, 1], [0.002, 0.0, 0.75])
    >>> timer.take_slow(), timer.take_slow()
    ([(2, 0.75, 0)], [])
    """

    KEEP_SLOW = 100

    def __init__(self, slow_s: float = 0.5, clock: Callable[[], float] = time.perf_counter):
        self.count = [0, 0, 0]
        self.seconds = [0.0, 0.0, 0.0]
        self.slow_s = slow_s
        self._slow: deque[tuple[int, float, int]] = deque(maxlen=self.KEEP_SLOW)
        self._clock = clock
        self._started: float | None = None

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = self._clock()
            return
        if self._started is None:  # installed during a collection
            return
        seconds = self._clock() - self._started
        self._started = None
        generation = info["generation"]
        self.count[generation] += 1
        self.seconds[generation] += seconds
        if seconds >= self.slow_s:
            self._slow.append((generation, seconds, info["collected"]))

    def take_slow(self) -> list[tuple[int, float, int]]:
        """The long collections (generation, seconds, objects collected) since the last call."""
        slow = []
        while self._slow:  # (not a copy, then clear: a collection may end in between)
            slow.append(self._slow.popleft())
        return slow

    def install(self) -> None:
        gc.callbacks.append(self)

    def remove(self) -> None:
        gc.callbacks.remove(self)


class SurvivorFreezer:
    """Keeps full collections short in a process whose heap is mostly long-lived state.

    A full collection walks every object the collector tracks, with every thread stopped. In the
    worker under the soak's load one came every 30 to 50 s, took 0.5 to 1 s, and freed nothing (the
    state holds no cycles). After each full collection its survivors are frozen (``gc.freeze``), so
    the next one walks only what was allocated since. Frozen objects are still freed by reference
    counting; what becomes cyclic garbage among them waits for ``collect_all``, which unfreezes
    everything and collects it once.

    >>> freezer = SurvivorFreezer()
    >>> freezer.install()
    >>> _ = gc.collect()
    >>> gc.get_freeze_count() > 0
    True
    >>> freezer.remove(); gc.unfreeze()
    """

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "stop" and info["generation"] == 2:
            gc.freeze()  # the survivors: a full collection leaves nothing in the younger generations

    def collect_all(self) -> int:
        """A full collection over everything, the frozen included (its survivors are frozen again);
        the number of objects it freed."""
        gc.unfreeze()
        return gc.collect()

    def install(self) -> None:
        gc.callbacks.append(self)

    def remove(self) -> None:
        gc.callbacks.remove(self)
