from dataclasses import replace

from streams.core.policy import ClientPolicy, incident_dedup_key
from streams.settings import DetectorSettings

CFG = replace(DetectorSettings(), fire_after=3, fire_min_span_s=0.0, max_incidents_per_client_day=1)


def run(policy, risks, start=0.0, step=60.0, cfg=CFG):
    return [policy.observe("c", r, start + i * step, 10, cfg) for i, r in enumerate(risks)]


def test_fires_only_after_consecutive_high_scorings():
    decisions = run(ClientPolicy(), [0.9, 0.9, 0.1, 0.9, 0.9, 0.9])
    assert [d.status if d else None for d in decisions] == [None] * 5 + ["firing"]


def test_must_stay_high_for_the_minimum_span():
    cfg = replace(CFG, fire_min_span_s=600.0)
    decisions = run(ClientPolicy(), [0.9] * 12, cfg=cfg)  # one scoring a minute
    assert [i for i, d in enumerate(decisions) if d] == [10]


def test_risk_oscillating_around_threshold_does_not_flap():
    policy = ClientPolicy()
    decisions = run(policy, [0.75, 0.65] * 2 + [0.75] * 3 + [0.65, 0.72] * 20)
    statuses = [d.status for d in decisions if d]
    assert statuses == ["firing"]
    assert policy.maybe_resolve(10_000.0, CFG, 0.65) is None  # never low below clear_threshold


def test_escalation_keeps_dedup_key_and_increments_seq():
    policy = ClientPolicy()
    decisions = [d for d in run(policy, [0.75, 0.75, 0.75, 0.9, 0.97]) if d]
    assert [(d.seq, d.severity) for d in decisions] == [(1, "warning"), (2, "error"), (3, "critical")]
    assert len({d.dedup_key for d in decisions}) == 1


def test_resolves_after_staying_low_on_watermark_time():
    policy = ClientPolicy()
    run(policy, [0.9, 0.9, 0.9, 0.2])  # low since t=180
    assert policy.maybe_resolve(180 + CFG.resolve_after_s - 1, CFG, 0.2) is None
    resolved = policy.maybe_resolve(180 + CFG.resolve_after_s, CFG, 0.2)
    assert resolved.status == "resolved" and resolved.seq == 2


def test_daily_cap_blocks_new_incidents_but_never_a_resolve():
    policy = ClientPolicy()
    run(policy, [0.9, 0.9, 0.9, 0.2])
    assert policy.maybe_resolve(1e5, CFG, 0.2).status == "resolved"
    again = run(policy, [0.9] * 5, start=2e4)  # same day: cap of one incident reached
    assert not any(again)
    # the capped client still resolves nothing it never opened, and a new day opens again
    next_day = run(policy, [0.9] * 3, start=86400.0 * 2)
    assert [d.status for d in next_day if d] == ["firing"]


def test_cap_does_not_stop_resolve_of_an_open_incident():
    cfg = replace(CFG, max_incidents_per_client_day=1)
    policy = ClientPolicy()
    run(policy, [0.9, 0.9, 0.9], cfg=cfg)
    policy.incidents_today = 99  # far over the cap
    run(policy, [0.1], start=500, cfg=cfg)
    assert policy.maybe_resolve(500 + cfg.resolve_after_s, cfg, 0.1).status == "resolved"


def test_dedup_key_is_bounded_for_long_client_ids():
    assert len(incident_dedup_key("é" * 400, 1.0)) <= 255
