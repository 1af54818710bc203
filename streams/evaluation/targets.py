"""The detection targets the project commits to, checked against an evaluation's summaries."""

from __future__ import annotations

from dataclasses import dataclass

from streams.evaluation.outcomes import ScenarioSummary

MIN_RECALL = 0.95
# the core attack kinds, by the scenario library's names and by the kinds other labels use
RECALL_SCENARIOS = (
    "bulk_distillation",
    "low_and_slow",
    "burst_then_pause",
    "topic_sweep",
    "task_leeching",
    "swarm",
    "bulk",
    "burst",
    "sweep",
    "leeching",
)
MAX_FALSE_ALARMS_PER_ACCOUNT_DAY = 0.01
MAX_MEDIAN_EVENTS_TO_ALERT = {"bulk_distillation": 100, "bulk": 100}
# diluted and disguised extraction: a target once analysts have taught the model (warm runs)
MIN_WARM_RECALL = 0.6
WARM_RECALL_SCENARIOS = ("mimicry", "siphon_10pct")
MIN_SWARM_LISTED = 0.9  # share of a swarm's accounts listed in a cluster alert...
MAX_SWARM_HOURS = 2.0  # ...a median of at most this many hours after the swarm starts
# look-alikes: no cluster incident whose listed members are mostly theirs
QUIET_GROUPS = ("enterprise_team", "sdk_customers")


@dataclass(frozen=True, slots=True)
class TargetResult:
    target: str
    value: float | None
    met: bool


def check(
    rows: list[ScenarioSummary], cluster_incidents: dict[str, int] | None = None, warm: bool = False
) -> list[TargetResult]:
    """Targets whose scenario is present in ``rows`` (a user's own labels may name other scenarios).

    >>> from streams.evaluation.outcomes import AccountOutcome, summarise
    >>> quiet = AccountOutcome("b", "benign", "chat"); quiet.saw_event(0.0)
    >>> [(r.target, r.met) for r in check(summarise([quiet]))]
    [('false alarms per benign account-day <= 0.01', True)]
    """
    by_name = {r.scenario: r for r in rows}
    results = []
    for scenario in RECALL_SCENARIOS:
        if scenario in by_name:
            recall = by_name[scenario].recall
            results.append(TargetResult(f"{scenario} recall >= {MIN_RECALL}", recall, recall >= MIN_RECALL))
    for scenario in WARM_RECALL_SCENARIOS if warm else ():
        if scenario in by_name:
            recall = by_name[scenario].recall
            target = f"{scenario} recall >= {MIN_WARM_RECALL} (warm)"
            results.append(TargetResult(target, recall, recall >= MIN_WARM_RECALL))
    benign = by_name.get("all benign")
    if benign is not None:
        rate = benign.false_alarms_per_account_day
        results.append(
            TargetResult(
                f"false alarms per benign account-day <= {MAX_FALSE_ALARMS_PER_ACCOUNT_DAY}",
                rate,
                rate is not None and rate <= MAX_FALSE_ALARMS_PER_ACCOUNT_DAY,
            )
        )
    for scenario, limit in MAX_MEDIAN_EVENTS_TO_ALERT.items():
        if scenario in by_name:
            median = by_name[scenario].median_events_to_first_alert
            results.append(
                TargetResult(
                    f"{scenario} median events to first alert <= {limit}",
                    median,
                    median is not None and median <= limit,
                )
            )
    swarm = by_name.get("swarm")
    if swarm is not None:
        share = swarm.accounts_in_cluster_alerts / swarm.accounts
        hours = swarm.median_hours_to_cluster_listing
        results.append(
            TargetResult(
                f"swarm accounts in cluster alerts >= {MIN_SWARM_LISTED}", share, share >= MIN_SWARM_LISTED
            )
        )
        results.append(
            TargetResult(
                f"swarm median hours to cluster alert <= {MAX_SWARM_HOURS}",
                hours,
                hours is not None and hours <= MAX_SWARM_HOURS,
            )
        )
    for scenario in QUIET_GROUPS:
        if scenario in by_name:
            led = (cluster_incidents or {}).get(scenario, 0)
            results.append(TargetResult(f"{scenario} cluster incidents == 0", led, led == 0))
    return results
