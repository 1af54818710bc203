"""Where an evaluation run's labelled traffic comes from, what is removed from it, and which of its
accounts an analyst reveals (the warm runs).

- ``library``: the project's scenario library (``streams/simulate``), one seed.
- ``independent``: the held-out generator (``streams/independent``), written apart from the detector;
  its figures are reported, never used to set a weight and never gated.
- ``file``: a user's own events JSONL and labels CSV.

An ablation removes one kind of input from every event, as a provider whose gateway does not have it
would send: ``prompt_text`` (hashed at the edge instead), ``account_created_at``, ``asn_user_agent``.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

from streams.core import reduce
from streams.evaluation.runner import Labelled, read_labels, seed_start

ABLATIONS = {
    "prompt_text": "prompt text (hashed at the edge)",
    "account_created_at": "account_created_at",
    "asn_user_agent": "asn and user_agent",
}


@dataclass(frozen=True)
class Source:
    kind: str  # library, independent or file
    seed: int = 0
    duration: float = 86400.0
    scale: float = 1.0
    events: str = ""  # file: events JSONL
    labels: str = ""  # file: labels CSV
    ablation: str = ""  # a key of ABLATIONS, or none

    @property
    def name(self) -> str:
        base = self.events if self.kind == "file" else f"{self.kind} seed {self.seed}"
        return f"{base} without {ABLATIONS[self.ablation]}" if self.ablation else base

    def open(self) -> tuple[Iterable[bytes], dict[str, Labelled]]:
        """The event lines, in event-time order, and the labels."""
        if self.kind == "file":
            return _lines(Path(self.events)), read_labels(Path(self.labels))
        if self.kind == "library":
            events, labels = library_traffic(self.seed, self.duration, self.scale)
        else:
            from streams.independent import generate

            events, truth = generate(self.seed, seed_start(self.seed), self.duration, self.scale)
            # attack rows by kind (the targets name kinds), benign rows by what the account is
            labels = {
                cid: Labelled(label, kind if label == "extraction" else scenario)
                for cid, label, scenario, kind in truth
            }
        return (orjson.dumps(e) for e in _ablated(events, self.ablation)), labels


def library_traffic(seed: int, duration: float, scale: float) -> tuple[Iterator[dict], dict[str, Labelled]]:
    """One seed of the scenario library, from its seed's start, and its labels (eval and train)."""
    from streams.simulate.traffic import traffic

    events, truth = traffic(seed, seed_start(seed), duration, scale)
    return events, {t.client_id: Labelled(t.label, t.scenario) for t in truth}


def _lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        yield from f


def _ablated(events: Iterable[dict], ablation: str) -> Iterator[dict]:
    for event in events:
        if ablation == "prompt_text" and "prompt" in event:
            prompt = event.pop("prompt")
            event["prompt_sha256"] = reduce.sha256_hex(prompt)
            event["prompt_simhash"] = f"{reduce.simhash(prompt):016x}"
        elif ablation == "account_created_at":
            event.pop("account_created_at", None)
        elif ablation == "asn_user_agent":
            event.pop("asn", None)
            event.pop("user_agent", None)
        yield event


@dataclass(frozen=True)
class Feedback:
    """Analysts reveal the label of a stratified ``share`` of the accounts, ``delay_s`` of event time
    after each one's first event; the warm run scores only the others."""

    share: float
    delay_s: float
    seed: int = 0

    def revealed(self, labels: dict[str, Labelled]) -> set[str]:
        """The same share of every scenario, drawn by ``seed``.

        >>> labels = {f"c{i}": Labelled("benign", "app" if i < 10 else "chat") for i in range(20)}
        >>> sorted(Feedback(0.3, 0.0).revealed(labels)) == sorted(Feedback(0.3, 0.0).revealed(labels))
        True
        >>> len(Feedback(0.3, 0.0).revealed(labels))
        6
        """
        rng = random.Random(self.seed)
        by_scenario: dict[str, list[str]] = {}
        for client_id in sorted(labels):
            by_scenario.setdefault(labels[client_id].scenario, []).append(client_id)
        revealed: set[str] = set()
        for scenario in sorted(by_scenario):
            members = by_scenario[scenario]
            rng.shuffle(members)
            revealed.update(members[: round(self.share * len(members))])
        return revealed
