"""Timing the cyclic garbage collector (``streams.gc_tuning``)."""

import gc
import weakref

from streams.gc_tuning import CollectionTimer, SurvivorFreezer


def test_a_full_collection_is_timed_and_a_slow_one_kept_for_the_log():
    timer = CollectionTimer(slow_s=0.0)  # every collection counts as slow here
    timer.install()
    try:
        gc.collect()
    finally:
        timer.remove()
    assert timer.count[2] >= 1 and timer.seconds[2] > 0
    assert any(generation == 2 for generation, _seconds, _collected in timer.take_slow())


def test_a_collection_under_way_when_the_timer_is_installed_is_not_counted():
    timer = CollectionTimer()
    timer("stop", {"generation": 1, "collected": 0})
    assert timer.count == [0, 0, 0]


class Node:
    """An object that can sit in a reference cycle and be watched through a weak reference."""

    def __init__(self):
        self.itself = self


def test_cyclic_garbage_among_frozen_survivors_waits_for_collect_all():
    freezer = SurvivorFreezer()
    freezer.install()
    try:
        node = Node()
        gc.collect()  # the node survives (it is referenced) and is frozen with the other survivors
        watched = weakref.ref(node)
        del node  # now cyclic garbage, out of the collector's reach
        gc.collect()
        assert watched() is not None
        assert freezer.collect_all() > 0 and watched() is None
    finally:
        freezer.remove()
        gc.unfreeze()
