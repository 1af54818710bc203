"""Who is in the generated world: every scenario, its label kind and its account count at scale 1.

About three quarters of accounts are benign. Counts scale linearly with --scale but never drop
below a scenario's minimum, so a small run still contains every scenario (and a swarm is still a
group, not a lone account).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import benign, extraction
from .catalog import World


@dataclass(frozen=True)
class Scenario:
    name: str
    kind: str  # bulk, low_and_slow, swarm, burst, sweep, leeching, mimicry, siphon, other_attack, benign
    count: int  # accounts at scale 1
    build: Callable[..., None]  # build(account) or build(account, shared)
    shared: Callable[[World, str], object] | None = None  # campaign or platform both see
    minimum: int = 1

    @property
    def label(self) -> str:
        return "benign" if self.kind == "benign" else "extraction"

    def accounts(self, scale: float) -> int:
        return max(self.minimum, round(self.count * scale))


SCENARIOS: list[Scenario] = [
    # benign: 196 accounts at scale 1
    Scenario("chat_individual", "benign", 34, benign.chat_individual),
    Scenario("coding_agent", "benign", 26, benign.coding_agent),
    Scenario("sdk_customer", "benign", 24, benign.sdk_customer, lambda w, _: benign.make_sdk(w.seed)),
    Scenario("trial_hobbyist", "benign", 19, benign.trial_hobbyist),
    Scenario("rag_app", "benign", 14, benign.rag_app),
    Scenario("batch_etl", "benign", 10, benign.batch_etl),
    Scenario("ci_bot", "benign", 8, benign.ci_bot),
    Scenario("support_agent_tools", "benign", 8, benign.support_agent_tools),
    Scenario("eval_harness", "benign", 6, benign.eval_harness),
    Scenario("enterprise_multi_key", "benign", 6, benign.enterprise_multi_key),
    Scenario("consumer_app", "benign", 6, benign.consumer_app),
    Scenario("moderation_classifier", "benign", 6, benign.moderation_classifier),
    Scenario("document_json_extraction", "benign", 6, benign.document_json_extraction),
    Scenario("translation_service", "benign", 5, benign.translation_service),
    Scenario("synthetic_data_team", "benign", 5, benign.synthetic_data_team),
    Scenario("writing_app", "benign", 5, benign.writing_app),
    Scenario("aggregator_gateway", "benign", 4, benign.aggregator_gateway),
    Scenario("research_lab_night_eval", "benign", 4, benign.research_lab_night_eval),
    # extraction: 63 accounts at scale 1
    Scenario("bulk_agentic_coding", "bulk", 2, extraction.bulk_agentic_coding),
    Scenario("bulk_reasoning_traces", "bulk", 1, extraction.bulk_reasoning_traces),
    Scenario("bulk_selfinstruct_multilingual", "bulk", 1, extraction.bulk_selfinstruct_multilingual),
    Scenario("low_slow_single_key", "low_and_slow", 3, extraction.low_slow_single_key),
    Scenario("low_slow_multi_key", "low_and_slow", 2, extraction.low_slow_multi_key),
    Scenario(
        "swarm_hydra_cloud",
        "swarm",
        24,
        extraction.swarm_member,
        lambda w, name: extraction.make_swarm(w, name, residential=False),
        minimum=8,
    ),
    Scenario(
        "swarm_proxy_reseller",
        "swarm",
        12,
        extraction.swarm_member,
        lambda w, name: extraction.make_swarm(w, name, residential=True),
        minimum=6,
    ),
    Scenario("burst_rate_limited", "burst", 3, extraction.burst, minimum=2),
    Scenario("sweep_topic_grid", "sweep", 3, extraction.sweep, minimum=2),
    *[Scenario(name, "leeching", 1, build) for name, build in extraction.LEECHES.items()],
    Scenario("mimicry_office_hours", "mimicry", 3, extraction.mimicry),
    Scenario("siphon_side_stream", "siphon", 3, extraction.siphon),
    Scenario("param_probe", "other_attack", 1, extraction.param_probe),
]
