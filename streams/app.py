"""The Faust app, its topics and its state table: defined once, from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import faust

from streams.producing import SendWatch, repair_producer
from streams.settings import Settings
from streams.topics import (
    CLUSTER_STATE_TABLE,
    ROUTE_STATE_TABLE,
    STATE_MAX_MESSAGE_BYTES,
    STATE_TABLE,
    SWARM_STATE_TABLE,
    decisions_topic,
    observations_topic,
    routed_topic,
    snapshots_topic,
)


@dataclass
class App:
    """The Faust app and the channels the agents use. Agents send bytes built by the core's records."""

    faust: faust.App
    input: faust.TopicT
    alerts: faust.TopicT
    dlq: faust.TopicT
    # Analysts' verdicts and the training examples the workers derive from them (read straight from
    # the broker by the detect lane, at the offsets its snapshots record: ``PartitionWorker.read_labels``).
    labels: faust.TopicT
    # every stage's state cut at each event-time mark, for replays (``streams.snapshot_store``)
    snapshots: faust.TopicT
    # One entry per input partition: that partition's snapshot (features, models, watermark, last
    # offset), written to the changelog partition of the same number.
    partition_state: faust.Table
    # Unless the input is declared murmur2-partitioned: the route stage's output (judged events on
    # their clients' partitions, which the detect lane reads) and its input partitions' snapshots.
    routed: faust.TopicT | None
    route_state: faust.Table | None
    # Cross-account clusters (None when EXTRACTWATCH_CLUSTERS=0): the repartition topic of reduced
    # events and one snapshot per cluster partition, like ``partition_state``; then the cluster
    # keys' decisions and the one-partition swarm stage's snapshot.
    observations: faust.TopicT | None
    cluster_state: faust.Table | None
    decisions: faust.TopicT | None
    swarm_state: faust.Table | None
    # Every send's outcome: a snapshot checks it after its flush (streams/producing.py).
    sends: SendWatch


def create_app(settings: Settings) -> App:
    app = faust.App(
        settings.app_id,
        broker=f"kafka://{settings.bootstrap_servers}",
        store="memory://",  # the changelog is the durable copy; snapshots keep it small
        datadir=str(Path(settings.work_dir) / settings.app_id),  # not `<app_id>-data` in the cwd
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        web_host=settings.web_host,
        web_bind=settings.web_host,
        web_port=settings.web_port,
        web_tables_enabled=False,
        web_router_enabled=False,
        web_graph_enabled=False,
        web_stats_enabled=False,
        # Events stay un-acked until the snapshot that covers them is durable: a rebalance must
        # not wait for them (it would wait forever); the new owner re-applies them instead.
        stream_wait_empty=False,
        # A worker that dies without leaving (kill -9, lost host) keeps its partitions until the
        # session times out: 15 s instead of Faust's 60 s bounds how long they stand still.
        broker_session_timeout=15.0,
        broker_heartbeat_interval=3.0,
        producer_max_request_size=STATE_MAX_MESSAGE_BYTES + (1 << 20),
        consumer_auto_offset_reset="earliest",
        autodiscover=False,
    )
    raw = {"key_serializer": "raw", "value_serializer": "raw"}

    def snapshots(name: str, partitions: int = settings.partitions) -> faust.Table:
        return app.Table(
            name,
            partitions=partitions,
            key_type=str,
            value_type=bytes,  # bytes -> the "raw" codec: snapshots are stored as written
            extra_topic_configs={"max.message.bytes": str(STATE_MAX_MESSAGE_BYTES)},
        )

    clusters = settings.clusters
    routes = settings.detector.input_partitioner != "murmur2"
    return App(
        faust=app,
        input=app.topic(settings.input_topic, partitions=settings.partitions, **raw),
        alerts=app.topic(settings.alerts_topic, partitions=settings.partitions, **raw),
        dlq=app.topic(settings.dlq_topic, partitions=settings.partitions, **raw),
        labels=app.topic(settings.labels_topic, partitions=settings.partitions, **raw),
        snapshots=app.topic(snapshots_topic(settings), partitions=1, **raw),
        partition_state=snapshots(STATE_TABLE),
        routed=app.topic(routed_topic(settings), partitions=settings.partitions, **raw) if routes else None,
        route_state=snapshots(ROUTE_STATE_TABLE) if routes else None,
        observations=(
            app.topic(observations_topic(settings), partitions=settings.partitions, **raw)
            if clusters
            else None
        ),
        cluster_state=snapshots(CLUSTER_STATE_TABLE) if clusters else None,
        decisions=app.topic(decisions_topic(settings), partitions=1, **raw) if clusters else None,
        swarm_state=snapshots(SWARM_STATE_TABLE, partitions=1) if clusters else None,
        sends=repair_producer(app, settings.producer_request_timeout_s),
    )


def shorten_fetch_wait(app: faust.App, wait_ms: int) -> None:
    """Give the worker's group consumer a fetch wait of ``wait_ms``, in place of the 1,500 ms Faust
    fixes. aiokafka keeps one fetch request in flight per broker, and leaves out of it the partitions
    whose fetched records it still holds. Sent at such a moment, the request names only quiet
    partitions, and the broker holds it for the whole wait while records pile up on the busy ones:
    in the benchmark's latency run at half load, every input partition stood still for 1 to 2.5 s
    at once, a few times a minute, while a plain consumer of the same topic saw at most 50 ms."""
    thread = app.consumer._thread
    create = thread._create_worker_consumer

    def create_with_wait(transport):
        consumer = create(transport)
        consumer._fetch_max_wait_ms = wait_ms  # read when the consumer starts and builds its fetcher
        return consumer

    thread._create_worker_consumer = create_with_wait
