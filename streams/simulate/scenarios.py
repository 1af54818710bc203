"""The scenario library: name -> (label, generator, clients per simulation at scale 1)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from streams.simulate import benign, extraction, groups, services
from streams.simulate.client import Client

Scenario = Callable[[Client, float, float], Iterator[dict]]

SCENARIOS: dict[str, tuple[str, Scenario, int]] = {
    "interactive": ("benign", benign.interactive, 20),
    "batch_summariser": ("benign", benign.batch_summariser, 3),
    "eval_harness": ("benign", benign.eval_harness, 4),
    "ci_bot": ("benign", benign.ci_bot, 3),
    "enterprise_egress": ("benign", benign.enterprise_egress, 2),
    "consumer_app": ("benign", benign.consumer_app, 2),
    "rag_app": ("benign", benign.rag_app, 3),
    "writing_app": ("benign", benign.writing_app, 3),
    "ide_agent": ("benign", benign.ide_agent, 5),
    "aggregator": ("benign", services.aggregator, 3),
    "classifier_24x7": ("benign", services.classifier_24x7, 4),
    "translation_service": ("benign", services.translation_service, 3),
    "bulk_distillation": ("extraction", extraction.bulk_distillation, 4),
    "low_and_slow": ("extraction", extraction.low_and_slow, 4),
    "mimicry": ("extraction", extraction.mimicry, 3),
    "burst_then_pause": ("extraction", extraction.burst_then_pause, 3),
    "topic_sweep": ("extraction", extraction.topic_sweep, 3),
    "task_leeching": ("extraction", extraction.task_leeching, 3),
    "siphon_10pct": ("extraction", extraction.siphon(0.10), 2),
    "siphon_25pct": ("extraction", extraction.siphon(0.25), 2),
}
# The walking skeleton's four kinds: small, fast traffic for the integration tests.
SKELETON = ("interactive", "batch_summariser", "eval_harness", "bulk_distillation")

# Groups of accounts: name -> (label, generator, groups per simulation, (fewest, most) accounts each)
GROUPS: dict[str, tuple[str, Scenario, int, tuple[int, int]]] = {
    "swarm": ("extraction", groups.swarm, 1, (20, 1000)),
    "enterprise_team": ("benign", groups.enterprise_team, 1, (30, 100)),
    "sdk_customers": ("benign", groups.sdk_customers, 1, (50, 300)),
}
