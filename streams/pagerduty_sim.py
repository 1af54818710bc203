"""A local PagerDuty Events API v2 server, for demos and tests.

This is a real HTTP server (standard library only) that answers ``POST /v2/enqueue`` with PagerDuty's
documented Events API v2 semantics: the same validation, the same response bodies, alert de-duplication
per ``(routing_key, dedup_key)``, and optional per-routing-key throttling. It exists because the real
PagerDuty cannot be reached from tests, and a demo should not page anyone.

Sources for the semantics (PagerDuty's own documentation):

- developer-docs ``events-API-v2/02-Trigger-Events.md``: fields, the 32-character routing key, dedup_key
  <= 255 characters and generated when a trigger omits it, summary <= 1024 characters, severities,
  required ``href`` of links and ``src`` of images, and de-duplication: events apply to the open alert
  for their dedup_key and routing_key; once resolved, a trigger opens a new alert and acknowledge or
  resolve are dropped.
- developer-docs ``events-API-v2/01-Overview.md``: 202 / 400 / 429 / 5xx and "payloads are limited
  to 512 KB".
- developer-docs ``events-API-v2/05-Rate-Limits.md``: about 120 calls a minute per integration key,
  "calculated over a 60 second window looking back from the current time"; the event is not ingested.
- api-schema ``reference/events-v2/openapiv3.json`` and the legacy v2 docs page: the 202 body
  (``success`` / ``Event processed`` / ``dedup_key``) and the 400 body (``invalid event`` /
  ``Event object is invalid`` / ``errors``).

Beyond the Events API, a few ``/_sim`` endpoints let tests inject faults and read what was received.
The routing key is a credential: it never appears in a response, an incident, the request log or an
error message. Internally incidents are keyed by a digest of it.

>>> sim = PagerDutySim(clock=lambda: 1_700_000_000.0)
>>> sim.enqueue(b'{"routing_key": "' + b"r" * 32 + b'", "event_action": "trigger", "dedup_key": "k1",'
...             b' "payload": {"summary": "disk full", "source": "db1", "severity": "error"}}')
(202, {'status': 'success', 'message': 'Event processed', 'dedup_key': 'k1'})
>>> [(i["number"], i["status"], i["opened_at"]) for i in sim.incidents()]
[(1, 'triggered', '2023-11-14T22:13:20.000Z')]
"""

from __future__ import annotations

import hashlib
import json
import signal
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO
from urllib.parse import urlsplit

# "Events API payloads are limited to 512 KB". PagerDuty does not say whether a KB is 1000 or 1024 bytes;
# Alertmanager and Grafana both read it as 512,000, and the stricter reading keeps clients that pass here
# safe against the real service under either reading.
MAX_EVENT_BYTES = 512_000
ROUTING_KEY_LENGTH = 32
MAX_DEDUP_KEY_LENGTH = 255
MAX_SUMMARY_LENGTH = 1024
EVENT_ACTIONS = ("trigger", "acknowledge", "resolve")
SEVERITIES = ("critical", "error", "warning", "info")
RATE_WINDOW_SECONDS = 60.0

ChangeCallback = Callable[[str, dict], None]


# --- response bodies ---------------------------------------------------------------------------------


def accepted(dedup_key: str) -> dict:
    """PagerDuty's 202 body."""
    return {"status": "success", "message": "Event processed", "dedup_key": dedup_key}


def invalid_event(errors: list[str]) -> dict:
    """PagerDuty's 400 body."""
    return {"status": "invalid event", "message": "Event object is invalid", "errors": errors}


def throttled() -> dict:
    """The 429 body.

    PagerDuty documents no JSON body for 429: its rate-limit page says the response "will say
    `429 - Request Limit Exceeded`", and its response table describes 429 as "Too many API calls at a
    time." This body uses those two phrases in the documented error shape (``status`` + ``message``).
    Clients must key on the status code, never on this text.
    """
    return {"status": "Request Limit Exceeded", "message": "Too many API calls at a time."}


def server_error(status: int) -> dict:
    """A plain 5xx body in the shape of the OpenAPI ``Error`` schema (``status`` and ``message``)."""
    return {"status": HTTPStatus(status).phrase, "message": "The PagerDuty simulator injected this fault."}


def fault_response(status: int) -> dict:
    if status == 429:
        return throttled()
    if status == 400:
        return invalid_event(["Injected by the PagerDuty simulator"])
    return server_error(status)


def check_fault_status(status: object) -> int:
    """Statuses ``inject`` can answer with: 400, 429 and 5xx, the failures PagerDuty documents.

    >>> check_fault_status(503)
    503
    >>> check_fault_status(404)
    Traceback (most recent call last):
    ...
    ValueError: cannot inject status 404: use 400, 429 or a 5xx
    """
    if isinstance(status, bool) or not isinstance(status, int):
        raise ValueError(f"fault statuses must be integers, not {type(status).__name__}")
    if status in (400, 429) or 500 <= status <= 599:
        return status
    raise ValueError(f"cannot inject status {status}: use 400, 429 or a 5xx")


# --- validation ----------------------------------------------------------------------------------------
# Error strings name the field and never echo a submitted value: the routing key must not leak, and
# any other value could be a routing key pasted into the wrong field.


def decode_event(body: bytes) -> dict | str:
    """The event object, or the error string that makes the request a 400."""
    if len(body) > MAX_EVENT_BYTES:
        return f"Event is too large: payloads are limited to 512 KB ({MAX_EVENT_BYTES} bytes)"
    try:
        event = json.loads(body)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return "JSON parse error"
    if not isinstance(event, dict):
        return "Event must be a JSON object"
    return event


def validation_errors(event: dict) -> list[str]:
    """Every documented rule the event breaks; empty when PagerDuty would accept it."""
    errors = routing_key_errors(event.get("routing_key"))
    errors += event_action_errors(event.get("event_action"))
    errors += dedup_key_errors(event)
    if event.get("event_action") == "trigger":
        errors += payload_errors(event.get("payload"))
    errors += context_errors(event, "links", required="href")
    errors += context_errors(event, "images", required="src")
    return errors


def routing_key_errors(routing_key: object) -> list[str]:
    if routing_key is None:
        return ["'routing_key' is missing"]
    if not isinstance(routing_key, str):
        return ["'routing_key' must be a string"]
    if len(routing_key) != ROUTING_KEY_LENGTH:
        # PagerDuty's own wording, from its documented 400 example.
        return ["Length of 'routing_key' is incorrect (should be 32 characters)"]
    return []


def event_action_errors(event_action: object) -> list[str]:
    if event_action in EVENT_ACTIONS:
        return []
    return ["'event_action' must be one of: " + ", ".join(EVENT_ACTIONS)]


def dedup_key_errors(event: dict) -> list[str]:
    dedup_key = event.get("dedup_key")
    if dedup_key is None:
        # Optional on trigger only: PagerDuty generates one. Without it nothing can be acknowledged.
        if event.get("event_action") in ("acknowledge", "resolve"):
            return ["'dedup_key' is required for acknowledge and resolve events"]
        return []
    if not isinstance(dedup_key, str) or not dedup_key:
        return ["'dedup_key' must be a non-empty string"]
    if len(dedup_key) > MAX_DEDUP_KEY_LENGTH:
        return [f"'dedup_key' is too long (maximum is {MAX_DEDUP_KEY_LENGTH} characters)"]
    return []


def payload_errors(payload: object) -> list[str]:
    if payload is None:
        return ["'payload' is missing (required for trigger events)"]
    if not isinstance(payload, dict):
        return ["'payload' must be an object"]
    errors = text_field_errors(payload.get("summary"), "payload.summary", MAX_SUMMARY_LENGTH)
    errors += text_field_errors(payload.get("source"), "payload.source", None)
    if payload.get("severity") not in SEVERITIES:
        errors.append("'payload.severity' must be one of: " + ", ".join(SEVERITIES))
    if "timestamp" in payload and not is_iso8601(payload["timestamp"]):
        errors.append("'payload.timestamp' must be an ISO 8601 timestamp")
    return errors


def text_field_errors(value: object, name: str, max_length: int | None) -> list[str]:
    if value is None:
        return [f"'{name}' is missing"]
    if not isinstance(value, str) or not value.strip():
        return [f"'{name}' must be a non-empty string"]
    if max_length is not None and len(value) > max_length:
        return [f"'{name}' is too long (maximum is {max_length} characters)"]
    return []


def context_errors(event: dict, name: str, required: str) -> list[str]:
    """``links`` and ``images``: lists of objects, each with its documented required property."""
    if name not in event:
        return []
    items = event[name]
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        return [f"'{name}' must be a list of objects"]
    return [f"'{name}[{i}].{required}' is missing" for i, item in enumerate(items) if required not in item]


def is_iso8601(value: object) -> bool:
    """Python 3.11's ``fromisoformat`` takes the ISO 8601 forms, including PagerDuty's own example.

    >>> is_iso8601("2015-07-17T08:42:58.315+0000"), is_iso8601("17/07/2015")
    (True, False)
    """
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


# --- incidents -----------------------------------------------------------------------------------------


def iso_utc(t: float) -> str:
    """
    >>> iso_utc(0.0)
    '1970-01-01T00:00:00.000Z'
    """
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def routing_key_digest(routing_key: str) -> str:
    # Incidents and rate windows are keyed by a digest so no stored state holds the credential itself.
    return hashlib.sha256(routing_key.encode()).hexdigest()


@dataclass
class Incident:
    number: int
    routing: str  # digest of the routing key; never exported
    dedup_key: str
    summary: str
    severity: str
    opened_at: str
    status: str = "triggered"
    resolved_at: str | None = None
    triggers: int = 1

    def as_dict(self) -> dict:
        return {
            "number": self.number,
            "dedup_key": self.dedup_key,
            "status": self.status,
            "summary": self.summary,
            "severity": self.severity,
            "opened_at": self.opened_at,
            "resolved_at": self.resolved_at,
            "triggers": self.triggers,
        }


class PagerDutySim:
    """The Events API v2 semantics, without HTTP. Thread-safe.

    ``clock`` (seconds since the epoch) drives timestamps, the request log and the rate window, so
    tests can move time without sleeping. ``on_change(event, incident)`` is called with "opened",
    "acknowledged" or "resolved" each time an incident changes state, in the order the changes happen.
    """

    def __init__(
        self,
        rate_limit_per_minute: int | None = None,
        on_change: ChangeCallback | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if rate_limit_per_minute is not None and rate_limit_per_minute < 1:
            raise ValueError("rate_limit_per_minute must be at least 1")
        self.rate_limit_per_minute = rate_limit_per_minute
        self._on_change = on_change
        self._clock = clock
        # Reentrant so on_change, called under the lock to keep its calls in order, may read the sim.
        self._lock = threading.RLock()
        self._reset_state()

    def _reset_state(self) -> None:
        self._incidents: list[Incident] = []
        self._open: dict[tuple[str, str], Incident] = {}
        self._log: list[dict] = []
        self._faults: deque[int] = deque()
        self._admitted: dict[str, deque[float]] = {}

    # --- the public surface ---

    def enqueue(self, body: bytes) -> tuple[int, dict]:
        """Answer one ``POST /v2/enqueue`` request body as PagerDuty would: ``(status, response body)``."""
        decoded = decode_event(body)
        with self._lock:
            status, response = self._respond(decoded)
            self._record(decoded, status, response)
            return status, response

    def incidents(self) -> list[dict]:
        with self._lock:
            return [incident.as_dict() for incident in self._incidents]

    def inject(self, statuses: list[int]) -> None:
        """Answer the next ``len(statuses)`` enqueue requests with these statuses, without applying them."""
        checked = [check_fault_status(status) for status in statuses]
        with self._lock:
            self._faults.extend(checked)

    def pending_faults(self) -> int:
        with self._lock:
            return len(self._faults)

    def requests_log(self) -> list[dict]:
        """Every enqueue request received, in order: time, event_action, dedup_key, returned status."""
        with self._lock:
            return [dict(entry) for entry in self._log]

    def reset(self) -> None:
        """Forget incidents, the request log, pending faults and rate windows."""
        with self._lock:
            self._reset_state()

    # --- answering one request (lock held) ---

    def _respond(self, decoded: dict | str) -> tuple[int, dict]:
        if self._faults:
            status = self._faults.popleft()
            return status, fault_response(status)
        if isinstance(decoded, str):
            return 400, invalid_event([decoded])
        errors = validation_errors(decoded)
        if errors:
            return 400, invalid_event(errors)
        routing = routing_key_digest(decoded["routing_key"])
        if not self._admit(routing):
            return 429, throttled()
        dedup_key = decoded.get("dedup_key") or uuid.uuid4().hex
        self._apply(routing, dedup_key, decoded)
        return 202, accepted(dedup_key)

    def _admit(self, routing: str) -> bool:
        """Sliding 60 s window per routing key; only admitted events count, as throttled ones are dropped."""
        if self.rate_limit_per_minute is None:
            return True
        now = self._clock()
        admitted = self._admitted.setdefault(routing, deque())
        while admitted and admitted[0] <= now - RATE_WINDOW_SECONDS:
            admitted.popleft()
        if len(admitted) >= self.rate_limit_per_minute:
            return False
        admitted.append(now)
        return True

    def _apply(self, routing: str, dedup_key: str, event: dict) -> None:
        open_incident = self._open.get((routing, dedup_key))
        action = event["event_action"]
        if action == "trigger":
            if open_incident is None:
                self._open_incident(routing, dedup_key, event["payload"])
            else:
                # A trigger log entry on the open alert; an acknowledged one stays acknowledged.
                open_incident.triggers += 1
                open_incident.severity = event["payload"]["severity"]
        elif open_incident is None:
            return  # acknowledge/resolve with nothing open: PagerDuty drops it, still with a 202
        elif action == "acknowledge" and open_incident.status == "triggered":
            open_incident.status = "acknowledged"
            self._notify("acknowledged", open_incident)
        elif action == "resolve":
            open_incident.status = "resolved"
            open_incident.resolved_at = iso_utc(self._clock())
            del self._open[(routing, dedup_key)]
            self._notify("resolved", open_incident)

    def _open_incident(self, routing: str, dedup_key: str, payload: dict) -> None:
        incident = Incident(
            number=len(self._incidents) + 1,
            routing=routing,
            dedup_key=dedup_key,
            summary=payload["summary"],
            severity=payload["severity"],
            opened_at=iso_utc(self._clock()),
        )
        self._incidents.append(incident)
        self._open[(routing, dedup_key)] = incident
        self._notify("opened", incident)

    def _notify(self, change: str, incident: Incident) -> None:
        if self._on_change is not None:
            self._on_change(change, incident.as_dict())

    def _record(self, decoded: dict | str, status: int, response: dict) -> None:
        event = decoded if isinstance(decoded, dict) else {}
        action = event.get("event_action")
        sent_key = event.get("dedup_key")
        self._log.append(
            {
                "t": self._clock(),
                # Only a known action: an unknown value is arbitrary client text, maybe a misplaced key.
                "event_action": action if action in EVENT_ACTIONS else None,
                # A generated key is what the client must use from now on, so log that one.
                "dedup_key": response.get("dedup_key") or (sent_key if isinstance(sent_key, str) else None),
                "status": status,
            }
        )


# --- HTTP ----------------------------------------------------------------------------------------------


class SimServer(ThreadingHTTPServer):
    daemon_threads = True  # a stuck client must not keep the process alive

    def __init__(self, address: tuple[str, int], sim: PagerDutySim) -> None:
        super().__init__(address, SimRequestHandler)
        self.sim = sim


class SimRequestHandler(BaseHTTPRequestHandler):
    server: SimServer
    server_version = "pagerduty-sim"
    # HTTP/1.0: one request per connection, so a response sent without reading a body can't desync.
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the default writes every request line to stderr, which drowns the incident lines."""

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/incidents":
            self._send_json(200, self.server.sim.incidents())
        elif path == "/_sim/requests":
            self._send_json(200, self.server.sim.requests_log())
        else:
            self._send_not_found()

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        body = self._read_body()
        if path == "/v2/enqueue":
            self._send_json(*self.server.sim.enqueue(body))
        elif path == "/_sim/faults":
            self._inject_faults(body)
        elif path == "/_sim/reset":
            self.server.sim.reset()
            self._send_json(200, {"status": "reset"})
        else:
            self._send_not_found()

    def _inject_faults(self, body: bytes) -> None:
        try:
            statuses = json.loads(body)["statuses"]
            if not isinstance(statuses, list):
                raise ValueError("'statuses' must be a list")
            self.server.sim.inject(statuses)
        except (ValueError, KeyError, TypeError) as e:
            self._send_json(400, {"status": "bad request", "message": f"expected {{'statuses': [...]}}: {e}"})
            return
        self._send_json(200, {"status": "ok", "pending_faults": self.server.sim.pending_faults()})

    def _read_body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        return self.rfile.read(length) if length > 0 else b""

    def _send_not_found(self) -> None:
        self._send_json(404, {"status": "not found", "message": "No such endpoint in the simulator"})

    def _send_json(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def serve(sim: PagerDutySim, host: str = "127.0.0.1", port: int = 0) -> tuple[SimServer, threading.Thread]:
    """Serve ``sim`` from a daemon thread. Port 0 picks a free port: read it from ``server.server_address``.

    Stop with ``server.shutdown(); server.server_close()``.
    """
    server = SimServer((host, port), sim)
    # A short poll interval so shutdown() returns quickly in tests.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="pagerduty-sim", daemon=True
    )
    thread.start()
    return server, thread


def format_change(change: str, incident: dict) -> str:
    """One line per incident state change, for the console.

    >>> format_change("opened", {"number": 3, "severity": "error", "dedup_key": "client:acme:1700000000",
    ...                          "summary": "extraction suspected"})
    'opened   #3 error    client:acme:1700000000  extraction suspected'
    """
    return (
        f"{change:<8} #{incident['number']} {incident['severity']:<8} "
        f"{incident['dedup_key']}  {incident['summary']}"
    )


def run(
    host: str = "127.0.0.1",
    port: int = 8080,
    out: TextIO = sys.stdout,
    rate_limit_per_minute: int | None = None,
) -> int:
    """Serve until SIGTERM or Ctrl-C, printing a line per incident opened, acknowledged or resolved."""

    def print_change(change: str, incident: dict) -> None:
        print(format_change(change, incident), file=out, flush=True)

    sim = PagerDutySim(rate_limit_per_minute=rate_limit_per_minute, on_change=print_change)
    server, thread = serve(sim, host, port)
    bound_host, bound_port = server.server_address[:2]
    print(f"pagerduty-sim listening on http://{bound_host}:{bound_port}/v2/enqueue", file=out, flush=True)
    stop = threading.Event()
    restore_sigterm = install_sigterm(stop)
    try:
        # A timed wait so the main thread regularly returns to the interpreter and runs signal handlers.
        while not stop.wait(timeout=0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        restore_sigterm()
        server.shutdown()
        server.server_close()
        thread.join()
    print("pagerduty-sim stopped", file=out, flush=True)
    return 0


def install_sigterm(stop: threading.Event) -> Callable[[], None]:
    """Make SIGTERM set ``stop``; returns what puts the previous handler back."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # handlers can only be installed from the main thread; Ctrl-C still works
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    # signal.signal returns None for a handler not installed from Python; SIG_DFL is the honest restore.
    return lambda: signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
