"""What happened to each labelled account in one run, and the roll-up per scenario. Pure."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field

DAY = 86400.0
EXTRACTION, BENIGN = "extraction", "benign"
LABELS = (EXTRACTION, BENIGN)


@dataclass(slots=True)
class AccountOutcome:
    client_id: str
    label: str
    scenario: str
    events: int = 0
    first_ts: float | None = None
    active_days: set[int] = field(default_factory=set)  # UTC days with at least one event
    incidents: int = 0  # new incidents opened (a firing alert with seq 1)
    first_alert_events: int | None = None  # the account's events up to and including its first alert
    first_alert_after_s: float | None = None  # event time from its first event to its first alert
    cluster_listed_ts: float | None = None  # event time it was first listed in a firing cluster alert
    scenario_start: float | None = None  # the first event of its scenario in its run (a swarm's launch)

    def saw_event(self, ts: float) -> None:
        self.events += 1
        if self.first_ts is None:
            self.first_ts = ts
        self.active_days.add(int(ts // DAY))

    def saw_cluster_listing(self, ts: float) -> None:
        if self.cluster_listed_ts is None:
            self.cluster_listed_ts = ts

    def saw_incident(self, ts: float) -> None:
        self.incidents += 1
        if self.first_alert_events is None:
            self.first_alert_events = self.events
            self.first_alert_after_s = ts - (self.first_ts if self.first_ts is not None else ts)


@dataclass(frozen=True, slots=True)
class ScenarioSummary:
    scenario: str
    label: str
    accounts: int  # labelled accounts that sent at least one event
    accounts_alerted: int  # alerted on their own, or listed in a cluster alert
    recall: float | None  # extraction only
    alerted_share: float | None  # benign only: the share of accounts that ever paged someone
    false_alarms: int  # incidents opened on benign accounts
    account_days: int  # active account-days
    false_alarms_per_account_day: float | None  # benign only
    median_events_to_first_alert: float | None
    median_hours_to_first_alert: float | None
    accounts_in_cluster_alerts: int
    median_hours_to_cluster_listing: float | None  # from the scenario's first event in its run


def summarise(outcomes: Iterable[AccountOutcome]) -> list[ScenarioSummary]:
    """One row per scenario (extraction first), then one row per label over all its scenarios.

    >>> a = AccountOutcome("a", "extraction", "bulk"); a.saw_event(0.0); a.saw_incident(0.0)
    >>> b = AccountOutcome("b", "benign", "chat"); b.saw_event(0.0); b.saw_event(DAY)
    >>> [(r.scenario, r.recall, r.false_alarms_per_account_day) for r in summarise([a, b])]
    [('bulk', 1.0, None), ('chat', None, 0.0), ('all extraction', 1.0, None), ('all benign', None, 0.0)]
    """
    active = [o for o in outcomes if o.events]
    groups: dict[tuple[str, str], list[AccountOutcome]] = {}
    for o in active:
        groups.setdefault((o.label, o.scenario), []).append(o)
    order = sorted(groups, key=lambda k: (LABELS.index(k[0]) if k[0] in LABELS else 2, k[1]))
    rows = [_row(scenario, label, groups[(label, scenario)]) for label, scenario in order]
    for label in LABELS:
        members = [o for o in active if o.label == label]
        if members:
            rows.append(_row(f"all {label}", label, members))
    return rows


def _row(scenario: str, label: str, accounts: list[AccountOutcome]) -> ScenarioSummary:
    alerted = [o for o in accounts if o.first_alert_events is not None]
    caught = [o for o in accounts if o.first_alert_events is not None or o.cluster_listed_ts is not None]
    listed = [o for o in accounts if o.cluster_listed_ts is not None]
    days = sum(len(o.active_days) for o in accounts)
    false_alarms = sum(o.incidents for o in accounts) if label == BENIGN else 0
    return ScenarioSummary(
        scenario=scenario,
        label=label,
        accounts=len(accounts),
        accounts_alerted=len(caught),
        recall=round(len(caught) / len(accounts), 4) if label == EXTRACTION else None,
        alerted_share=round(len(caught) / len(accounts), 4) if label == BENIGN else None,
        false_alarms=false_alarms,
        account_days=days,
        false_alarms_per_account_day=round(false_alarms / days, 5) if label == BENIGN and days else None,
        median_events_to_first_alert=_median([o.first_alert_events for o in alerted]),
        median_hours_to_first_alert=_median([o.first_alert_after_s / 3600.0 for o in alerted]),
        accounts_in_cluster_alerts=len(listed),
        median_hours_to_cluster_listing=_median(
            [
                (o.cluster_listed_ts - o.scenario_start) / 3600.0
                for o in listed
                if o.scenario_start is not None
            ]
        ),
    )


def _median(values: list) -> float | None:
    return round(float(statistics.median(values)), 2) if values else None
