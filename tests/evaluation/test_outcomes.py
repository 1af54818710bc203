from streams.evaluation.outcomes import DAY, AccountOutcome, summarise
from streams.evaluation.targets import check


def account(label, scenario, events_days, incident_after=None):
    o = AccountOutcome(f"{scenario}-{len(events_days)}-{incident_after}", label, scenario)
    for n, day in enumerate(events_days, start=1):
        o.saw_event(day * DAY + n)
        if incident_after == n:
            o.saw_incident(day * DAY + n)
    return o


def test_false_alarms_are_counted_per_active_benign_account_day():
    noisy = account("benign", "app", [0, 0, 1, 2], incident_after=2)
    quiet = account("benign", "app", [0])
    row = next(r for r in summarise([noisy, quiet]) if r.scenario == "app")
    assert (row.false_alarms, row.account_days, row.false_alarms_per_account_day) == (1, 4, 0.25)


def test_recall_counts_accounts_with_at_least_one_incident():
    caught = account("extraction", "bulk", [0] * 5, incident_after=3)
    missed = account("extraction", "bulk", [0] * 5)
    row = next(r for r in summarise([caught, missed]) if r.scenario == "bulk")
    assert (row.recall, row.median_events_to_first_alert) == (0.5, 3)


def test_accounts_without_events_are_left_out():
    silent = AccountOutcome("x", "extraction", "bulk")
    assert summarise([silent]) == []


def test_missed_recall_target_is_reported_as_missed():
    missed = account("extraction", "bulk_distillation", [0] * 5)
    results = check(summarise([missed]))
    assert [r.met for r in results if r.target.startswith("bulk_distillation recall")] == [False]
