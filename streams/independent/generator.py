"""Build every account of every scenario, collect their events, sort, write."""

from __future__ import annotations

import csv
from pathlib import Path

import orjson

from .accounts import Account
from .catalog import make_world
from .emit import emit
from .population import SCENARIOS
from .seeding import py_rng

LabelRow = tuple[str, str, str, str]  # client_id, label, scenario, kind
REDRAWS = 4


def generate(
    seed: int, start: float, duration: float, scale: float = 1.0
) -> tuple[list[dict], list[LabelRow]]:
    """Events (sorted by ts, ties by event_id) and one label row per account.

    Same arguments, same output: every random draw is derived from (seed, scenario, account).
    """
    world = make_world(py_rng(seed, "world"), seed, start, start + duration)
    events: list[dict] = []
    labels: list[LabelRow] = []
    for scenario in SCENARIOS:
        shared = scenario.shared(world, scenario.name) if scenario.shared else None
        for index in range(scenario.accounts(scale)):
            # An account that happens to send nothing inside the window (tonight's job skipped, a short
            # window) cannot be observed; redraw it a few times, then leave the slot empty.
            for attempt in range(REDRAWS):
                account = Account(world, scenario.name, index, attempt)
                if shared is None:
                    scenario.build(account)
                else:
                    scenario.build(account, shared)
                account_events = emit(account)
                if account_events:
                    events.extend(account_events)
                    labels.append((account.client_id, scenario.label, scenario.name, scenario.kind))
                    break
    events.sort(key=lambda e: (e["ts"], e["event_id"]))
    return events, labels


def write_events(events: list[dict], path: Path) -> None:
    with path.open("wb") as out:
        for event in events:
            out.write(orjson.dumps(event))
            out.write(b"\n")


def write_labels(labels: list[LabelRow], path: Path) -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["client_id", "label", "scenario", "kind"])
        writer.writerows(labels)
