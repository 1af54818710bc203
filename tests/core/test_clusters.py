from dataclasses import replace

from streams.core.cluster_partition import ClusterPartitionState
from streams.core.clusters import SHAPED, Heartbeat, KeyState, Observation
from streams.settings import DetectorSettings

CFG = DetectorSettings()
T0 = 1_790_000_000.0 - 1_790_000_000.0 % 60  # on a bucket boundary


def obs(client, ts, source=0, position=None, young=True, key="198.51.100", template=7, shaped=None):
    """A swarm member's request by default: young, and its own traffic distillation-shaped."""
    position = position if position is not None else (int(ts * 1000), 0)
    shaped = (0.9 if young else 0.1) if shaped is None else shaped
    return Observation("net", key, client, ts, template, young, source, position, shaped)


def cluster(sources=2):
    state = ClusterPartitionState(0, sources, CFG)
    state.feed([Heartbeat(s, None) for s in range(sources)])
    return state


def swarm_minutes(clients, minutes, young=True, key="198.51.100"):
    """Every client sends one request a minute for ``minutes`` minutes, all through source 0."""
    return [
        obs(f"c{i}", T0 + m * 60 + i * 0.01, young=young, key=key)
        for m in range(minutes)
        for i in range(clients)
    ]


def close_all(state, until, sources=2):
    return state.feed([Heartbeat(s, until) for s in range(sources)])


def test_a_bucket_stays_open_until_every_source_watermark_has_passed_it():
    state = cluster()
    state.feed([Heartbeat(1, T0), obs("a", T0 + 1)])
    assert state.feed([Heartbeat(0, T0 + 120)]) == [] and state.gate.pending
    state.feed([Heartbeat(1, T0 + 120)])
    assert not state.gate.pending and "net:198.51.100" in state.keys


def test_a_source_far_behind_holds_the_buckets_until_it_says_it_is_idle():
    state = cluster()
    state.feed([obs("a", T0 + 1), Heartbeat(1, T0 - 86400), Heartbeat(0, T0 + 120)])
    assert state.gate.pending, "a slow source is not an idle one"
    state.feed([Heartbeat(1, T0 - 86400, idle=True)])
    assert not state.gate.pending


def test_a_source_restarted_from_an_older_snapshot_does_not_move_its_watermark_back():
    state = cluster()
    state.feed([obs("a", T0 + 1), Heartbeat(0, T0 + 120), Heartbeat(1, T0 + 50), Heartbeat(1, T0 - 600)])
    assert state.gate.low_watermark() == T0 + 50


def test_a_re_sent_observation_is_counted_once():
    state = cluster()
    first = obs("a", T0 + 1, position=(5, 0))
    state.feed([first, first, obs("a", T0 + 2, position=(4, 0))])
    close_all(state, T0 + 120)
    assert state.keys["net:198.51.100"].events == 1


def test_young_accounts_acting_together_raise_one_key_incident_listing_them():
    state = cluster()
    state.feed(swarm_minutes(25, 30))
    decisions = close_all(state, T0 + 31 * 60)
    assert decisions and {d.dedup_key for d in decisions} == {decisions[0].dedup_key}
    first = decisions[0]
    assert first.status == "firing" and first.key == "net:198.51.100"
    assert set(first.members) == {f"c{i}" for i in range(25)} and first.member_count == 25


def test_old_accounts_sharing_a_network_raise_nothing():
    state = cluster()
    state.feed(swarm_minutes(60, 30, young=False))
    assert close_all(state, T0 + 31 * 60) == []


def test_a_growing_swarm_is_decided_again_under_the_same_dedup_key():
    state = cluster()
    state.feed(swarm_minutes(20, 10))
    first = close_all(state, T0 + 11 * 60)
    later = [obs(f"n{i}", T0 + 11 * 60 + i * 0.01) for i in range(10)]
    state.feed(later)
    grown = close_all(state, T0 + 13 * 60)
    assert first and grown
    assert grown[-1].dedup_key == first[0].dedup_key and grown[-1].member_count == 30


def test_arrival_order_across_sources_does_not_change_the_alerts():
    a = [obs(f"a{i}", T0 + m * 60 + i, source=0) for m in range(20) for i in range(15)]
    b = [obs(f"b{i}", T0 + m * 60 + i + 0.5, source=1) for m in range(20) for i in range(15)]
    one, two = cluster(), cluster()
    one.feed(a + b)
    two.feed([x for pair in zip(b, a, strict=True) for x in pair])
    assert close_all(one, T0 + 21 * 60) == close_all(two, T0 + 21 * 60)


def test_idle_keys_are_forgotten_once_a_bucket_a_day_later_closes():
    state = cluster()
    state.feed([obs("a", T0 + 1)])
    close_all(state, T0 + 120)
    later = T0 + CFG.cluster_key_idle_expiry_s + 120
    state.feed([obs("b", later, key="192.0.2")])
    close_all(state, later + 120)
    assert list(state.keys) == ["net:192.0.2"]


def test_a_swarm_that_went_quiet_resolves_its_incident():
    state = cluster()
    state.feed(swarm_minutes(25, 30))
    fired = close_all(state, T0 + 31 * 60)
    later = T0 + 30 * 60 + CFG.resolve_after_s + 120
    state.feed([obs("x", later, key="192.0.2")])
    resolved = [a for a in close_all(state, later + 120) if a.status == "resolved"]
    assert [a.dedup_key for a in resolved] == [fired[0].dedup_key]


def test_no_bucket_closes_before_every_source_has_spoken():
    state = ClusterPartitionState(0, 2, CFG)
    state.feed([obs("a", T0 + 1), Heartbeat(0, T0 + 120)])
    assert state.gate.pending


def test_repartition_records_are_applied_once_and_a_bad_one_is_dead_lettered():
    from streams.core.cluster_wire import encode_envelope
    from streams.core.stage import InputRecord

    state = cluster()
    good = encode_envelope([obs("a", T0 + 1), Heartbeat(0, T0 + 120), Heartbeat(1, T0 + 120)])
    out = state.apply([InputRecord(0, T0, good), InputRecord(0, T0, good), InputRecord(1, T0, b"{")])
    assert (out.events, out.redelivered, state.last_offset) == (1, 1, 1)
    assert [d.reason for d in out.dead_letters] == ["invalid_observation"]
    assert state.keys["net:198.51.100"].events == 1


def test_a_cluster_partition_restored_from_its_snapshot_goes_on_alike():
    state = cluster()
    state.feed(swarm_minutes(25, 20))
    copy = ClusterPartitionState.restore(state.snapshot(), CFG)
    more = swarm_minutes(30, 30)[25 * 20 :]
    assert copy.feed(more) + close_all(copy, T0 + 31 * 60) == state.feed(more) + close_all(
        state, T0 + 31 * 60
    )


def test_partitions_emit_one_observation_per_key_only_when_clusters_run():
    from streams.core.partition import PartitionState
    from streams.core.stage import InputRecord
    from tests.helpers import encoded

    value = encoded(asn=64500, user_agent="sdk/1", prompt="Explain the cache", ts=T0)
    murmur2 = replace(CFG, input_partitioner="murmur2")  # raw input records, applied where they land
    quiet = PartitionState(0, 1, murmur2).apply([InputRecord(0, T0, value)])
    loud = PartitionState(0, 1, murmur2, clusters=True).apply([InputRecord(0, T0, value)])
    assert quiet.observations == []
    assert [o.kind for o in loud.observations] == ["asn", "net", "tmpl", "ua"]
    assert all(o.position == (1, 0) and o.client_id == "client-a" for o in loud.observations)


def test_a_late_observation_keeps_the_members_in_order_of_last_activity():
    key = KeyState()
    key.add_bucket([obs("x", T0 + 50), obs("z", T0 + 55)], T0 + 60, CFG)
    # held for the next open bucket: older than members already folded in
    key.add_bucket([obs("y", T0 + 40), obs("w", T0 + 100)], T0 + 120, CFG)
    assert [m.last_ts for m in key.members.values()] == sorted(m.last_ts for m in key.members.values())
    for now in (T0 + 60 + 3600 - 15, T0 + 50 + 3600, T0 + 55 + 3600):
        horizon = now - CFG.cluster_active_s
        expected = {cid for cid, m in key.members.items() if m.last_ts >= horizon}
        assert {cid for cid, _ in key.active(now, CFG)} == expected


def test_the_young_and_shaped_counts_follow_the_member_cap_and_members_that_change():
    cfg = replace(CFG, cluster_member_cap=5)
    key = KeyState()
    members = [obs(f"c{i}", T0 + i, young=i % 2 == 0, shaped=0.9 if i % 3 else 0.1) for i in range(7)]
    key.add_bucket(members, T0 + 60, cfg)
    assert list(key.members) == ["c2", "c3", "c4", "c5", "c6"]  # the least recently active dropped
    assert key.young_members == sum(m.young for m in key.members.values()) == 3
    assert key.shaped_members == sum(m.shaped >= SHAPED for m in key.members.values()) == 3
    key.add_bucket([obs("c6", T0 + 70, young=False, shaped=0.9)], T0 + 120, cfg)  # c6 changes
    assert (key.young_members, key.shaped_members) == (2, 4)


def test_members_idle_as_long_as_a_client_expiry_are_forgotten():
    cfg = replace(CFG, client_idle_expiry_s=600.0)
    key = KeyState()
    key.add_bucket([obs("gone", T0 + 10, young=True), obs("stays", T0 + 500, young=False)], T0 + 540, cfg)
    key.add_bucket([obs("new", T0 + 650)], T0 + 660, cfg)
    assert list(key.members) == ["stays", "new"]
    assert key.young_members == 1  # "new" alone: the forgotten member's count went with it
