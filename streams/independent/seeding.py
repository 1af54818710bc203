"""Deterministic random streams.

Every account, campaign and text family draws from its own generator, derived from the run seed and
a path of names. Adding an account or a scenario therefore never shifts the draws of any other one,
and the output depends only on (seed, start, duration, scale), never on Python's salted hash().
"""

from __future__ import annotations

import hashlib
import random

import numpy as np


def subseed(*parts: object) -> int:
    """A 64-bit integer derived from a path of names.

    >>> subseed(11, "swarm", 3) == subseed(11, "swarm", 3)
    True
    >>> subseed(11, "swarm", 3) == subseed(11, "swarm", 4)
    False
    """
    digest = hashlib.blake2b("/".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def py_rng(*parts: object) -> random.Random:
    """A stdlib generator for per-request scalar draws (several times faster than numpy's scalars)."""
    return random.Random(subseed(*parts))


def np_rng(*parts: object) -> np.random.Generator:
    """A numpy generator for vectorised draws such as Poisson counts per time bin."""
    return np.random.default_rng(subseed(*parts))


def token_id(rng: random.Random, prefix: str, length: int) -> str:
    """An opaque identifier in the style platforms use (lower-case base-36)."""
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    return prefix + "".join(rng.choice(alphabet) for _ in range(length))
