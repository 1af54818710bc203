"""The lanes of the worker, in pipeline order: each a topic, the table of its partitions' snapshots,
its state type, and what it forwards to the next stage. ``streams.agents`` runs each with the same
machinery."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import faust

from streams.app import App
from streams.core.cluster_partition import ClusterPartitionState
from streams.core.cluster_wire import Item, Router
from streams.core.partition import PartitionState
from streams.core.routing import SourceState
from streams.core.stage import Output
from streams.core.swarms import SwarmState
from streams.settings import Settings

State = SourceState | PartitionState | ClusterPartitionState | SwarmState


@dataclass(frozen=True)
class Lane:
    """What a ``PartitionWorker`` runs: a topic, the table of its snapshots, its state type, and what
    it forwards to the next stage (``router`` picks the target partitions of ``forwarded(output)``)."""

    name: str
    topic: faust.TopicT
    table: faust.Table
    new_state: Callable[[int], State]
    restore: Callable[[bytes], State]
    router: Router | None = None
    next_topic: faust.TopicT | None = None
    forwarded: Callable[[Output], list[Item]] = lambda _out: []


def lanes(app: App, settings: Settings) -> list[Lane]:
    """The lanes in pipeline order: the first reads the input topic."""
    cfg, n, bucket_s = settings.detector, settings.partitions, settings.detector.cluster_bucket_s
    route = []
    if app.routed is not None:
        route = [
            Lane(
                "route",
                app.input,
                app.route_state,
                lambda p: SourceState(p, cfg),
                lambda blob: SourceState.restore(blob, cfg),
                Router.to_detect(n, cfg.merge_bucket_s),
                app.routed,
                lambda out: out.routed,
            )
        ]
    detect = Lane(
        "detect",
        app.input if app.routed is None else app.routed,
        app.partition_state,
        lambda p: PartitionState(p, n, cfg, clusters=settings.clusters),
        lambda blob: PartitionState.restore(blob, cfg),
    )
    if not settings.clusters:
        return [*route, detect]
    version = PartitionState(0, n, cfg).model_version  # cluster alerts carry the detector's version
    return [
        *route,
        replace(
            detect,
            router=Router.to_clusters(n, bucket_s),
            next_topic=app.observations,
            forwarded=lambda out: out.observations,
        ),
        Lane(
            "clusters",
            app.observations,
            app.cluster_state,
            lambda p: ClusterPartitionState(p, n, cfg),
            lambda blob: ClusterPartitionState.restore(blob, cfg),
            Router.to_swarms(bucket_s),
            app.decisions,
            lambda out: out.decisions,
        ),
        Lane(
            "swarms",
            app.decisions,
            app.swarm_state,
            lambda _p: SwarmState(n, cfg, version),
            lambda blob: SwarmState.restore(blob, cfg),
        ),
    ]
