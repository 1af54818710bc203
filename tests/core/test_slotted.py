import dataclasses
import importlib
import pickle
import pkgutil

import streams.core
from streams.core.records import Event


def slotted_dataclasses_of_the_core() -> list[type]:
    found = []
    for info in pkgutil.iter_modules(streams.core.__path__):
        module = importlib.import_module(f"streams.core.{info.name}")
        for value in vars(module).values():
            is_own = isinstance(value, type) and value.__module__ == module.__name__
            if is_own and dataclasses.is_dataclass(value) and "__slots__" in vars(value):
                found.append(value)
    return found


def test_every_slotted_dataclass_of_the_core_pickles_by_slots():
    classes = slotted_dataclasses_of_the_core()
    assert len(classes) >= 20
    slow = [c.__name__ for c in classes if not c.__getstate__.__qualname__.startswith("pickled_by_slots")]
    assert slow == []


def test_an_event_round_trips_through_pickle():
    event = Event("e1", 100.0, "c", "k", "1.2.3.4", "m", 1, 2, 200, prompt_sha256="ab" * 16)
    assert pickle.loads(pickle.dumps(event)) == event
