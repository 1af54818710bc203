"""/readyz's verdict, from stand-ins for the lanes (no broker, no Faust app running)."""

from types import SimpleNamespace

from faust.types import TP

from streams.health import liveness, merge_stragglers, readiness


def stand_in(active=True, assigned=(0, 1), restored=(0, 1), lag=None, name="detect", jobs=None):
    app = SimpleNamespace(faust=SimpleNamespace(flow_control=SimpleNamespace(is_active=lambda: active)))
    return SimpleNamespace(
        lane=SimpleNamespace(name=name),
        app=app,
        _assigned=lambda: [TP("in", p) for p in assigned],
        states={p: object() for p in restored},
        lag=lambda: lag or {p: 0 for p in assigned},
        delivery=SimpleNamespace(job_seconds=lambda: jobs or {}),
    )


def test_ready_once_assigned_restored_and_caught_up():
    assert readiness([stand_in()], max_lag=0) == (True, {"ready": True, "partitions": [0, 1], "lag": 0})


def test_not_ready_during_a_rebalance():
    assert readiness([stand_in(active=False)], 10)[1]["reason"] == "rebalancing or restoring state"


def test_not_ready_without_partitions():
    assert readiness([stand_in(assigned=(), restored=())], 10)[1]["reason"] == "no input partition assigned"


def test_not_ready_until_every_assigned_partition_is_restored():
    ready, body = readiness([stand_in(restored=(0,))], 10)
    assert not ready and body["partitions"] == [1]


def test_not_ready_while_the_lag_is_over_the_limit():
    ready, body = readiness([stand_in(lag={0: 7, 1: 5})], max_lag=10)
    assert not ready and body["lag"] == 12 and body["reason"] == "lag 12 over 10"


def test_the_routed_topics_lag_counts_with_the_inputs():
    route = stand_in(lag={0: 4, 1: 0}, name="route")
    ready, body = readiness([route, stand_in(lag={0: 3, 1: 4})], max_lag=10)
    assert not ready and body["lag"] == 11


def test_not_ready_until_the_detect_lane_has_restored_too():
    ready, body = readiness([stand_in(name="route"), stand_in(restored=(1,))], 10)
    assert not ready and body["partitions"] == [0]


def test_merge_stragglers_are_summed_per_lane_whose_states_hold_a_gate():
    def lane(name, lates):
        states = {
            p: SimpleNamespace(gate=None if late is None else SimpleNamespace(late=late))
            for p, late in enumerate(lates)
        }
        return SimpleNamespace(lane=SimpleNamespace(name=name), states=states)

    workers = [lane("route", [None, None]), lane("detect", [2, 3]), lane("clusters", [0])]
    assert merge_stragglers(workers) == {"detect": 5, "clusters": 0}


def test_alive_while_every_job_in_hand_is_younger_than_the_stall_limit():
    assert liveness([stand_in(name="route", jobs={0: 12.0}), stand_in(jobs={1: 299.0})], 300) == (
        True,
        {"alive": True},
    )


def test_a_partition_on_one_job_past_the_limit_makes_the_worker_not_alive():
    alive, body = liveness([stand_in(name="route", jobs={3: 301.25, 4: 2.0}), stand_in()], 300)
    assert not alive and body["stalled"] == {"route/3": 301.2} and body["reason"] == "stalled over 300 s"
