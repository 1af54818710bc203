"""The README's evaluation table, from an eval.json."""

from streams.evaluation.summary_table import table


def row(scenario, label, accounts, alerted, **extra):
    base = {"scenario": scenario, "label": label, "accounts": accounts, "accounts_alerted": alerted}
    base.update(
        recall=alerted / accounts if label == "extraction" else None, median_events_to_first_alert=None
    )
    base.update(
        alerted_share=alerted / accounts if label == "benign" else None, false_alarms_per_account_day=None
    )
    base.update(extra)
    return base


def report(row_set, scenarios):
    rows = [
        *scenarios,
        row("all extraction", "extraction", 10, 7),
        row("all benign", "benign", 50, 1, false_alarms_per_account_day=0.005),
    ]
    return {
        "row_sets": [{"row_set": row_set, "mode": "cold", "scenarios": rows, "baseline_trivial_rule": rows}]
    }


def test_a_library_row_gives_each_kinds_recall_with_its_counts_and_the_bulk_median():
    lines = table(
        report("library", [row("bulk_distillation", "extraction", 4, 3, median_events_to_first_alert=64.0)])
    )
    cold = lines.splitlines()[2].split(" | ")
    assert cold[2] == "0.75 (3/4)" and cold[-4:] == ["0.70 (7/10)", "0.020 (1/50)", "0.0050", "64 |"]


def test_an_independent_row_reads_its_kinds_by_their_own_names():
    lines = table(
        report("independent", [row("bulk", "extraction", 5, 5), row("bulk_distillation", "extraction", 4, 0)])
    )
    assert lines.splitlines()[2].split(" | ")[2] == "1.00 (5/5)"


def test_each_cold_row_set_is_followed_by_its_trivial_rule():
    lines = table(report("library", [])).splitlines()
    assert lines[3].startswith("| library | trivial rule |") and len(lines) == 4
