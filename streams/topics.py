"""Every topic extractwatch uses, defined once: names from the settings, configs here."""

from __future__ import annotations

from dataclasses import dataclass, field

from confluent_kafka.admin import AdminClient, NewTopic

from streams.errors import DeliveryError
from streams.settings import Settings

MIB = 1 << 20
# Messages above 1 MiB are rejected by the worker; the input topic takes up to 2 MiB so that such
# messages arrive, and the DLQ keeps every rejected original with room for its headers.
INPUT_MAX_MESSAGE_BYTES = 2 * MIB
DLQ_MAX_MESSAGE_BYTES = 2 * MIB + 64 * 1024
# A partition's snapshot (features and River models) can pass the broker's default 1 MiB.
STATE_MAX_MESSAGE_BYTES = 64 * MIB
STATE_TABLE = "partition-state"  # the Faust table of partition snapshots
ROUTE_STATE_TABLE = "route-state"  # ...of the route stage's input partitions
CLUSTER_STATE_TABLE = "cluster-state"  # ...of cluster partition snapshots
SWARM_STATE_TABLE = "swarm-state"  # ...and of the swarm stage's (one partition)
# Envelopes of the internal topics (routed events, observations, decisions) are cut to this many items
# and, when larger, halved until under half of those topics' message limit.
ITEMS_PER_ENVELOPE = 4000
# A producer may stamp each input message with its wall-clock send time (seconds, as text) in this
# header: the worker then observes send-to-apply latency (the Kafka timestamp holds the event time).
SENT_AT_HEADER = "extractwatch-sent-at"
INTERNAL_MAX_MESSAGE_BYTES = 2 * MIB


def state_changelog_topic(settings: Settings, table: str = STATE_TABLE) -> str:
    """Faust names a table's changelog ``<app id>-<table>-changelog``."""
    return f"{settings.app_id}-{table}-changelog"


def routed_topic(settings: Settings) -> str:
    """Judged, reduced events on their clients' partitions, when the input is not partitioned by
    murmur2 (``streams.core.routing``). Internal to one app id."""
    return f"{settings.app_id}-routed"


def observations_topic(settings: Settings) -> str:
    """The repartition topic: reduced events keyed by cluster key, internal to one app id."""
    return f"{settings.app_id}-cluster-observations"


def decisions_topic(settings: Settings) -> str:
    """The cluster keys' decisions, for the swarm stage (one partition: swarms span every key)."""
    return f"{settings.app_id}-cluster-decisions"


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    config: dict[str, str] = field(default_factory=dict)


def snapshots_topic(settings: Settings) -> str:
    """Every stage's state cut at each event-time mark, kept for replays (``streams.snapshot_store``)."""
    return f"{settings.app_id}-snapshots"


def retention_config(settings: Settings) -> dict[str, str]:
    return {"retention.ms": str(int(settings.retention_days * 86400 * 1000))}


def topic_specs(settings: Settings) -> list[TopicSpec]:
    """The topics ``make kafka-up`` and the worker create when missing (Faust adds its changelogs)."""
    p = settings.partitions
    retention = retention_config(settings)
    internal = {"max.message.bytes": str(INTERNAL_MAX_MESSAGE_BYTES)}
    # what a replay from snapshots re-reads when the input is routed: kept as long as the input
    routed = TopicSpec(routed_topic(settings), p, {**internal, **retention})
    return [
        TopicSpec(settings.input_topic, p, {"max.message.bytes": str(INPUT_MAX_MESSAGE_BYTES), **retention}),
        # stamped with event time: a broker default of 7 days would delete at once what a catch-up
        # over older history alerts on
        TopicSpec(settings.alerts_topic, p, retention),
        TopicSpec(settings.dlq_topic, p, {"max.message.bytes": str(DLQ_MAX_MESSAGE_BYTES), **retention}),
        # keyed by client_id and co-partitioned with the input: a verdict lands with its client
        TopicSpec(settings.labels_topic, p),
        *([routed] if settings.detector.input_partitioner != "murmur2" else []),
        # as many partitions as the input: Faust then gives input partition p and cluster partition
        # p (and both their changelogs) to the same worker
        TopicSpec(observations_topic(settings), p, internal),
        TopicSpec(decisions_topic(settings), 1, internal),
        # one partition, so a cut's chunks stay in order; kept as long as the input it replays
        TopicSpec(snapshots_topic(settings), 1, retention),
    ]


def admin_client(settings: Settings) -> AdminClient:
    # log_level 4 (warning): librdkafka's informational lines would clutter every command's output
    return AdminClient({"bootstrap.servers": settings.bootstrap_servers, "log_level": 4})


def ensure_topics(
    settings: Settings, specs: list[TopicSpec] | None = None, timeout: float = 30.0
) -> list[str]:
    """Create the missing topics; return the names created. Existing topics are left as they are."""
    admin = admin_client(settings)
    existing = set(admin.list_topics(timeout=timeout).topics)
    wanted = [s for s in (specs or topic_specs(settings)) if s.name not in existing]
    if not wanted:
        return []
    futures = admin.create_topics(
        [NewTopic(s.name, s.partitions, settings.replication_factor, config=s.config) for s in wanted],
        operation_timeout=timeout,
    )
    created = []
    for name, future in futures.items():
        try:
            future.result()
            created.append(name)
        except Exception as exc:  # a concurrent creator is fine; anything else is not
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                raise DeliveryError(
                    f"could not create topic {name!r} on {settings.bootstrap_servers}: {exc}. "
                    "Is the broker up (`make kafka-up`)?"
                ) from exc
    return created
