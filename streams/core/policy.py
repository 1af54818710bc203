"""Alert policy for one client: fire, escalate, resolve, cap. Runs on event time only.

- Fires after ``fire_after`` consecutive scorings at or above ``fire_threshold`` spanning at least
  ``fire_min_span_s`` of event time: the risk must *stay* high, which a short burst does not.
- Hysteresis: an open incident counts as "low" only below ``clear_threshold``, and resolves once it
  has been low for ``resolve_after_s`` of watermark time, so a risk oscillating around the firing
  threshold neither re-fires nor flaps.
- Escalation re-sends ``firing`` with a higher severity under the same ``dedup_key`` and next ``seq``.
- At most ``max_incidents_per_client_day`` new incidents per client per event-time day; resolves and
  escalations are never capped.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from streams.core.slotted import pickled_by_slots
from streams.settings import DetectorSettings

SEVERITIES = ("info", "warning", "error", "critical")
_DEDUP_LIMIT = 255


def severity_for(risk: float, cfg: DetectorSettings) -> str:
    """
    >>> cfg = DetectorSettings()
    >>> [severity_for(r, cfg) for r in (0.97, 0.9, 0.75, 0.2)]
    ['critical', 'error', 'warning', 'info']
    """
    if risk >= cfg.severity_critical:
        return "critical"
    if risk >= cfg.severity_error:
        return "error"
    if risk >= cfg.severity_warning:
        return "warning"
    return "info"


def incident_dedup_key(subject: str, first_seen: float, scope: str = "client") -> str:
    """Stable for one incident of one client (or cluster); long subjects are hashed to fit 255 chars.

    >>> incident_dedup_key("acme", 1700000000.5)
    'client:acme:1700000000'
    >>> incident_dedup_key("asn:64500", 1.0, scope="cluster")
    'cluster:asn:64500:1'
    >>> len(incident_dedup_key("x" * 300, 1.0)) <= 255
    True
    """
    key = f"{scope}:{subject}:{int(first_seen)}"
    if len(key) <= _DEDUP_LIMIT:
        return key
    digest = hashlib.sha256(subject.encode()).hexdigest()
    return f"{scope}-sha256:{digest}:{int(first_seen)}"


def alert_id(dedup_key: str, seq: int) -> str:
    """Deterministic: the same alert, re-sent after a crash or a replay, has the same id."""
    return hashlib.sha256(f"{dedup_key}#{seq}".encode()).hexdigest()[:32]


@pickled_by_slots
@dataclass(slots=True)
class Incident:
    dedup_key: str
    first_seen: float
    seq: int
    severity: str
    events_seen: int
    low_since: float | None = None


@pickled_by_slots
@dataclass(frozen=True, slots=True)
class Decision:
    """What the policy wants sent, frozen at the moment of deciding: ``firing`` or ``resolved``."""

    status: str
    dedup_key: str
    seq: int
    severity: str
    first_seen: float
    events_seen: int
    risk: float

    @classmethod
    def of(cls, status: str, incident: Incident, risk: float) -> Decision:
        return cls(
            status,
            incident.dedup_key,
            incident.seq,
            incident.severity,
            incident.first_seen,
            incident.events_seen,
            risk,
        )


def decision_fields(decision: Decision) -> dict:
    """The alert fields taken from the policy's decision, alike for client and cluster alerts."""
    return {
        "alert_id": alert_id(decision.dedup_key, decision.seq),
        "dedup_key": decision.dedup_key,
        "seq": decision.seq,
        "status": decision.status,
        "risk": decision.risk,
        "severity": decision.severity,
        "first_seen": float(decision.first_seen),
    }


@pickled_by_slots
@dataclass(slots=True)
class ClientPolicy:
    """Policy state of one client."""

    consecutive_high: int = 0
    first_high_ts: float | None = None
    incident: Incident | None = None
    cap_day: int = -1
    incidents_today: int = 0

    def observe(
        self,
        client_id: str,
        risk: float,
        ts: float,
        events: int,
        cfg: DetectorSettings,
        scope: str = "client",
    ) -> Decision | None:
        """Feed one scoring of this client (``events`` seen since the last scoring)."""
        if self.incident is not None:
            return self._observe_open(risk, ts, events, cfg)
        if risk < cfg.fire_threshold:
            self.consecutive_high, self.first_high_ts = 0, None
            return None
        self.consecutive_high += 1
        if self.first_high_ts is None:
            self.first_high_ts = ts
        if self.consecutive_high < cfg.fire_after or ts - self.first_high_ts < cfg.fire_min_span_s:
            return None
        day = int(ts // 86400)
        if day != self.cap_day:
            self.cap_day, self.incidents_today = day, 0
        if self.incidents_today >= cfg.max_incidents_per_client_day:
            return None
        self.incidents_today += 1
        first_seen = self.first_high_ts
        self.incident = Incident(
            dedup_key=incident_dedup_key(client_id, first_seen, scope),
            first_seen=first_seen,
            seq=1,
            severity=severity_for(risk, cfg),
            events_seen=events * self.consecutive_high,
        )
        return Decision.of("firing", self.incident, risk)

    def _observe_open(self, risk: float, ts: float, events: int, cfg: DetectorSettings) -> Decision | None:
        incident = self.incident
        incident.events_seen += events
        if risk < cfg.clear_threshold:
            if incident.low_since is None:
                incident.low_since = ts
            return None
        incident.low_since = None
        severity = severity_for(risk, cfg)
        if SEVERITIES.index(severity) > SEVERITIES.index(incident.severity):
            incident.seq += 1
            incident.severity = severity
            return Decision.of("firing", incident, risk)
        return None

    def maybe_resolve(self, watermark: float, cfg: DetectorSettings, last_risk: float) -> Decision | None:
        """Resolve an open incident whose risk has stayed low for ``resolve_after_s`` of watermark time."""
        incident = self.incident
        if incident is None or incident.low_since is None:
            return None
        if watermark - incident.low_since < cfg.resolve_after_s:
            return None
        return self.resolve(last_risk)

    def resolve(self, last_risk: float) -> Decision:
        """Resolve the open incident now (its client is gone)."""
        incident = self.incident
        incident.seq += 1
        self.incident = None
        self.consecutive_high, self.first_high_ts = 0, None
        return Decision.of("resolved", incident, last_risk)
