"""The members an open incident has already listed, in a fixed size.

An incident re-sends when new members join its swarm, so it remembers whom its alerts named. A set of
ids grows with the swarm's churn (a swarm rotating its accounts names thousands a day), and the
cluster stage holds one per open incident: in an hour-long soak, 256 sets held 467,133 ids after 30
minutes and kept growing. A Bloom filter of 32 KiB holds ``CAPACITY`` members in the same room
whether it has seen ten or ten thousand, and allocates nothing until its first member.

It answers "listed before?" wrongly, with yes, for about one new member in 2,400 once full, and
almost never before (about one in a million at 2,000): a re-send may then count one new member
fewer. It never forgets a member it was given.

The hashes are blake2b, not Python's ``hash()``, which changes with every process: a filter restored
from a snapshot must answer as it did before.
"""

from __future__ import annotations

from functools import lru_cache
from hashlib import blake2b
from struct import Struct

from streams.core.slotted import pickled_by_slots

CAPACITY = 10_000  # members remembered; beyond, an incident re-sends only when its severity rises
_BITS = 1 << 18  # 32 KiB: with four bits per member, about 0.04% false "listed" at CAPACITY
_MASK = _BITS - 1
_FOUR_WORDS = Struct("<4I")


@pickled_by_slots
class ListedMembers:
    """A set of member ids that only answers ``in``, ``add``, ``len`` and ``clear``, in 32 KiB.

    >>> listed = ListedMembers()
    >>> listed.add("client-1"); listed.add("client-1")
    >>> "client-1" in listed, "client-2" in listed, len(listed)
    (True, False, 1)
    >>> listed.clear(); len(listed), len(listed.bits)
    (0, 0)
    """

    __slots__ = ("bits", "count")

    def __init__(self) -> None:
        self.bits = bytearray()  # empty until the first member: most keys never open an incident
        self.count = 0  # members added that were not already in

    def __contains__(self, member: str) -> bool:
        return self.count_new([member], 0) == 0

    def count_new(self, members: list[str], enough: float) -> int:
        """How many of ``members`` are not in, counted until more than ``enough`` are (the loop of
        ``in`` inlined: a cluster decision asks it of up to 1,000 members, every bucket).

        >>> listed = ListedMembers(); listed.add("a")
        >>> listed.count_new(["a", "b", "c", "d"], 10), listed.count_new(["a", "b", "c", "d"], 1)
        (3, 2)
        """
        bits = self.bits
        if not bits:
            return min(len(members), int(enough) + 1)
        new = 0
        for member in members:
            a, b, c, d = _positions(member)
            if not (
                bits[a >> 3] >> (a & 7) & 1
                and bits[b >> 3] >> (b & 7) & 1
                and bits[c >> 3] >> (c & 7) & 1
                and bits[d >> 3] >> (d & 7) & 1
            ):
                new += 1
                if new > enough:
                    break
        return new

    def add(self, member: str) -> None:
        if not self.bits:
            self.bits = bytearray(_BITS // 8)
        bits, new = self.bits, False
        for p in _positions(member):  # hashed once: set what is not set yet, and count it if any was
            byte, bit = p >> 3, 1 << (p & 7)
            if not bits[byte] & bit:
                bits[byte] |= bit
                new = True
        self.count += new

    def __len__(self) -> int:
        return self.count

    def clear(self) -> None:
        self.bits, self.count = bytearray(), 0


# A key's listing names mostly the same members bucket after bucket, and each decision asks about
# every one of them (``in``, then ``add``): hashing took a tenth of a cluster bucket's close in the
# soak's population. Deterministic, so cached: 16,384 ids take about 6 MB.
@lru_cache(maxsize=1 << 14)
def _positions(member: str) -> tuple[int, int, int, int]:
    a, b, c, d = _FOUR_WORDS.unpack(blake2b(member.encode(), digest_size=16).digest())
    return a & _MASK, b & _MASK, c & _MASK, d & _MASK
