"""The cheap sketches equal River's: same state after the same values, same pickles, same counts."""

from __future__ import annotations

import pickle
import random

from river.sketch import NUnique

from streams.core.sketches import add, n_unique


def _values(count: int, seed: int) -> list[str]:
    """Client ids, IPs, hex prefixes and non-ASCII text: the kinds of strings the core counts."""
    rng = random.Random(seed)
    kinds = [
        lambda: f"client-{rng.randrange(10**6)}",
        lambda: ".".join(str(rng.randrange(256)) for _ in range(4)),
        lambda: f"{rng.getrandbits(64):016x}",
        lambda: "".join(rng.choice("aé€😀z") for _ in range(rng.randrange(1, 12))),
    ]
    return [rng.choice(kinds)() for _ in range(count)]


def test_add_leaves_the_buckets_river_update_leaves_for_every_seed_and_error_rate():
    values = _values(20_000, seed=7)
    for error_rate, seed in ((0.1, 1), (0.1, 2), (0.1, 3), (0.1, 4), (0.01, 5)):
        river, ours = NUnique(error_rate=error_rate, seed=seed), n_unique(error_rate, seed)
        for value in values:
            river.update(value)
            add(ours, value)
        assert ours.buckets == river.buckets, (error_rate, seed)
        assert ours.get() == river.get()


def test_a_made_sketch_pickles_as_a_constructed_one_before_and_after_updates():
    made, built = n_unique(0.1, 3), NUnique(error_rate=0.1, seed=3)
    assert pickle.dumps(made) == pickle.dumps(built)
    for value in _values(500, seed=1):
        add(made, value)
        built.update(value)
    assert pickle.dumps(made) == pickle.dumps(built)


def test_made_sketches_share_no_buckets():
    first, second = n_unique(0.1, 1), n_unique(0.1, 1)
    add(first, "only in the first")
    assert first.get() == 1
    assert second.get() == 0
