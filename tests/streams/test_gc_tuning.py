"""Timing the cyclic garbage collector (``streams.gc_tuning``)."""

import gc

from streams.gc_tuning import CollectionTimer


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
