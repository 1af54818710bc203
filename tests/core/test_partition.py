from dataclasses import replace

import orjson
import pytest

from streams.core.partition import PartitionState
from streams.core.partitioner import partition_for
from streams.core.stage import InputRecord
from streams.errors import CheckpointError
from streams.settings import DetectorSettings
from tests.helpers import encoded, raw_event

# A partition fed raw input records: producers declared murmur2 (otherwise the route stage,
# streams.core.routing, judges raw records and a partition merges what it forwards).
CFG = DetectorSettings(input_partitioner="murmur2")
T0 = 1_790_000_000.0
CLIENT = "client-a"
HOME = partition_for(CLIENT, 6)


def state() -> PartitionState:
    return PartitionState(HOME, 6, CFG)


def records(values, start_offset=0):
    return [InputRecord(start_offset + i, T0 + 10 * 86400, v) for i, v in enumerate(values)]


def bulk_values(n, t0=T0, client=CLIENT):
    return [
        encoded(
            client_id=client,
            ts=t0 + 3 * i,
            prompt=f"Explain item {i} of set {i * 31} step by step",
            prompt_tokens=60,
            completion_tokens=900,
            max_tokens=900,
            stop_reason="max_tokens",
        )
        for i in range(n)
    ]


def test_redelivered_offsets_are_skipped_not_counted_twice():
    s = state()
    s.apply(records([encoded(ts=T0)]))
    out = s.apply(records([encoded(ts=T0 + 1)]))  # same offset 0 again
    assert out.redelivered == 1 and out.events == 0
    assert s.clients[CLIENT].features.events == 1


def test_bad_input_becomes_dead_letters_with_reasons_and_original_bytes():
    s = state()
    bad = [b"{not json", orjson.dumps(raw_event(status="ok")), b'{"event_id": 1}']
    out = s.apply(records(bad))
    assert [d.reason for d in out.dead_letters] == ["invalid_json", "invalid_event", "invalid_event"]
    assert [d.value for d in out.dead_letters] == bad
    assert [d.offset for d in out.dead_letters] == [0, 1, 2]


def test_late_event_behind_watermark_is_a_dead_letter():
    s = state()
    out = s.apply(records([encoded(ts=T0), encoded(ts=T0 - CFG.allowed_lateness_s - 1)]))
    assert [d.reason for d in out.dead_letters] == ["late"]
    assert out.events == 1


def test_an_event_id_seen_again_within_the_window_is_a_duplicate_dead_letter():
    s = state()
    first = encoded(ts=T0, event_id="retry-1")
    out = s.apply(records([first, encoded(ts=T0 + 1), encoded(ts=T0 + 2, event_id="retry-1")]))
    assert [(d.reason, d.offset) for d in out.dead_letters] == [("duplicate", 2)]
    assert s.clients[CLIENT].features.events == 2


def test_an_event_id_pushed_out_of_the_window_is_applied_again():
    s = PartitionState(HOME, 6, replace(CFG, duplicate_window=2))
    values = [
        encoded(ts=T0, event_id="a"),
        encoded(ts=T0 + 1),
        encoded(ts=T0 + 2),
        encoded(ts=T0 + 3, event_id="a"),
    ]
    out = s.apply(records(values))
    assert out.dead_letters == [] and out.events == 4


def test_the_duplicate_window_survives_a_snapshot():
    s = state()
    s.apply(records([encoded(ts=T0, event_id="once")]))
    restored = PartitionState.restore(s.snapshot(), CFG)
    out = restored.apply(records([encoded(ts=T0 + 1, event_id="once")], start_offset=1))
    assert [d.reason for d in out.dead_letters] == ["duplicate"]


def test_event_far_ahead_of_its_record_timestamp_is_a_dead_letter():
    s = state()
    out = s.apply([InputRecord(0, T0, encoded(ts=T0 + CFG.max_future_s + 5))])
    assert [d.reason for d in out.dead_letters] == ["future"]
    assert s.watermark is None  # a bad clock did not move the watermark


def test_envelope_event_of_another_partition_is_rerouted_not_applied():
    other = next(f"c{i}" for i in range(100) if partition_for(f"c{i}", 6) != HOME)
    envelope = orjson.dumps([raw_event(ts=T0), raw_event(ts=T0, client_id=other)])
    out = state().apply(records([envelope]))
    assert out.events == 1
    assert [r.key for r in out.reroutes] == [other]
    assert orjson.loads(out.reroutes[0].value)["client_id"] == other


def test_bad_event_inside_envelope_is_dead_lettered_alone_with_its_index():
    envelope = orjson.dumps([raw_event(ts=T0), raw_event(ts=T0, ip="nope")])
    out = state().apply(records([envelope]))
    assert out.events == 1
    assert [(d.reason, d.index) for d in out.dead_letters] == [("invalid_event", 1)]


def test_sustained_extraction_raises_an_alert_with_schema_fields():
    out = state().apply(records(bulk_values(1200)))
    alert = out.alerts[0]
    assert (alert.status, alert.scope, alert.client_id, alert.seq) == ("firing", "client", CLIENT, 1)
    assert 0.7 <= alert.risk <= 1.0
    assert alert.reasons and all(0 <= r.weight <= 1 for r in alert.reasons)
    assert alert.evidence["api_key_ids"] == ["key-1"]
    assert "Explain item" not in orjson.dumps(alert.to_dict()).decode()


def test_quiet_client_resolves_on_the_watermark():
    s = state()
    fired = s.apply(records(bulk_values(1200)))
    assert fired.alerts
    # the attacker turns into an app (one prompt, long contexts, short answers, slowly)
    calm = [
        encoded(ts=T0 + 3600 + 600 * i, prompt="hello", prompt_tokens=1500, completion_tokens=10)
        for i in range(100)
    ]
    out = s.apply(records(calm, start_offset=5000))
    assert [a.status for a in out.alerts][-1] == "resolved"
    assert out.alerts[-1].dedup_key == fired.alerts[0].dedup_key


def test_an_attacker_that_went_away_has_its_incident_resolved_and_is_then_forgotten():
    cfg = replace(CFG, client_idle_expiry_s=3600.0)  # sooner than RESOLVE_AFTER_S: gone is gone
    s = PartitionState(HOME, 6, cfg)
    fired = s.apply(records(bulk_values(1200)))
    assert fired.alerts and CLIENT in s.open_incidents
    others = [c for c in (f"k{i}" for i in range(400)) if partition_for(c, 6) == HOME][:2]
    gone_at = T0 + 3 * 1200 + cfg.client_idle_expiry_s + cfg.allowed_lateness_s
    later = [encoded(ts=gone_at + 60 * i, client_id=others[i % 2]) for i in range(1100)]
    out = s.apply(records(later, start_offset=5000))
    resolved = [a for a in out.alerts if a.client_id == CLIENT]
    assert [a.status for a in resolved] == ["resolved"]
    assert resolved[0].dedup_key == fired.alerts[0].dedup_key
    assert CLIENT not in s.open_incidents and CLIENT not in s.clients


def test_a_restored_snapshot_without_the_resolve_bound_scans_at_its_next_event():
    s = state()
    s.apply(records(bulk_values(1200)))
    del s.__dict__["_resolve_scan_at"]  # as a snapshot written before the bound existed
    restored = PartitionState.restore(s.snapshot(), CFG)
    calm = [
        encoded(ts=T0 + 3600 + 600 * i, prompt="hello", prompt_tokens=1500, completion_tokens=10)
        for i in range(100)
    ]
    out = restored.apply(records(calm, start_offset=5000))
    assert [a.status for a in out.alerts][-1] == "resolved"


def test_snapshot_restores_identical_scores():
    values = bulk_values(1600)
    live = state()
    # snapshot before the first alert can fire (3 scorings spanning 180 s: not before event 90)
    live.apply(records(values[:60]))
    restored = PartitionState.restore(live.snapshot(), CFG)
    a = live.apply(records(values[60:], 60))
    b = restored.apply(records(values[60:], 60))
    assert a.alerts and [x.to_dict() for x in a.alerts] == [x.to_dict() for x in b.alerts]
    assert live.clients[CLIENT].last_risk == restored.clients[CLIENT].last_risk


def test_snapshot_from_another_river_version_is_refused(monkeypatch):
    import river

    blob = state().snapshot()
    monkeypatch.setattr(river, "__version__", "0.0.1")
    with pytest.raises(CheckpointError, match="River"):
        PartitionState.restore(blob, CFG)


def test_idle_clients_expire_on_the_watermark():
    cfg = replace(CFG, client_idle_expiry_s=3600.0)
    s = PartitionState(HOME, 6, cfg)
    s.apply(records([encoded(ts=T0, client_id=CLIENT)]))
    others = [c for c in (f"k{i}" for i in range(400)) if partition_for(c, 6) == HOME][:2]
    late = [encoded(ts=T0 + 2 * 3600 + i, client_id=others[i % 2]) for i in range(1000)]
    s.apply(records(late, start_offset=1))
    assert CLIENT not in s.clients


def test_describe_is_json_ready_and_has_no_prompt_text():
    s = state()
    s.apply(records(bulk_values(200)))
    view = orjson.loads(orjson.dumps(s.describe()))
    assert view["last_offset"] == 199
    assert view["clients"][CLIENT]["events"] == 200
    assert "Explain item" not in orjson.dumps(view).decode()


def test_apply_by_bucket_ends_a_run_where_the_watermark_enters_a_new_bucket():
    from streams.core.stage import apply_by_bucket

    late = CFG.allowed_lateness_s
    # watermarks: T0 - late (first bucket), T0 (next), T0 + 10 (same), T0 + 70 (next)
    values = [encoded(client_id=CLIENT, ts=T0 + late + dt) for dt in (-late, 0, 10, 70)]
    runs = apply_by_bucket(state(), records(values), bucket_s=60.0)
    assert [out.events for out, _ in runs] == [1, 1, 2, 0]
    assert [w for _, w in runs] == [T0 - late, T0, T0 + 70, T0 + 70]
