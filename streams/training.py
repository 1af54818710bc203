"""``extractwatch train``: the prior checkpoint, learned from labelled history.

The examples are the vectors the core itself would score: each account's ``ClientFeatures`` after
every ``score_every`` of its events past the warm-up, as ``PartitionState`` computes them. An account
gives all of its early scorings (what decides a fast first alert) and a thinning sample of its later
ones, so a busy account does not outweigh a small one. Each scenario then weighs the same in total,
whatever its number of accounts (a swarm of 500 accounts is one behaviour, not 500), and benign
scenarios twice an attack's, because a false page costs an on-call team more than a detection a few
scorings later.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from models.base import Learner
from models.classifier import ExtractionClassifier, ForestClassifier, HybridClassifier, profile_of
from models.prior import Prior
from streams.core.features import ClientFeatures
from streams.core.partition import scoring_due
from streams.core.validate import InvalidEvent, decode_message, parse_event
from streams.evaluation.outcomes import EXTRACTION
from streams.evaluation.runner import Labelled, read_labels
from streams.evaluation.sources import library_traffic
from streams.progress import Progress
from streams.settings import DetectorSettings

TRAINING_SEEDS = tuple(range(101, 200))  # never 1-3 or 7: those are the evaluation's
EARLY_SCORINGS = 12  # every one of an account's first scorings is an example
LATER_EVERY = 20  # then every 20th scoring...
MAX_PER_ACCOUNT = 40  # ...up to this many examples per account
# passes of SGD for the linear profiles; the forest learns each example once, on the first pass
# (replaying the data would only repeat its examples)
EPOCHS = 6
BENIGN_WEIGHT = 2.0
# ``train --learner``. The shipped prior is the linear profiles: on the independent generator's
# traffic, which no model was fitted to, the forest (alone, or taking the higher risk with the
# profiles) alerted about a third of the benign accounts, the profiles 2.5% (``docs/model-choice.md``).
# The forest stays a choice for a user training on their own labelled history, where its conjunctions
# are learned from the traffic it will score.
LEARNERS = {"profiles": ExtractionClassifier, "forest": ForestClassifier, "hybrid": HybridClassifier}
DEFAULT_LEARNER = "profiles"


@dataclass(slots=True)
class AccountVectors:
    scorings: int = 0
    vectors: list[dict[str, float]] = field(default_factory=list)

    def offer(self, features: ClientFeatures) -> None:
        n = self.scorings
        self.scorings += 1
        if len(self.vectors) < MAX_PER_ACCOUNT and (n < EARLY_SCORINGS or n % LATER_EVERY == 0):
            self.vectors.append(features.vector())


def account_vectors(events: Iterable[object], cfg: DetectorSettings) -> dict[str, AccountVectors]:
    """Sampled scoring vectors per account, from decoded events in event-time order."""
    clients: dict[str, ClientFeatures] = {}
    since_score: dict[str, int] = {}
    sampled: dict[str, AccountVectors] = {}
    for raw in events:
        try:
            event = parse_event(raw)
        except InvalidEvent:
            continue  # the evaluation counts rejected lines; training only learns from valid ones
        features = clients.get(event.client_id)
        if features is None:
            features = clients[event.client_id] = ClientFeatures.start(event)
        features.update(event)
        since = since_score.get(event.client_id, 0) + 1
        if scoring_due(features.events, since, cfg):
            sampled.setdefault(event.client_id, AccountVectors()).offer(features)
            since = 0
        since_score[event.client_id] = since
    return sampled


def fit(
    accounts: dict[str, AccountVectors],
    labels: dict[str, Labelled],
    seed: int = 0,
    learner: str = DEFAULT_LEARNER,
) -> tuple[Learner, int]:
    """Returns the classifier and the number of examples it learned from (per epoch)."""
    examples: list[tuple[dict[str, float], bool, float, str]] = []
    learnable = sorted(cid for cid in accounts if cid in labels and accounts[cid].vectors)
    per_scenario: dict[str, int] = {}
    for client_id in learnable:
        per_scenario[labels[client_id].scenario] = per_scenario.get(labels[client_id].scenario, 0) + 1
    for client_id in learnable:
        vectors = accounts[client_id].vectors
        label = labels[client_id]
        extraction = label.label == EXTRACTION
        weight = (1.0 if extraction else BENIGN_WEIGHT) / len(vectors) / per_scenario[label.scenario]
        profile = profile_of(label.scenario)
        examples.extend((x, extraction, weight, profile) for x in vectors)
    if not examples:
        raise ValueError("no labelled account reached the scoring warm-up: nothing to learn from")
    mean_weight = sum(e[2] for e in examples) / len(examples)
    model = LEARNERS[learner]()
    rng = random.Random(seed)
    for epoch in range(EPOCHS):
        rng.shuffle(examples)
        learning = _epoch_learner(model, epoch)
        for x, y, w, profile in examples if learning is not None else ():
            learning.learn_one(x, y, w / mean_weight, profile)
    return model, len(examples)


def _epoch_learner(model: Learner, epoch: int) -> Learner | None:
    """What learns in this pass: everything on the first; then the linear profiles only."""
    if epoch == 0 or isinstance(model, ExtractionClassifier):
        return model
    return model.profiles if isinstance(model, HybridClassifier) else None


def _seed_vectors(seed: int, duration: float, scale: float, cfg: DetectorSettings):
    events, labels = library_traffic(seed, duration, scale)
    return account_vectors(events, cfg), labels


def train_on_seeds(
    seeds: Iterable[int],
    duration: float,
    scale: float,
    cfg: DetectorSettings,
    jobs: int,
    learner: str = DEFAULT_LEARNER,
) -> Prior:
    seeds = list(seeds)
    accounts: dict[str, AccountVectors] = {}
    labels: dict[str, Labelled] = {}
    progress = Progress("seeds", len(seeds))
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(_seed_vectors, s, duration, scale, cfg) for s in seeds]
        for future in futures:
            seed_accounts, seed_labels = future.result()
            accounts.update(seed_accounts)
            labels.update(seed_labels)
            progress.step()
    model, n = fit(accounts, labels, learner=learner)
    what = f"scenario library seeds {seeds[0]}-{seeds[-1]}, {duration / 3600:g} h each at scale {scale:g}"
    return Prior(model, what, tuple(seeds), n, _label_counts(accounts, labels))


def train_on_file(
    events: Path, labels_path: Path, cfg: DetectorSettings, learner: str = DEFAULT_LEARNER
) -> Prior:
    labels = read_labels(labels_path)
    with events.open("rb") as f:
        accounts = account_vectors(_decoded(f), cfg)
    model, n = fit(accounts, labels, learner=learner)
    return Prior(model, str(events), (), n, _label_counts(accounts, labels))


def _decoded(lines: Iterable[bytes]) -> Iterator[object]:
    for line in lines:
        if line.strip():
            items, _dead = decode_message(line)
            yield from (raw for _, raw in items)


def _label_counts(accounts: dict[str, AccountVectors], labels: dict[str, Labelled]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for client_id in accounts:
        if client_id in labels:
            counts[labels[client_id].label] = counts.get(labels[client_id].label, 0) + 1
    return counts
