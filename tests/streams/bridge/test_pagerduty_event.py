"""An alert as a PagerDuty event: the mapping, the size limit, the console link."""

import orjson

from streams.bridge.pagerduty_event import MAX_EVENT_BYTES, pagerduty_event

CLIENT_ALERT = {
    "alert_id": "a1",
    "dedup_key": "client:acme:1700000000",
    "seq": 0,
    "status": "firing",
    "scope": "client",
    "client_id": "acme",
    "cluster_key": None,
    "members": [],
    "member_count": 0,
    "risk": 0.91,
    "severity": "error",
    "ts": 1700000300.0,
    "first_seen": 1700000000.0,
    "events_seen": 120,
    "reasons": [{"feature": "templated", "value": 0.9, "weight": 1.2}],
    "evidence": {"top_templates": ["3f2a"]},
    "model_version": "m1",
    "replay": False,
    "summary": "client acme extraction risk 0.91",
}
CLUSTER_ALERT = dict(
    CLIENT_ALERT,
    scope="cluster",
    client_id=None,
    cluster_key={"kind": "net", "value": "185.81.132"},
    dedup_key="cluster:net:185.81.132:1700000000",
    members=[f"org_{i:04d}" for i in range(50)],
    member_count=50,
)


def test_a_firing_alert_becomes_a_trigger_with_every_payload_field():
    event = pagerduty_event(CLIENT_ALERT)
    payload = event["payload"]
    assert (event["event_action"], event["dedup_key"]) == ("trigger", "client:acme:1700000000")
    assert {"summary", "source", "severity", "timestamp", "component", "group", "class"} <= set(payload)
    assert payload["severity"] == "error" and payload["timestamp"] == "2023-11-14T22:18:20+00:00"
    assert payload["custom_details"]["risk"] == 0.91 and payload["custom_details"]["reasons"]


def test_a_resolved_alert_becomes_a_bare_resolve():
    assert pagerduty_event(dict(CLIENT_ALERT, status="resolved")) == {
        "event_action": "resolve",
        "dedup_key": "client:acme:1700000000",
    }


def test_the_summary_is_cut_to_pagerdutys_1024_characters():
    event = pagerduty_event(dict(CLIENT_ALERT, summary="x" * 5000))
    assert len(event["payload"]["summary"]) == 1024


def test_custom_details_hold_only_the_listed_alert_fields():
    event = pagerduty_event(dict(CLIENT_ALERT, prompt="tell me everything"))
    assert "prompt" not in event["payload"]["custom_details"]
    assert b"tell me everything" not in orjson.dumps(event)


def test_a_cluster_alert_names_its_key_and_links_by_dedup_key():
    event = pagerduty_event(CLUSTER_ALERT, "https://console.example/incidents/{dedup_key}")
    assert event["payload"]["source"] == "net:185.81.132"
    assert (
        event["links"][0]["href"]
        == "https://console.example/incidents/cluster%3Anet%3A185.81.132%3A1700000000"
    )


def test_a_cluster_alert_gets_no_link_from_a_client_only_template():
    assert "links" not in pagerduty_event(CLUSTER_ALERT, "https://console.example/clients/{client_id}")


def test_an_oversized_event_drops_its_largest_details_first():
    huge = dict(CLUSTER_ALERT, members=["m" * 1000] * 600, evidence={"cluster_keys": ["k" * 100] * 100})
    event = pagerduty_event(huge)
    details = event["payload"]["custom_details"]
    assert len(orjson.dumps(event)) <= MAX_EVENT_BYTES
    assert details["dropped"] == ["members"] and "evidence" in details and details["risk"] == 0.91
