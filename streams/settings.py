"""The one settings object. Every command reads it; nothing else reads the environment.

Values come from ``EXTRACTWATCH_*`` environment variables (the field name, upper-cased), for example
``EXTRACTWATCH_BOOTSTRAP_SERVERS``. The README lists every field.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from dataclasses import dataclass, field, fields
from typing import Any

from streams.errors import ConfigError

ENV_PREFIX = "EXTRACTWATCH_"


INPUT_PARTITIONERS = ("any", "murmur2")
_NOT_IN_VERSION = {"snapshot_mark_s"}  # when state is cut changes no decision


@dataclass(frozen=True)
class DetectorSettings:
    """Thresholds of the pure core. Part of ``model_version``: changing one is a new model."""

    allowed_lateness_s: float = 3600.0  # watermark = highest event ts seen minus this
    max_future_s: float = 3600.0  # event ts this far past its record timestamp -> DLQ "future"
    # How the input topic is partitioned. "any": a route stage judges each event on the partition
    # the producer put it on and forwards it to its client's partition, where the sources merge in
    # event time (streams/core/routing.py). "murmur2": every producer keys by client_id with Kafka's
    # murmur2 partitioner (Java's default, or librdkafka's partitioner=murmur2_random), so events
    # are applied where they arrive, in offset order, one Kafka hop and its cost fewer.
    input_partitioner: str = "any"
    # The route stage's sources merge in event-time buckets of merge_bucket_s, each released once
    # every source's newest event is merge_lateness_s past it. An event further behind its own
    # source's newest is applied in the next open bucket: nothing is lost, but its order (and so a
    # decision) may differ from ``detect``'s.
    merge_lateness_s: float = 5.0
    merge_bucket_s: float = 1.0
    # event ids each input partition remembers: an id among them comes again -> DLQ "duplicate"
    duplicate_window: int = 20000
    client_idle_expiry_s: float = 7 * 86400.0  # clients idle this long (event time) are forgotten
    score_every: int = 10  # score a client every N of its events (a cadence, not every event)
    warmup_events: int = 30  # a client is not scored before it has sent this many events
    fire_threshold: float = 0.6  # risk at or above this counts toward firing
    fire_after: int = 3  # consecutive scorings at or above fire_threshold before an alert fires
    fire_min_span_s: float = 180.0  # ...and those scorings span at least this much event time
    clear_threshold: float = 0.5  # hysteresis: risk must drop below this to count toward resolving
    resolve_after_s: float = 6 * 3600.0  # event time the risk must stay low before `resolved`
    max_incidents_per_client_day: int = 3  # cap on new incidents; resolves and escalations always go out
    severity_warning: float = 0.6  # risk at or above which an alert is a warning...
    severity_error: float = 0.85  # ...an error...
    severity_critical: float = 0.95  # ...critical (below warning: info)
    # the prior checkpoint every partition starts from; empty: the shipped models/prior.ckpt
    model_checkpoint: str = ""
    # A verdict's example is learned once a partition's watermark passes the verdict's ts plus this:
    # time for the example to reach every partition through the labels topic before it is due.
    verdict_settle_s: float = 300.0
    # cross-account clusters (streams/core/clusters.py)
    young_account_days: float = 30.0  # younger accounts (or first seen less than a day ago) count as young
    cluster_bucket_s: float = 60.0  # event-time bucket; closes once every source watermark has passed it
    cluster_active_s: float = 3600.0  # a member active in this window of event time counts toward a key
    cluster_min_members: int = 10  # keys with fewer active members are not scored
    # members remembered per key (the least recently active are dropped); like clients, members idle
    # for ``client_idle_expiry_s`` are forgotten
    cluster_member_cap: int = 2000
    cluster_key_idle_expiry_s: float = 86400.0  # keys idle this long (watermark) are forgotten
    cluster_regrow_share: float = 0.1  # re-send a firing cluster alert when members grow by more than this
    # Every stage's state is also cut, for replays, each time its watermark enters a new mark of this
    # much event time: the same points in the worker and in ``detect``. Not part of ``version``.
    snapshot_mark_s: float = 3600.0

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise ConfigError("detector settings make no sense: " + "; ".join(problems))

    def problems(self) -> list[str]:
        """Thresholds whose order or range makes no sense.

        >>> DetectorSettings().problems()
        []
        >>> DetectorSettings(clear_threshold=0.9, fire_threshold=0.8, severity_error=1)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        streams.errors.ConfigError: detector settings make no sense: clear_threshold 0.9 must be below ...
        """
        out = []
        if not 0.0 <= self.clear_threshold < self.fire_threshold <= 1.0:
            out.append(
                f"clear_threshold {self.clear_threshold} must be below fire_threshold {self.fire_threshold}"
                if self.clear_threshold >= self.fire_threshold
                else "fire_threshold and clear_threshold must lie in [0, 1]"
            )
        if not self.severity_warning <= self.severity_error <= self.severity_critical:
            out.append("severities must rise: severity_warning <= severity_error <= severity_critical")
        if self.snapshot_mark_s <= 0:
            out.append("snapshot_mark_s must be positive")
        if self.merge_bucket_s <= 0:
            out.append("merge_bucket_s must be positive")
        if self.input_partitioner not in INPUT_PARTITIONERS:
            out.append(f"input_partitioner must be one of {', '.join(INPUT_PARTITIONERS)}")
        for name in (
            "allowed_lateness_s",
            "merge_lateness_s",
            "verdict_settle_s",
            "fire_min_span_s",
            "resolve_after_s",
        ):
            if getattr(self, name) < 0:
                out.append(f"{name} must not be negative")
        for name in (
            "score_every",
            "fire_after",
            "cluster_min_members",
            "max_incidents_per_client_day",
            "duplicate_window",
        ):
            if getattr(self, name) < 1:
                out.append(f"{name} must be at least 1")
        return out

    @property
    def version(self) -> str:
        """A short stable tag of these thresholds, carried in every alert's ``model_version``."""
        fields_ = {k: v for k, v in dataclasses.asdict(self).items() if k not in _NOT_IN_VERSION}
        blob = repr(sorted(fields_.items())).encode()
        return hashlib.sha256(blob).hexdigest()[:8]


class Secret:
    """A value that must never be printed: ``repr`` and ``str`` hide it; ``reveal()`` gives it.

    >>> key = Secret("0123456789abcdef0123456789abcdef")
    >>> (str(key), repr(key), f"{key}", bool(key), bool(Secret("")))
    ('**********', "Secret('**********')", '**********', True, False)
    """

    __slots__ = ("_value",)

    def __init__(self, value: str = ""):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __str__(self) -> str:
        return "**********"

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com"


@dataclass(frozen=True)
class PagerDutySettings:
    """The PagerDuty bridge (``extractwatch bridge pagerduty``); variables ``EXTRACTWATCH_PAGERDUTY_*``."""

    url: str = PAGERDUTY_EVENTS_URL  # events are sent to <url>/v2/enqueue
    routing_key: Secret = field(default_factory=Secret)  # the integration key of one service
    group: str = "extractwatch-pagerduty"  # the bridge's consumer group on the alerts topic
    rate_per_minute: float = 120.0  # client-side limit per routing key (PagerDuty's documented rate)
    burst: int = 10  # events that may go out at once before the rate applies
    retry_initial_s: float = 1.0  # first retry after a 429, 5xx or network error (then doubled)...
    retry_max_s: float = 60.0  # ...up to this; each delay is jittered down to half of it
    request_timeout_s: float = 10.0  # a request unanswered this long counts as a network error
    max_pending: int = 1000  # unsettled alerts held before consumption pauses (resumes at half)
    concurrency: int = 4  # requests in flight at once (never two for one dedup_key)
    # How often settled offsets are committed. After a crash, what was settled since is read again
    # and found in the ledger: a longer interval costs re-reading, never a second page.
    commit_every_s: float = 1.0

    def __post_init__(self) -> None:
        problems = []
        if self.rate_per_minute <= 0 or self.burst < 1:
            problems.append("rate_per_minute must be positive and burst at least 1")
        if not 0 < self.retry_initial_s <= self.retry_max_s:
            problems.append("retries need 0 < retry_initial_s <= retry_max_s")
        if min(self.max_pending, self.concurrency, self.request_timeout_s, self.commit_every_s) <= 0:
            problems.append("max_pending, concurrency, request_timeout_s and commit_every_s must be positive")
        if problems:
            raise ConfigError("PagerDuty settings make no sense: " + "; ".join(problems))


# Settings that make no sense at zero or below (an interval, a timeout, a limit).
POSITIVE = (
    "snapshot_interval_s",
    "commit_interval_s",
    "shutdown_timeout_s",
    "fetch_max_wait_ms",
    "gc_young_threshold",
    "stall_after_s",
    "producer_request_timeout_s",
)


@dataclass(frozen=True)
class Settings:
    bootstrap_servers: str = "127.0.0.1:9092"
    app_id: str = "extractwatch"  # consumer group and state namespace: a new id starts from empty state
    input_topic: str = "api-requests"
    alerts_topic: str = "extraction-alerts"
    labels_topic: str = "analyst-labels"
    partitions: int = 6
    replication_factor: int = 1
    # How long the input topic (and the retained snapshots) keep records: the replay horizon. Applied
    # when extractwatch creates the topics; records older than this vanish, even if produced today.
    retention_days: float = 30.0
    web_host: str = "127.0.0.1"
    web_port: int = 6066
    log_level: str = "info"
    # Faust's local files (table metadata), one folder per app id; the durable state is in Kafka.
    work_dir: str = ".data/worker"
    # Events of one partition applied between two state snapshots. Smaller means less reprocessing
    # after a crash, larger means fewer snapshot writes.
    snapshot_every: int = 5000
    snapshot_interval_s: float = 5.0  # and at least this often (wall clock: I/O cadence only)
    # How often each partition's consumer-group offset is moved up to what its last durable snapshot
    # applied (wall clock). The offsets follow the state, not Faust's acks (faust-streaming #596).
    commit_interval_s: float = 1.0
    # How long the broker may hold the worker's fetch request when it has nothing new (Faust fixes
    # 1,500 ms). The consumer keeps one fetch in flight per broker, without the partitions whose
    # fetched records it still holds: records arriving on those wait until that fetch returns.
    fetch_max_wait_ms: int = 100
    # Net allocations between two collections of the garbage collector's youngest generation, in
    # every process that runs the core (CPython's default: 700). See streams/gc_tuning.py.
    gc_young_threshold: int = 10_000
    # The worker's C heap maps blocks of this many bytes or more on their own, returned to the system
    # when freed (glibc's mallopt; glibc's own starts at 128 KiB and rises to 32 MiB as large blocks
    # are freed, after which large temporaries fragment the heap: see streams/heap.py). 0: glibc's.
    malloc_mmap_threshold: int = 128 * 1024
    # SIGTERM: the worker applies what it was handed, snapshots, flushes, commits and leaves the
    # group; past this many seconds it exits anyway (what it did not commit is re-read on restart).
    shutdown_timeout_s: float = 30.0
    # An input partition that has applied its whole log and received nothing for this long tells the
    # cluster partitions it is idle, so their buckets close without it (wall clock).
    source_idle_after_s: float = 10.0
    # /readyz answers 503 while more input records than this wait to be applied (all partitions).
    ready_max_lag: int = 10000
    # A partition whose job in hand (a take of records to apply, a read from the broker) has run
    # this long is stalled: /healthz answers 503, so that a liveness probe restarts the worker
    # (harmless: it resumes from its snapshots), and the worker logs where it stands once.
    stall_after_s: float = 300.0
    # A request to the broker that the worker's producer has had no answer to for this long is sent
    # again on a new connection (Faust's: 20 minutes, during which every flush, snapshot and commit
    # waits). Batches keep Faust's 20 minutes to reach the broker (streams/producing.py).
    producer_request_timeout_s: float = 30.0
    # Cross-account clusters (two internal topics, two more agents); off: client alerts only.
    clusters: bool = True
    # A link on every page to the alert in your console: a template with {client_id} and/or
    # {dedup_key} (cluster alerts have no client_id: use {dedup_key} to link them too). Empty: no link.
    console_url: str = ""
    detector: DetectorSettings = field(default_factory=DetectorSettings)
    pagerduty: PagerDutySettings = field(default_factory=PagerDutySettings)

    @property
    def dlq_topic(self) -> str:
        return f"{self.input_topic}-dlq"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Read ``EXTRACTWATCH_<FIELD>`` (and ``EXTRACTWATCH_DETECTOR_<FIELD>``) variables.

        >>> Settings.from_env({"EXTRACTWATCH_PARTITIONS": "3"}).partitions
        3
        >>> Settings.from_env({"EXTRACTWATCH_DETECTOR_FIRE_THRESHOLD": "0.9"}).detector.fire_threshold
        0.9
        """
        env = os.environ if environ is None else environ
        detector = _read(DetectorSettings, env, ENV_PREFIX + "DETECTOR_")
        pagerduty = _read(PagerDutySettings, env, ENV_PREFIX + "PAGERDUTY_")
        values = _read(cls, env, ENV_PREFIX, skip={"detector", "pagerduty"})
        values.update(overrides)
        values.setdefault("detector", DetectorSettings(**detector))
        values.setdefault("pagerduty", PagerDutySettings(**pagerduty))
        settings = cls(**values)
        if settings.partitions < 1:
            raise ConfigError("EXTRACTWATCH_PARTITIONS must be at least 1")
        not_positive = [f"EXTRACTWATCH_{name.upper()}" for name in POSITIVE if getattr(settings, name) <= 0]
        if not_positive:
            raise ConfigError(f"{', '.join(not_positive)} must be positive")
        if settings.malloc_mmap_threshold != 0 and not 4096 <= settings.malloc_mmap_threshold < 2**31:
            # below a page every small block would be a system call; mallopt takes a C int
            raise ConfigError("EXTRACTWATCH_MALLOC_MMAP_THRESHOLD must be 0 (glibc's) or 4096 to 2**31 - 1")
        return settings


def settings_env(settings: Settings, **extra: str) -> dict[str, str]:
    """This process's environment with what names a deployment in ``settings`` (broker, app id,
    topics, partitions, web port), for a child process (a worker, a benchmark run, a CLI command)
    to read them back with ``Settings.from_env``; ``extra``: more variables."""
    env = dict(os.environ)
    names = (
        "bootstrap_servers",
        "app_id",
        "input_topic",
        "alerts_topic",
        "labels_topic",
        "partitions",
        "web_port",
    )
    for name in names:
        env[f"EXTRACTWATCH_{name.upper()}"] = str(getattr(settings, name))
    env.update(extra)
    return env


def _read(cls: type, env: Any, prefix: str, skip: set[str] = frozenset()) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(cls):
        if f.name in skip:
            continue
        raw = env.get(prefix + f.name.upper())
        if raw is None:
            continue
        kind = Secret if f.default_factory is Secret else type(f.default)
        try:
            out[f.name] = _boolean(raw) if kind is bool else kind(raw)
        except ValueError as exc:
            raise ConfigError(f"{prefix}{f.name.upper()}={raw!r} is not a valid {kind.__name__}") from exc
    return out


def _boolean(raw: str) -> bool:
    """
    >>> [_boolean(v) for v in ("1", "true", "On", "0", "false", "no")]
    [True, True, True, False, False, False]
    """
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)
