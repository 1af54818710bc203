"""An extractwatch alert as a PagerDuty Events API v2 event (without its routing key).

``firing`` becomes ``trigger`` and ``resolved`` becomes ``resolve``, under the alert's ``dedup_key``.
Alerts carry no prompt text, so neither can the event. The routing key is added by the sender, at
the last moment, so it is in no structure anything else could log.
"""

from __future__ import annotations

import string
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import orjson

from streams.errors import ConfigError

# PagerDuty rejects events over 512 KB; Alertmanager keeps under 512,000 bytes. The routing key (32
# characters) and its JSON field are added after this size is measured.
MAX_EVENT_BYTES = 512_000 - 64
MAX_SUMMARY_CHARS = 1024
ACTIONS = {"firing": "trigger", "resolved": "resolve"}
# The alert fields a person needs on the incident page; prompt text is in none of them.
DETAIL_FIELDS = (
    "risk",
    "reasons",
    "evidence",
    "members",
    "member_count",
    "events_seen",
    "first_seen",
    "seq",
    "alert_id",
    "model_version",
)
LINK_FIELDS = {"client_id", "dedup_key"}


def check_console_url(template: str) -> None:
    """A console URL template may name ``{client_id}`` and ``{dedup_key}``, nothing else.

    >>> check_console_url("https://console.example/clients/{client_id}")
    >>> check_console_url("https://console.example/{tenant}")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    streams.errors.ConfigError: EXTRACTWATCH_CONSOLE_URL may only use {client_id} and {dedup_key}, ...
    """
    for _text, name, _spec, _conv in string.Formatter().parse(template):
        if name is not None and name not in LINK_FIELDS:
            raise ConfigError(
                f"EXTRACTWATCH_CONSOLE_URL may only use {{client_id}} and {{dedup_key}}, not {{{name}}}"
            )


def pagerduty_event(alert: dict[str, Any], console_url: str = "") -> dict[str, Any]:
    """The event for one alert. A ``resolve`` carries what PagerDuty needs only: its ``dedup_key``.

    >>> alert = {"status": "firing", "dedup_key": "client:acme:1700000000", "scope": "client",
    ...          "client_id": "acme", "cluster_key": None, "severity": "error", "ts": 1700000300.0,
    ...          "summary": "client acme extraction risk 0.91", "risk": 0.91, "seq": 1}
    >>> event = pagerduty_event(alert, "https://console.example/c/{client_id}")
    >>> event["event_action"], event["payload"]["source"], event["payload"]["timestamp"]
    ('trigger', 'acme', '2023-11-14T22:18:20+00:00')
    >>> event["links"]
    [{'href': 'https://console.example/c/acme', 'text': 'extractwatch console'}]
    >>> pagerduty_event(dict(alert, status="resolved"))
    {'event_action': 'resolve', 'dedup_key': 'client:acme:1700000000'}
    """
    action = ACTIONS[alert["status"]]
    if action == "resolve":
        return {"event_action": action, "dedup_key": alert["dedup_key"]}
    event = {
        "event_action": action,
        "dedup_key": alert["dedup_key"],
        "payload": {
            "summary": alert["summary"][:MAX_SUMMARY_CHARS],
            "source": _subject(alert),
            "severity": alert["severity"],
            "timestamp": datetime.fromtimestamp(alert["ts"], UTC).isoformat(),
            "component": alert["scope"],
            "group": "extractwatch",
            "class": "llm-extraction",
            "custom_details": {k: alert[k] for k in DETAIL_FIELDS if k in alert},
        },
        "client": "extractwatch",
    }
    link = _link(alert, console_url)
    if link:
        event["links"] = [{"href": link, "text": "extractwatch console"}]
    return fit(event)


def fit(event: dict[str, Any], limit: int = MAX_EVENT_BYTES) -> dict[str, Any]:
    """The event under ``limit`` bytes: the largest ``custom_details`` entries are dropped first, and
    their names listed in ``custom_details.dropped``.

    >>> event = {"payload": {"custom_details": {"members": ["m" * 50] * 50, "risk": 0.9}}}
    >>> fit(event, limit=300)["payload"]["custom_details"]
    {'risk': 0.9, 'dropped': ['members']}
    """
    details = dict(event["payload"]["custom_details"])
    dropped: list[str] = []
    while details and len(orjson.dumps(event)) > limit:
        largest = max(details, key=lambda k: len(orjson.dumps(details[k])))
        del details[largest]
        dropped.append(largest)
        event = {**event, "payload": {**event["payload"], "custom_details": {**details, "dropped": dropped}}}
    return event


def _subject(alert: dict[str, Any]) -> str:
    """The client, or for a cluster alert the key that founded the swarm (``kind:value``)."""
    if alert.get("client_id"):
        return alert["client_id"]
    key = alert.get("cluster_key") or {}
    return f"{key.get('kind', 'cluster')}:{key.get('value', alert['dedup_key'])}"


def _link(alert: dict[str, Any], template: str) -> str | None:
    """The console URL for this alert; none when the template needs a client and this is a cluster."""
    if not template:
        return None
    values = {"client_id": alert.get("client_id"), "dedup_key": alert["dedup_key"]}
    needed = {name for _t, name, _s, _c in string.Formatter().parse(template) if name}
    if any(values[name] is None for name in needed):
        return None
    return template.format(**{k: quote(str(v), safe="") for k, v in values.items() if v is not None})
