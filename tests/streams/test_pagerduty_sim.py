"""Tests of the local PagerDuty Events API v2 server: the pure semantics, then the real HTTP server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from streams.pagerduty_sim import MAX_EVENT_BYTES, PagerDutySim, serve

ROUTING_KEY = "R0UT1NGK3Y-SECRET-0123456789abcd"  # 32 characters, distinctive enough to grep for
OTHER_ROUTING_KEY = "b" * 32
REPO = Path(__file__).resolve().parents[2]


class FakeClock:
    def __init__(self, t: float = 1_700_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def event(action: str = "trigger", dedup_key: str | None = "client:acme:1", **overrides) -> dict:
    body: dict = {"routing_key": ROUTING_KEY, "event_action": action}
    if dedup_key is not None:
        body["dedup_key"] = dedup_key
    if action == "trigger":
        body["payload"] = {"summary": "extraction suspected", "source": "extractwatch", "severity": "error"}
    body.update(overrides)
    return body


def send(sim: PagerDutySim, body: dict) -> tuple[int, dict]:
    return sim.enqueue(json.dumps(body).encode())


def with_payload(**fields) -> dict:
    payload = {"summary": "extraction suspected", "source": "extractwatch", "severity": "error", **fields}
    return event(payload={k: v for k, v in payload.items() if v is not None})


# --- incidents -----------------------------------------------------------------------------------------


def test_trigger_opens_an_incident_and_returns_its_dedup_key():
    sim = PagerDutySim(clock=FakeClock())
    assert send(sim, event()) == (
        202,
        {"status": "success", "message": "Event processed", "dedup_key": "client:acme:1"},
    )
    assert sim.incidents() == [
        {
            "number": 1,
            "dedup_key": "client:acme:1",
            "status": "triggered",
            "summary": "extraction suspected",
            "severity": "error",
            "opened_at": "2023-11-14T22:13:20.000Z",
            "resolved_at": None,
            "triggers": 1,
        }
    ]


def test_trigger_without_dedup_key_gets_a_generated_key_and_a_new_incident_each_time():
    sim = PagerDutySim()
    first = send(sim, event(dedup_key=None))[1]["dedup_key"]
    second = send(sim, event(dedup_key=None))[1]["dedup_key"]
    assert first and second and first != second
    assert [i["dedup_key"] for i in sim.incidents()] == [first, second]


def test_second_trigger_with_the_same_key_attaches_to_the_open_incident():
    sim = PagerDutySim()
    send(sim, event())
    status, _ = send(
        sim, event(payload={"summary": "again", "source": "extractwatch", "severity": "critical"})
    )
    assert status == 202
    [incident] = sim.incidents()
    assert incident["triggers"] == 2
    assert incident["severity"] == "critical", "severity follows the latest trigger"
    assert incident["summary"] == "extraction suspected", "the summary stays the opening trigger's"


def test_same_dedup_key_on_another_routing_key_opens_its_own_incident():
    sim = PagerDutySim()
    send(sim, event())
    send(sim, event(routing_key=OTHER_ROUTING_KEY))
    assert [i["number"] for i in sim.incidents()] == [1, 2]


def test_acknowledge_marks_the_open_incident_acknowledged():
    sim = PagerDutySim()
    send(sim, event())
    assert send(sim, event("acknowledge"))[0] == 202
    assert sim.incidents()[0]["status"] == "acknowledged"


def test_trigger_on_an_acknowledged_incident_attaches_and_keeps_it_acknowledged():
    sim = PagerDutySim()
    send(sim, event())
    send(sim, event("acknowledge"))
    send(sim, event())
    [incident] = sim.incidents()
    assert (incident["status"], incident["triggers"]) == ("acknowledged", 2)


def test_resolve_closes_the_open_incident():
    clock = FakeClock()
    sim = PagerDutySim(clock=clock)
    send(sim, event())
    clock.t += 90
    assert send(sim, event("resolve"))[0] == 202
    [incident] = sim.incidents()
    assert incident["status"] == "resolved"
    assert incident["resolved_at"] == "2023-11-14T22:14:50.000Z"


def test_trigger_after_resolve_opens_a_new_incident():
    sim = PagerDutySim()
    send(sim, event())
    send(sim, event("resolve"))
    send(sim, event())
    assert [(i["number"], i["status"]) for i in sim.incidents()] == [(1, "resolved"), (2, "triggered")]


@pytest.mark.parametrize("action", ["acknowledge", "resolve"])
def test_acknowledge_or_resolve_with_nothing_open_is_accepted_and_dropped(action):
    sim = PagerDutySim()
    assert send(sim, event(action))[0] == 202
    send(sim, event())
    send(sim, event("resolve"))
    assert send(sim, event(action))[0] == 202, "after the resolve nothing is open again"
    assert [i["status"] for i in sim.incidents()] == ["resolved"]


def test_on_change_reports_opened_acknowledged_and_resolved_in_order():
    changes = []
    sim = PagerDutySim(on_change=lambda change, incident: changes.append((change, incident["number"])))
    send(sim, event())
    send(sim, event())  # attaches: no change of state
    send(sim, event("acknowledge"))
    send(sim, event("acknowledge"))  # already acknowledged: no change of state
    send(sim, event("resolve"))
    assert changes == [("opened", 1), ("acknowledged", 1), ("resolved", 1)]


def test_reset_forgets_incidents_log_and_faults_and_numbers_from_one_again():
    sim = PagerDutySim()
    send(sim, event())
    sim.inject([500])
    sim.reset()
    assert (sim.incidents(), sim.requests_log(), sim.pending_faults()) == ([], [], 0)
    send(sim, event())
    assert [i["number"] for i in sim.incidents()] == [1]


# --- validation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({k: v for k, v in event().items() if k != "routing_key"}, "'routing_key'", id="no-key"),
        pytest.param(event(routing_key="short"), "'routing_key'", id="routing-key-length"),
        pytest.param(event(routing_key=12345), "'routing_key'", id="routing-key-type"),
        pytest.param(event(event_action="escalate"), "'event_action'", id="event-action"),
        pytest.param(event(dedup_key="k" * 256), "'dedup_key'", id="dedup-key-too-long"),
        pytest.param(event("resolve", dedup_key=None), "'dedup_key'", id="resolve-without-dedup-key"),
        pytest.param(event("acknowledge", dedup_key=None), "'dedup_key'", id="ack-without-dedup-key"),
        pytest.param(event(payload=None), "'payload'", id="no-payload"),
        pytest.param(event(payload="disk full"), "'payload'", id="payload-type"),
        pytest.param(with_payload(summary=None), "'payload.summary'", id="no-summary"),
        pytest.param(with_payload(summary=""), "'payload.summary'", id="empty-summary"),
        pytest.param(with_payload(summary="s" * 1025), "'payload.summary'", id="summary-too-long"),
        pytest.param(with_payload(source=None), "'payload.source'", id="no-source"),
        pytest.param(with_payload(source=""), "'payload.source'", id="empty-source"),
        pytest.param(with_payload(severity="high"), "'payload.severity'", id="severity"),
        pytest.param(with_payload(timestamp="yesterday"), "'payload.timestamp'", id="timestamp"),
        pytest.param(event(links={"href": "https://x"}), "'links'", id="links-not-a-list"),
        pytest.param(event(links=["https://x"]), "'links'", id="links-not-objects"),
        pytest.param(event(links=[{"text": "no href"}]), "'links[0].href'", id="link-without-href"),
        pytest.param(event(images=[{"alt": "no src"}]), "'images[0].src'", id="image-without-src"),
    ],
)
def test_invalid_event_is_rejected_with_400_naming_the_field_and_not_applied(body, field):
    sim = PagerDutySim()
    status, response = send(sim, body)
    assert status == 400
    assert (response["status"], response["message"]) == ("invalid event", "Event object is invalid")
    assert any(field in error for error in response["errors"]), response["errors"]
    assert sim.incidents() == []


def test_pagerdutys_documented_example_event_is_accepted():
    example = {
        "payload": {
            "summary": "DISK at 99% on machine prod-datapipe03.example.com",
            "timestamp": "2015-07-17T08:42:58.315+0000",
            "severity": "critical",
            "source": "prod-datapipe03.example.com",
            "component": "mysql",
            "group": "prod-datapipe",
            "class": "disk",
            "custom_details": {"free space": "1%", "ping time": "1500ms", "load avg": 0.75},
        },
        "routing_key": ROUTING_KEY,
        "dedup_key": "srv01/mysql",
        "event_action": "trigger",
        "client": "Sample Monitoring Service",
        "client_url": "https://monitoring.service.com",
        "links": [{"href": "http://pagerduty.example.com", "text": "An example link."}],
        "images": [{"src": "https://example.com/chart.png", "href": "https://google.com", "alt": "chart"}],
    }
    assert send(PagerDutySim(), example)[0] == 202


def test_summary_of_exactly_1024_characters_is_accepted():
    assert send(PagerDutySim(), with_payload(summary="s" * 1024))[0] == 202


def test_body_over_512_kb_is_rejected_with_400():
    body = json.dumps(event()).encode()
    oversize = body[:-1] + b" " * (MAX_EVENT_BYTES + 1 - len(body)) + b"}"
    assert len(oversize) == MAX_EVENT_BYTES + 1
    sim = PagerDutySim()
    status, response = sim.enqueue(oversize)
    assert status == 400
    assert "512 KB" in response["errors"][0]
    assert sim.incidents() == []


def test_body_of_exactly_512_kb_is_accepted():
    body = json.dumps(event()).encode()
    at_limit = body[:-1] + b" " * (MAX_EVENT_BYTES - len(body)) + b"}"
    assert len(at_limit) == MAX_EVENT_BYTES
    assert PagerDutySim().enqueue(at_limit)[0] == 202


@pytest.mark.parametrize("body", [b"{not json", b"", b"[1, 2]", b"\xff\xfe\x00"], ids=str)
def test_body_that_is_not_a_json_object_is_rejected_with_400(body):
    status, response = PagerDutySim().enqueue(body)
    assert (status, response["status"]) == (400, "invalid event")


def test_routing_key_never_appears_in_any_response_incident_or_log():
    sim = PagerDutySim(rate_limit_per_minute=2)
    sim.inject([400, 429, 500])
    bodies = [event(), event(), event()]  # answered by the faults
    bodies += [event(), event("acknowledge"), event(dedup_key=None), event()]  # the last one is throttled
    bodies += [event(routing_key=ROUTING_KEY + "x"), event(routing_key=[ROUTING_KEY])]
    bodies += [event(event_action=ROUTING_KEY), event(dedup_key=None, payload={"summary": ROUTING_KEY})]
    responses = [send(sim, body) for body in bodies]
    assert {status for status, _ in responses} == {202, 400, 429, 500}, "every kind of answer was seen"
    everything = json.dumps([responses, sim.incidents(), sim.requests_log()])
    assert ROUTING_KEY not in everything


# --- faults, log, rate limit ---------------------------------------------------------------------------


def test_injected_faults_are_answered_in_order_then_normal_service_resumes():
    sim = PagerDutySim()
    sim.inject([429, 500, 503, 400])
    statuses = [send(sim, event())[0] for _ in range(5)]
    assert statuses == [429, 500, 503, 400, 202]


def test_injected_faults_are_not_applied():
    sim = PagerDutySim()
    sim.inject([500, 429])
    send(sim, event())
    send(sim, event())
    assert sim.incidents() == []


def test_injected_faults_answer_with_pagerdutys_bodies():
    sim = PagerDutySim()
    sim.inject([400, 429, 502])
    bad, throttled, server_error = (send(sim, event())[1] for _ in range(3))
    assert (bad["status"], bad["message"], type(bad["errors"])) == (
        "invalid event",
        "Event object is invalid",
        list,
    )
    assert throttled == {"status": "Request Limit Exceeded", "message": "Too many API calls at a time."}
    assert server_error["status"] == "Bad Gateway"


@pytest.mark.parametrize("status", [200, 202, 404, 600, "500", True])
def test_inject_refuses_statuses_pagerduty_does_not_fail_with(status):
    sim = PagerDutySim()
    with pytest.raises(ValueError):
        sim.inject([500, status])
    assert sim.pending_faults() == 0, "nothing is queued when any status is refused"


def test_requests_log_records_every_request_in_order_with_its_status():
    clock = FakeClock()
    sim = PagerDutySim(clock=clock)
    send(sim, event())
    clock.t += 1
    sim.inject([503])
    send(sim, event("resolve"))
    sim.enqueue(b"{not json")
    generated = send(sim, event(dedup_key=None))[1]["dedup_key"]
    assert sim.requests_log() == [
        {"t": 1_700_000_000.0, "event_action": "trigger", "dedup_key": "client:acme:1", "status": 202},
        {"t": 1_700_000_001.0, "event_action": "resolve", "dedup_key": "client:acme:1", "status": 503},
        {"t": 1_700_000_001.0, "event_action": None, "dedup_key": None, "status": 400},
        {"t": 1_700_000_001.0, "event_action": "trigger", "dedup_key": generated, "status": 202},
    ]


def test_rate_limit_answers_429_beyond_the_limit_without_applying_the_event():
    sim = PagerDutySim(rate_limit_per_minute=2)
    statuses = [send(sim, event(dedup_key=f"k{i}"))[0] for i in range(3)]
    assert statuses == [202, 202, 429]
    assert [i["dedup_key"] for i in sim.incidents()] == ["k0", "k1"]


def test_rate_limit_window_slides_over_the_last_60_seconds():
    clock = FakeClock()
    sim = PagerDutySim(rate_limit_per_minute=2, clock=clock)
    send(sim, event())
    clock.t += 30
    send(sim, event())
    clock.t += 29
    assert send(sim, event())[0] == 429, "both events are still inside the window"
    clock.t += 1
    assert send(sim, event())[0] == 202, "the first event has left the window"


def test_rate_limit_is_counted_per_routing_key():
    sim = PagerDutySim(rate_limit_per_minute=1)
    assert send(sim, event())[0] == 202
    assert send(sim, event(routing_key=OTHER_ROUTING_KEY))[0] == 202
    assert send(sim, event())[0] == 429


def test_no_rate_limit_by_default():
    sim = PagerDutySim()
    assert {send(sim, event())[0] for _ in range(200)} == {202}


# --- the real HTTP server ------------------------------------------------------------------------------


@pytest.fixture
def server_url():
    server, thread = serve(PagerDutySim())
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def http(method: str, url: str, body: object = None) -> tuple[int, str, object]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers["Content-Type"], json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers["Content-Type"], json.loads(e.read())


def test_http_enqueue_round_trip_then_get_incidents(server_url):
    status, content_type, body = http("POST", f"{server_url}/v2/enqueue", event())
    assert (status, content_type) == (202, "application/json")
    assert body == {"status": "success", "message": "Event processed", "dedup_key": "client:acme:1"}
    status, _, incidents = http("GET", f"{server_url}/incidents")
    assert status == 200
    assert [(i["number"], i["dedup_key"], i["status"]) for i in incidents] == [
        (1, "client:acme:1", "triggered")
    ]


def test_http_invalid_event_is_400_with_pagerdutys_body(server_url):
    status, _, body = http("POST", f"{server_url}/v2/enqueue", event(routing_key="short"))
    assert status == 400
    assert body["errors"] == ["Length of 'routing_key' is incorrect (should be 32 characters)"]


def test_http_faults_then_requests_log_then_reset(server_url):
    assert http("POST", f"{server_url}/_sim/faults", {"statuses": [429]})[0] == 200
    assert http("POST", f"{server_url}/v2/enqueue", event())[0] == 429
    assert http("POST", f"{server_url}/v2/enqueue", event())[0] == 202
    log = http("GET", f"{server_url}/_sim/requests")[2]
    assert [entry["status"] for entry in log] == [429, 202]
    assert http("POST", f"{server_url}/_sim/reset", {})[0] == 200
    assert http("GET", f"{server_url}/incidents")[2] == []
    assert http("GET", f"{server_url}/_sim/requests")[2] == []


def test_http_bad_fault_request_is_400(server_url):
    assert http("POST", f"{server_url}/_sim/faults", {"statuses": [200]})[0] == 400
    assert http("POST", f"{server_url}/_sim/faults", {"codes": [500]})[0] == 400


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/nope"), ("POST", "/v1/enqueue"), ("GET", "/v2/enqueue")]
)
def test_http_anything_else_is_404(server_url, method, path):
    assert http(method, f"{server_url}{path}", {} if method == "POST" else None)[0] == 404


def test_http_server_does_not_log_request_lines(server_url, capfd):
    http("POST", f"{server_url}/v2/enqueue", event())
    http("GET", f"{server_url}/nope")
    assert capfd.readouterr() == ("", "")


def test_run_prints_where_it_listens_and_each_change_then_stops_on_sigterm():
    script = "import sys; from streams.pagerduty_sim import run; sys.exit(run('127.0.0.1', 0))"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as process:
        try:
            listening = process.stdout.readline()
            assert listening.startswith("pagerduty-sim listening on http://127.0.0.1:")
            url = listening.split()[-1]
            assert http("POST", url, event())[0] == 202
            assert process.stdout.readline() == "opened   #1 error    client:acme:1  extraction suspected\n"
            assert http("POST", url, event("resolve"))[0] == 202
            assert process.stdout.readline() == "resolved #1 error    client:acme:1  extraction suspected\n"
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0
            assert process.stderr.read() == "", "no request lines, no traceback"
        finally:
            process.kill()
