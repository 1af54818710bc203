"""Builds a simulated population and merges its clients' events into one time-ordered stream."""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from streams.core import reduce
from streams.simulate import accounts, groups
from streams.simulate.accounts import Account
from streams.simulate.client import Client
from streams.simulate.scenarios import GROUPS, SCENARIOS

EDGE_HASHING_SHARE = 0.3  # clients whose gateway hashes prompts at the edge (no text is sent)
# A seed keeps the client ids and group sizes it had before accounts were drawn in ``accounts`` and the
# service scenarios were added (evaluation notes cite swarm sizes by seed): each account is drawn from a
# generator of its own, seeded with as many bits as the inline draws it replaced took from the
# population's generator, and the scenarios added later draw their clients after the groups.
ADDED_LATER = frozenset({"aggregator", "classifier_24x7", "translation_service"})
SINGLE_ACCOUNT_BITS = 512
MEMBER_ACCOUNT_BITS = {"extraction": 64, "benign": 128}


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
    singles = [s for s in SCENARIOS if s in chosen]
    for scenario in [s for s in singles if s not in ADDED_LATER]:
        clients.extend(_singles(rng, scenario, start, scale))
    for scenario, (label, _gen, count, (fewest, most)) in GROUPS.items():
        if scenario in chosen:
            for g in range(count):
                clients.extend(
                    _group(rng, f"{scenario}-{seed}-{g}", scenario, label, fewest, most, start, scale)
                )
    for scenario in [s for s in singles if s in ADDED_LATER]:
        clients.extend(_singles(rng, scenario, start, scale))
    return clients


def _singles(rng: random.Random, scenario: str, start: float, scale: float) -> list[Client]:
    label, _gen, count = SCENARIOS[scenario]
    clients = []
    for _ in range(max(1, round(count * scale))):
        client_rng = random.Random(rng.getrandbits(64))
        account = accounts.draw(_account_rng(rng, SINGLE_ACCOUNT_BITS), label, start)
        clients.append(_client(f"org_{rng.getrandbits(48):012x}", scenario, label, client_rng, account))
    return clients


def _account_rng(rng: random.Random, bits: int) -> random.Random:
    return random.Random(rng.getrandbits(bits))


def _client(
    cid: str,
    scenario: str,
    label: str,
    rng: random.Random,
    account: Account,
    group: str | None = None,
    size: int = 1,
) -> Client:
    return Client(
        cid,
        scenario,
        label,
        rng,
        account.created_at,
        account.omitted,
        group,
        size,
        account.endpoint,
        account.upgrades_at,
    )


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
    """The accounts of one group, of a size drawn log-uniformly; ages as the group's kind has them."""
    size = max(fewest, round(math.exp(rng.uniform(math.log(fewest), math.log(most))) * scale))
    members = []
    for _ in range(size):
        account_rng = _account_rng(rng, MEMBER_ACCOUNT_BITS[label])
        account = groups.member_account(scenario, group, label, account_rng, start)
        client_rng = random.Random(rng.getrandbits(64))
        cid = f"org_{rng.getrandbits(48):012x}"
        members.append(_client(cid, scenario, label, client_rng, account, group, size))
    return members


def traffic(
    seed: int, start: float, duration: float, scale: float = 1.0, scenarios: Iterable[str] | None = None
) -> tuple[Iterator[dict], list[Truth]]:
    """Events of every client in time order, and who is who; the same arguments give the same events.

    >>> a, truth = traffic(5, 0.0, 1800.0, scenarios=("bulk_distillation", "classifier_24x7", "swarm"))
    >>> b, _ = traffic(5, 0.0, 1800.0, scenarios=("bulk_distillation", "classifier_24x7", "swarm"))
    >>> events = list(a)
    >>> events == list(b), all(x["ts"] <= y["ts"] for x, y in zip(events, events[1:]))
    (True, True)
    """
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
