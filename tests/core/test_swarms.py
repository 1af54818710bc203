import random

from streams.core.clusters import Heartbeat, KeyDecision
from streams.core.swarms import SwarmState
from streams.settings import DetectorSettings

CFG = DetectorSettings()
T0 = 1_790_000_000.0 - 1_790_000_000.0 % 60


def decision(
    key, members, source=0, number=1, minute=1, status="firing", severity="warning", risk=0.8, count=None
):
    ts = T0 + minute * 60
    return KeyDecision(
        source, number, key, status, f"cluster:{key}:{int(T0)}", risk, severity, T0, ts,
        tuple(members), count or len(members), 100, (),
    )  # fmt: skip


def swarm_stage(sources=2):
    state = SwarmState(sources, CFG, "test")
    state.feed([Heartbeat(s, None) for s in range(sources)])
    return state


def close(state, minute, sources=2):
    return state.feed([Heartbeat(s, T0 + minute * 60) for s in range(sources)])


SWARM = [f"s{i}" for i in range(30)]


def test_keys_sharing_most_members_are_one_incident_with_one_alert():
    state = swarm_stage()
    state.feed([decision("net:198.51.100", SWARM, 0), decision("ua:node-fetch/3", SWARM[:28], 1)])
    alerts = close(state, 1)
    assert [a.seq for a in alerts] == [1]
    assert alerts[0].evidence["cluster_keys"] == ["net:198.51.100", "ua:node-fetch/3"]


def test_only_members_two_keys_list_are_listed_once_the_incident_has_two_keys():
    state = swarm_stage()
    with_bystander = [*SWARM[:28], "young-customer-on-the-same-user-agent"]
    state.feed([decision("net:198.51.100", SWARM, 0), decision("ua:node-fetch/3", with_bystander, 1)])
    alert = close(state, 1)[0]
    assert alert.members == SWARM[:28] and alert.member_count == 28


def test_keys_with_different_members_are_separate_incidents():
    state = swarm_stage()
    others = [f"o{i}" for i in range(30)]
    state.feed([decision("net:198.51.100", SWARM, 0), decision("net:192.0.2", others, 1)])
    assert len({a.dedup_key for a in close(state, 1)}) == 2


def test_keys_of_a_swarm_too_large_to_list_whole_are_one_incident():
    rng = random.Random(7)
    swarm = [f"big{i}" for i in range(3000)]
    keys = [f"net:198.51.{n}" for n in range(8)]  # each lists 1,000 of the 3,000: about a third shared
    state = swarm_stage()
    state.feed([decision(k, rng.sample(swarm, 1000), n % 2, n + 1, count=3000) for n, k in enumerate(keys)])
    alerts = close(state, 1)
    assert [a.seq for a in alerts] == [1]
    assert alerts[0].evidence["cluster_keys"] == sorted(keys)


def test_keys_of_two_large_swarms_are_two_incidents():
    rng = random.Random(7)
    one, other = [f"a{i}" for i in range(3000)], [f"b{i}" for i in range(3000)]
    state = swarm_stage()
    state.feed(
        [
            decision("net:198.51.1", rng.sample(one, 1000), 0, 1, count=3000),
            decision("net:203.0.113", rng.sample(other, 1000), 1, 1, count=3000),
        ]
    )
    assert len({a.dedup_key for a in close(state, 1)}) == 2


def test_an_incident_is_re_sent_with_the_next_seq_only_when_over_a_tenth_of_its_members_are_new():
    state = swarm_stage()
    state.feed([decision("net:198.51.100", SWARM, 0, number=1)])
    first = close(state, 1)
    state.feed([decision("net:198.51.100", [*SWARM, "n1", "n2"], 0, number=2, minute=2)])
    assert close(state, 2) == [], "7% more members: nothing new to say"
    state.feed([decision("net:198.51.100", [*SWARM, "n1", "n2", "n3", "n4"], 0, number=3, minute=3)])
    grown = close(state, 3)
    assert [(a.dedup_key, a.seq, a.member_count) for a in grown] == [(first[0].dedup_key, 2, 34)]


def test_a_swarm_rotating_its_accounts_is_re_sent_though_its_size_stays():
    state = swarm_stage()
    state.feed([decision("net:198.51.100", SWARM, 0, number=1)])
    close(state, 1)
    rotated = [*SWARM[10:], *[f"r{i}" for i in range(10)]]
    state.feed([decision("net:198.51.100", rotated, 0, number=2, minute=2)])
    again = close(state, 2)
    assert [(a.seq, a.member_count) for a in again] == [(2, 30)]
    assert {f"r{i}" for i in range(10)} <= set(again[0].members)


def test_the_incident_resolves_when_its_last_key_resolves():
    state = swarm_stage()
    state.feed([decision("net:198.51.100", SWARM, 0), decision("ua:node-fetch/3", SWARM, 1)])
    close(state, 1)
    state.feed([decision("net:198.51.100", (), 0, number=2, minute=2, status="resolved")])
    assert close(state, 2) == []
    state.feed([decision("ua:node-fetch/3", (), 1, number=2, minute=3, status="resolved")])
    resolved = close(state, 3)
    assert [(a.status, a.seq) for a in resolved] == [("resolved", 2)]
    assert set(resolved[0].members) == set(SWARM), "the resolved alert still says who it was"
    assert state.swarms == {} and state.owner == {}


def test_arrival_order_across_cluster_partitions_does_not_change_the_alerts():
    a = [decision("net:198.51.100", SWARM, 0, number=n, minute=n) for n in range(1, 6)]
    b = [decision("ua:node-fetch/3", SWARM[: 20 + 2 * n], 1, number=n, minute=n) for n in range(1, 6)]
    one, two = swarm_stage(), swarm_stage()
    one.feed(a + b)
    two.feed([x for pair in zip(b, a, strict=True) for x in pair])
    assert [x.to_dict() for x in close(one, 6)] == [x.to_dict() for x in close(two, 6)]


def test_a_re_sent_decision_is_folded_once():
    state = swarm_stage()
    d = decision("net:198.51.100", SWARM, 0, number=1)
    state.feed([d, d])
    assert len(close(state, 1)) == 1


def test_a_swarm_stage_restored_from_its_snapshot_goes_on_alike():
    state = swarm_stage()
    state.feed([decision("net:198.51.100", SWARM, 0)])
    close(state, 1)
    copy = SwarmState.restore(state.snapshot(), CFG)
    later = [decision("net:198.51.100", [*SWARM, *[f"n{i}" for i in range(10)]], 0, number=2, minute=2)]
    assert [a.to_dict() for a in copy.feed(later) + close(copy, 2)] == [
        a.to_dict() for a in state.feed(later) + close(state, 2)
    ]
