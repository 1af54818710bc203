"""Pickling for the slotted dataclasses that state holds by the thousand. Pure.

Python's own ``__getstate__`` for a ``@dataclass(slots=True)`` calls ``dataclasses.fields()`` on
every object it pickles: a snapshot of a partition holds thousands of clients, cluster members and
held events, and those calls took more time than the pickling itself.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any, TypeVar

T = TypeVar("T", bound=type)


def pickled_by_slots(cls: T) -> T:
    """Pickle a slotted dataclass as the tuple of its fields, in their order (what Python's own
    ``__getstate__`` gives as a list, so either reads the other's snapshots).

    >>> from dataclasses import dataclass
    >>> @pickled_by_slots
    ... @dataclass(frozen=True, slots=True)
    ... class Point:
    ...     x: int
    ...     y: int
    >>> Point(1, 2).__getstate__()
    (1, 2)
    >>> restored = object.__new__(Point)
    >>> restored.__setstate__([3, 4])  # as Python's own __getstate__ wrote it
    >>> restored
    Point(x=3, y=4)
    """
    names: tuple[str, ...] = cls.__slots__
    read = attrgetter(*names)

    def __getstate__(self: Any) -> tuple:
        return (read(self),) if len(names) == 1 else read(self)

    def __setstate__(self: Any, state: tuple | list) -> None:
        for name, value in zip(names, state, strict=True):
            object.__setattr__(self, name, value)

    cls.__getstate__ = __getstate__
    cls.__setstate__ = __setstate__
    return cls
