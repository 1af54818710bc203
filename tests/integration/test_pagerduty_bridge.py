"""``extractwatch bridge pagerduty`` as a process, on the real broker, against a real HTTP server on
127.0.0.1 with PagerDuty's documented Events API v2 semantics (``streams.pagerduty_sim``): the real
PagerDuty cannot be reached from here.

The alerts are built with the detector's own alert type and policy helpers, so the bridge reads the
schema the worker writes; each incident is a ``firing`` (seq 0), maybe an escalation (seq 1), and
maybe a ``resolved``.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import orjson
import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from streams.core.policy import Decision, decision_fields, incident_dedup_key
from streams.core.records import Alert
from streams.pagerduty_sim import PagerDutySim, serve
from streams.settings import Settings
from streams.topics import TopicSpec, ensure_topics
from tests.integration.conftest import WorkerProcess, end_offsets, read_topic, wait_for

pytestmark = pytest.mark.integration

KEY = "Kq7Zr2Lm9Xv4Tn8Bw3Hd6Jf1Sg5Pc0Ya"  # 32 characters: a syntactically valid integration key
FAST_RETRIES = {"EXTRACTWATCH_PAGERDUTY_RETRY_INITIAL_S": "0.4", "EXTRACTWATCH_PAGERDUTY_RETRY_MAX_S": "1.6"}


@pytest.fixture
def pagerduty():
    sim = PagerDutySim()
    server, _thread = serve(sim)
    sim.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield sim
    server.shutdown()
    server.server_close()


@pytest.fixture
def start_bridge(tmp_path: Path, settings: Settings, pagerduty: PagerDutySim):
    bridges: list[WorkerProcess] = []

    def start(*args: str, **env: str) -> WorkerProcess:
        env.setdefault("EXTRACTWATCH_PAGERDUTY_ROUTING_KEY", KEY)
        env.setdefault("EXTRACTWATCH_PAGERDUTY_GROUP", f"{settings.app_id}-pagerduty")
        command = ("bridge", "pagerduty", "--url", pagerduty.url, *args)
        bridge = WorkerProcess(settings, tmp_path / f"bridge-{len(bridges)}.log", command, **env)
        bridges.append(bridge)
        return bridge

    yield start
    for bridge in bridges:
        bridge.stop()
    for bridge in bridges:
        assert KEY not in bridge.log_path.read_text(errors="replace"), "the routing key reached a log"


def wait_ready(bridge: WorkerProcess) -> None:
    wait_for(lambda: '"ready"' in bridge.log_path.read_text(), 60, "the bridge to be ready", bridge)


def incident(n: int, steps: str, scope: str = "client", replay: bool = False) -> list[dict]:
    """One incident's alerts: ``steps`` of f (firing), e (escalation: firing, next seq), r (resolved)."""
    subject = f"org_{n:05d}" if scope == "client" else f"185.81.{n}"
    first_seen = 1_795_766_400.0 + 60 * n
    dedup_key = incident_dedup_key(subject if scope == "client" else f"net:{subject}", first_seen, scope)
    alerts = []
    for seq, step in enumerate(steps):
        status = "resolved" if step == "r" else "firing"
        severity = "error" if step == "e" else "warning"
        decision = Decision(status, dedup_key, seq, severity, first_seen, 100 + seq, 0.8)
        alerts.append(
            Alert(
                **decision_fields(decision),
                scope=scope,
                client_id=subject if scope == "client" else None,
                cluster_key=None if scope == "client" else {"kind": "net", "value": subject},
                members=[] if scope == "client" else [f"org_{n}_{m}" for m in range(12)],
                member_count=0 if scope == "client" else 12,
                ts=first_seen + 600 * seq,
                events_seen=100 + seq,
                reasons=[],
                evidence={},
                model_version="it",
                replay=replay,
                summary=f"{scope} {subject} extraction risk 0.80 ({status})",
            ).to_dict()
        )
    return alerts


def incidents(count: int, start: int = 0) -> list[list[dict]]:
    """A mix: resolved and open, client and cluster, some escalated."""
    shapes = itertools.cycle(["fr", "f", "fer", "fe"])
    return [
        incident(n, next(shapes), "cluster" if n % 5 == 0 else "client") for n in range(start, start + count)
    ]


def publish(settings: Settings, alerts: list[dict]) -> None:
    """As the worker does: keyed by ``dedup_key`` with murmur2, so one incident stays on one partition."""
    ensure_topics(settings, [TopicSpec(settings.alerts_topic, settings.partitions)])
    producer = Producer(
        {
            "bootstrap.servers": settings.bootstrap_servers,
            "partitioner": "murmur2_random",
            "enable.idempotence": True,
        }
    )
    errors = []
    for alert in alerts:
        producer.produce(
            settings.alerts_topic,
            key=alert["dedup_key"].encode(),
            value=orjson.dumps(alert),
            on_delivery=lambda err, _msg: err and errors.append(err),
        )
    assert producer.flush(30) == 0 and not errors


def interleaved(groups: list[list[dict]]) -> list[dict]:
    """Incidents' steps in the order a worker would write them: step k of every incident, then k+1."""
    return [a for step in itertools.zip_longest(*groups) for a in step if a is not None]


def fired(groups: list[list[dict]]) -> dict[str, str]:
    """What extractwatch fired: each incident's dedup_key and its final PagerDuty status."""
    return {g[0]["dedup_key"]: "resolved" if g[-1]["status"] == "resolved" else "triggered" for g in groups}


def opened(sim: PagerDutySim) -> dict[str, str]:
    return {i["dedup_key"]: i["status"] for i in sim.incidents()}


def assert_one_incident_each(sim: PagerDutySim) -> None:
    keys = [i["dedup_key"] for i in sim.incidents()]
    assert len(keys) == len(set(keys)), "a dedup_key opened a second incident"


def accepted_actions(sim: PagerDutySim) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in sim.requests_log():
        if r["status"] == 202:
            out.setdefault(r["dedup_key"], []).append(r["event_action"])
    return out


def test_with_a_healthy_pagerduty_the_incidents_opened_are_those_fired_after_start_up(
    settings, pagerduty, start_bridge
):
    history = incidents(5, start=900)  # written before the group's first start: never paged
    publish(settings, interleaved(history))
    bridge = start_bridge()
    wait_ready(bridge)
    groups = incidents(24)
    publish(settings, interleaved(groups))
    wait_for(lambda: opened(pagerduty) == fired(groups), 60, "every incident and every resolve", bridge)
    assert_one_incident_each(pagerduty)
    for key, actions in accepted_actions(pagerduty).items():
        assert actions[-1] == ("resolve" if fired(groups)[key] == "resolved" else "trigger")
    wait_for(
        lambda: committed_offsets(settings) == end_offsets(settings, settings.alerts_topic),
        10,
        "commits at the end",
        bridge,
    )


def committed_offsets(settings: Settings) -> list[int]:
    group = f"{settings.app_id}-pagerduty"
    c = Consumer({"bootstrap.servers": settings.bootstrap_servers, "group.id": group})
    try:
        tps = [TopicPartition(settings.alerts_topic, p) for p in range(settings.partitions)]
        return [tp.offset for tp in c.committed(tps, timeout=10)]
    finally:
        c.close()


def test_throttling_and_server_errors_lose_nothing_keep_order_and_space_retries(
    settings, pagerduty, start_bridge
):
    bridge = start_bridge(**FAST_RETRIES)
    wait_ready(bridge)
    pagerduty.inject([429, 500, 503, 429, 502, 500, 429, 500])
    groups = [incident(n, "fr") for n in range(6)]
    publish(settings, interleaved(groups))
    wait_for(lambda: opened(pagerduty) == fired(groups), 90, "delivery after the errors", bridge)
    assert pagerduty.pending_faults() == 0
    assert_one_incident_each(pagerduty)
    assert all(actions == ["trigger", "resolve"] for actions in accepted_actions(pagerduty).values())
    by_key: dict[str, list[dict]] = {}
    for r in pagerduty.requests_log():
        by_key.setdefault(r["dedup_key"], []).append(r)
    retried = 0
    for requests in by_key.values():
        failures = 0
        for before, after in itertools.pairwise(requests):
            if before["status"] == 202:
                failures = 0
                continue
            failures += 1
            retried += 1
            nominal = min(1.6, 0.4 * 2 ** (failures - 1))  # the configured backoff, before jitter
            assert after["t"] - before["t"] >= nominal / 2 - 0.05, "a retry came before its backoff"
    assert retried == 8


def test_a_rejected_event_goes_to_the_dlq_with_the_response_and_the_rest_flows(
    settings, pagerduty, start_bridge
):
    bridge = start_bridge()
    wait_ready(bridge)
    pagerduty.inject([400])
    (rejected,) = incidents(1)
    publish(settings, rejected)
    wait_for(lambda: pagerduty.pending_faults() == 0, 30, "the rejected request", bridge)
    later = incidents(3, start=1)
    publish(settings, interleaved(later))
    wait_for(lambda: opened(pagerduty) == fired(later), 60, "the later incidents", bridge)
    (dead,) = read_topic(settings, f"{settings.alerts_topic}-dlq", idle_s=1.0)
    headers = dict(dead.headers())
    assert headers["reason"] == b"pagerduty_rejected"
    assert b"Event object is invalid" in headers["detail"]
    assert orjson.loads(dead.value())["dedup_key"] == rejected[0]["dedup_key"]


def test_after_kill_9_mid_stream_a_restart_delivers_everything_and_opens_no_second_incident(
    settings, pagerduty, start_bridge
):
    slow = {"EXTRACTWATCH_PAGERDUTY_RATE_PER_MINUTE": "600", "EXTRACTWATCH_PAGERDUTY_BURST": "1"}
    # no commit before the kill: everything sent is read again after the restart, and only the ledger
    # keeps the resolved incidents' triggers from opening them a second time
    bridge = start_bridge(**slow, EXTRACTWATCH_PAGERDUTY_COMMIT_EVERY_S="30")
    wait_ready(bridge)
    groups = [incident(n, "fr") for n in range(60)]  # 120 steps at 10 a second: about 12 s
    # each incident's trigger and resolve back to back: whatever was sent but not yet committed when
    # the bridge dies holds resolved incidents, whose triggers must not be sent again
    publish(settings, [alert for group in groups for alert in group])
    wait_for(
        lambda: sum(1 for s in opened(pagerduty).values() if s == "resolved") >= 5, 60, "resolves", bridge
    )
    bridge.kill9()
    assert opened(pagerduty) != fired(groups), "the bridge was killed after it had finished"
    restarted = start_bridge(**slow)
    wait_for(
        lambda: "already_delivered" in restarted.log_path.read_text(), 90, "the ledger's skips", restarted
    )
    wait_for(lambda: opened(pagerduty) == fired(groups), 90, "every incident after the restart", restarted)
    assert_one_incident_each(pagerduty)


def test_a_replayed_alert_never_pages(settings, pagerduty, start_bridge):
    bridge = start_bridge()
    wait_ready(bridge)
    replayed = incident(1, "fr", replay=True)
    live = incident(2, "f")
    publish(settings, replayed + live)
    wait_for(lambda: opened(pagerduty) == fired([live]), 30, "the live incident", bridge)
    bridge.stop()
    assert all(r["dedup_key"] != replayed[0]["dedup_key"] for r in pagerduty.requests_log())
    assert '"skipped_replays": 2' in bridge.log_path.read_text()


def test_the_routing_key_from_a_file_appears_in_no_output_even_on_errors(
    settings, pagerduty, start_bridge, tmp_path
):
    key_file = tmp_path / "routing-key"
    key_file.write_text(KEY + "\n")
    bridge = start_bridge(
        "--routing-key-file", str(key_file), EXTRACTWATCH_PAGERDUTY_ROUTING_KEY="", **FAST_RETRIES
    )
    wait_ready(bridge)
    pagerduty.inject([400, 429, 500])
    groups = incidents(4)
    publish(settings, interleaved(groups))
    wait_for(
        lambda: pagerduty.pending_faults() == 0 and len(pagerduty.incidents()) >= 3, 60, "delivery", bridge
    )
    bridge.stop()
    log = bridge.log_path.read_text(errors="replace")
    assert "pagerduty rejected an alert" in log and "pagerduty retry" in log  # the error paths ran
    assert KEY not in log


def test_an_alert_the_bridge_cannot_read_goes_to_the_dlq_and_the_rest_flows(
    settings, pagerduty, start_bridge
):
    bridge = start_bridge()
    wait_ready(bridge)
    broken = dict(incident(1, "f")[0], ts="yesterday")  # a field of the wrong type
    live = incident(2, "f")
    publish(settings, [broken, *live])
    wait_for(lambda: opened(pagerduty) == fired([live]), 30, "the live incident", bridge)
    (dead,) = read_topic(settings, f"{settings.alerts_topic}-dlq", idle_s=1.0)
    assert dict(dead.headers())["reason"] == b"invalid_alert" and bridge.alive()
