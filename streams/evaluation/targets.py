"""The detection targets the project commits to, checked against an evaluation's summaries."""

from __future__ import annotations

from dataclasses import dataclass

from streams.evaluation.outcomes import ScenarioSummary

MIN_RECALL = 0.95
RECALL_SCENARIOS = ("bulk_distillation", "low_and_slow", "burst_then_pause", "topic_sweep", "task_leeching")
MAX_FALSE_ALARMS_PER_ACCOUNT_DAY = 0.01
MAX_MEDIAN_EVENTS_TO_ALERT = {"bulk_distillation": 100}


@dataclass(frozen=True, slots=True)
class TargetResult:
    target: str
    value: float | None
    met: bool


def check(rows: list[ScenarioSummary]) -> list[TargetResult]:
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
    return results
