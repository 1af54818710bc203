"""Builds a simulated population and merges its clients' events into one time-ordered stream."""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from streams.core import reduce
from streams.simulate.client import DAY, OPTIONAL_FIELDS, Client
from streams.simulate.scenarios import GROUPS, SCENARIOS

EDGE_HASHING_SHARE = 0.3  # clients whose gateway hashes prompts at the edge (no text is sent)
OMIT_FIELD_SHARE = 0.15  # chance that a client's gateway never sends a given optional field
# Most attackers use fresh accounts, some buy or take over old ones; some legitimate customers are new.
YOUNG_SHARE = {"extraction": 0.65, "benign": 0.15}


@dataclass(frozen=True)
class Truth:
    client_id: str
    label: str
    scenario: str


def population(
    seed: int, start: float, scale: float = 1.0, scenarios: Iterable[str] | None = None
) -> list[Client]:
    """The clients of one simulation; the same seed, start and scenarios give the same clients."""
    rng = random.Random(seed)
    chosen = set([*SCENARIOS, *GROUPS] if scenarios is None else scenarios)
    clients = []
    for scenario, (label, _gen, count) in SCENARIOS.items():
        if scenario not in chosen:
            continue
        for _ in range(max(1, round(count * scale))):
            client_rng = random.Random(rng.getrandbits(64))
            young = rng.random() < YOUNG_SHARE[label]
            age = rng.uniform(0.5, 30) if young else rng.uniform(60, 1500)
            omitted = frozenset(f for f in OPTIONAL_FIELDS if rng.random() < OMIT_FIELD_SHARE)
            clients.append(
                Client(
                    f"org_{rng.getrandbits(48):012x}", scenario, label, client_rng, start - age * DAY, omitted
                )
            )
    for scenario, (label, _gen, count, (fewest, most)) in GROUPS.items():
        if scenario in chosen:
            for g in range(count):
                clients.extend(
                    _group(rng, f"{scenario}-{seed}-{g}", scenario, label, fewest, most, start, scale)
                )
    return clients


def _group(
    rng: random.Random,
    group: str,
    scenario: str,
    label: str,
    fewest: int,
    most: int,
    start: float,
    scale: float,
) -> list[Client]:
    """The accounts of one group, of a size drawn log-uniformly; a swarm's accounts are all days old."""
    size = max(fewest, round(math.exp(rng.uniform(math.log(fewest), math.log(most))) * scale))
    members = []
    for _ in range(size):
        if label == "extraction":
            age = rng.uniform(0.5, 10)
        else:
            age = rng.uniform(0.5, 30) if rng.random() < YOUNG_SHARE[label] else rng.uniform(60, 1500)
        client_rng = random.Random(rng.getrandbits(64))
        cid = f"org_{rng.getrandbits(48):012x}"
        members.append(Client(cid, scenario, label, client_rng, start - age * DAY, frozenset(), group, size))
    return members


def traffic(
    seed: int, start: float, duration: float, scale: float = 1.0, scenarios: Iterable[str] | None = None
) -> tuple[Iterator[dict], list[Truth]]:
    """Events of every client in time order, and who is who."""
    clients = population(seed, start, scale, scenarios)
    streams = []
    for c in clients:
        generate = (SCENARIOS.get(c.scenario) or GROUPS[c.scenario])[1]
        stream = generate(c, start, start + duration)
        if c.rng.random() < EDGE_HASHING_SHARE:
            stream = _hashed_at_edge(stream)
        streams.append(stream)
    truth = [Truth(c.client_id, c.label, c.scenario) for c in clients]
    return heapq.merge(*streams, key=lambda e: e["ts"]), truth


def _hashed_at_edge(stream: Iterator[dict]) -> Iterator[dict]:
    for event in stream:
        prompt = event.pop("prompt")
        event["prompt_sha256"] = reduce.sha256_hex(prompt)
        event["prompt_simhash"] = f"{reduce.simhash(prompt):016x}"
        yield event
