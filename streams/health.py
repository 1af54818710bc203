"""Health, readiness and Prometheus metrics on the worker's web port.

- ``/healthz``: 200 while the worker's event loop answers and no partition is stalled (a job in
  hand for ``stall_after_s``); 503 with the stalled partitions otherwise, for a liveness probe to
  restart the worker. The first time a stall is seen, the worker logs every thread's and task's stack.
- ``/readyz``: 200 once partitions are assigned, their state is restored and the input lag is at or
  under ``ready_max_lag``; 503 with a JSON reason otherwise.
- ``/metrics``: read from the lanes' own counters and state when scraped, so the per-event path
  pays nothing for it but one histogram observation per applied batch.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import structlog
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from streams.agents import detect_lane, input_lanes
from streams.gc_tuning import CollectionTimer
from streams.heap import heap_bytes
from streams.settings import Settings
from streams.stacks import dump_stacks
from streams.topics import SENT_AT_HEADER

if TYPE_CHECKING:
    from streams.agents import PartitionWorker
    from streams.app import App
    from streams.producing import SendWatch

log = structlog.get_logger(__name__)
# How often the worker looks for stalled partitions, to log where it stands the first time.
STALL_CHECK_EVERY_S = 10.0
# Seconds the core takes to apply one batch of records (a take of up to TAKE_MAX records).
APPLY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
# fine enough that p50 and p99 interpolated in a bucket (as histogram_quantile does) stay close
LATENCY_BUCKETS = (
    0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.65, 0.8, 1.0,
    1.25, 1.5, 2.0, 3.0, 5.0, 7.5, 10.0, 20.0, 60.0,
)


class WorkerMetrics(Collector):
    """The metrics of one worker process, collected from its ``PartitionWorker``s at scrape time."""

    def __init__(self, workers: list[PartitionWorker], sends: SendWatch):
        self.workers = workers
        self.sends = sends
        self.detect = detect_lane(workers)
        self.collections = CollectionTimer()  # installed by ``register_web``
        self.registry = CollectorRegistry()
        self.apply_seconds = Histogram(
            "extractwatch_apply_seconds",
            "Seconds the core took to apply one batch of a lane's records",
            ["lane"],
            buckets=APPLY_BUCKETS,
            registry=self.registry,
        )
        self.send_to_apply_seconds = Histogram(
            "extractwatch_send_to_apply_seconds",
            f"Seconds from a producer's send time (header {SENT_AT_HEADER}) to the core having applied"
            " the message's events; observed where the detect lane reads the producer's messages (input"
            " declared murmur2-partitioned), once per message",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(self)

    def collect(self) -> Iterator[Any]:
        counts = [w.counters for w in self.workers]
        detect = self.detect.counters
        events = CounterMetricFamily(
            "extractwatch_events",
            "Input events by outcome (applied, dead_lettered, rerouted)",
            labels=["outcome"],
        )
        dead = sum(v for c in counts for k, v in c.items() if k.startswith("dead_letters."))
        for outcome, value in (
            ("applied", detect["events"]),
            ("dead_lettered", dead),
            ("rerouted", detect["reroutes"]),
        ):
            events.add_metric([outcome], value)
        yield events
        dlq = CounterMetricFamily("extractwatch_dlq", "Records sent to the DLQ, by reason", labels=["reason"])
        alerts = CounterMetricFamily(
            "extractwatch_alerts", "Alerts sent, by status and severity", labels=["status", "severity"]
        )
        for c in counts:
            for key, value in c.items():
                if key.startswith("dead_letters."):
                    dlq.add_metric([key.split(".", 1)[1]], value)
                elif key.startswith("alerts."):
                    alerts.add_metric(key.split(".")[1:3], value)
        yield dlq
        yield alerts
        gc_seconds = CounterMetricFamily(
            "extractwatch_gc_seconds",
            "Seconds the cyclic garbage collector ran, by generation: every thread, the event loop"
            " included, stands still meanwhile",
            labels=["generation"],
        )
        gc_runs = CounterMetricFamily(
            "extractwatch_gc_collections",
            "Runs of the cyclic garbage collector, by generation",
            labels=["generation"],
        )
        for generation in range(3):
            gc_seconds.add_metric([str(generation)], self.collections.seconds[generation])
            gc_runs.add_metric([str(generation)], self.collections.count[generation])
        yield gc_seconds
        yield gc_runs
        yield CounterMetricFamily(
            "extractwatch_holes_read",
            "Ranges of records read straight from the broker",
            value=sum(c["holes_read"] for c in counts),
        )
        yield CounterMetricFamily(
            "extractwatch_tail_reads",
            "Reads of a quiet partition's records that Faust never handed over",
            value=sum(c["stalled_reads"] for c in counts),
        )
        yield CounterMetricFamily(
            "extractwatch_send_full_waits",
            "Sends made again because their partition's batch stayed full past the batches' life (the"
            " broker away or too slow): the worker waits, losing nothing, and falls behind meanwhile",
            value=self.sends.full_waits,
        )
        yield CounterMetricFamily(
            "extractwatch_read_timeouts",
            "Reads from the broker that did not finish in time (tried again later)",
            value=sum(c["read_timeouts"] for c in counts),
        )
        lag = GaugeMetricFamily(
            "extractwatch_lag",
            "Records not yet applied, per partition: of the input topic, and of the routed topic if any",
            labels=["partition"],
        )
        for partition, behind in sorted(input_lag(self.workers).items()):
            lag.add_metric([str(partition)], behind)
        yield lag
        watermark = GaugeMetricFamily(
            "extractwatch_watermark_seconds",
            "Event-time watermark of each input partition",
            labels=["partition"],
        )
        for partition, state in sorted(self.detect.states.items()):
            if state.watermark is not None:
                watermark.add_metric([str(partition)], state.watermark)
        yield watermark
        age = GaugeMetricFamily(
            "extractwatch_snapshot_age_seconds",
            "Seconds since each partition's last snapshot",
            labels=["stage", "partition"],
        )
        now = time.monotonic()
        for worker in self.workers:
            for partition in sorted(worker.states):
                age.add_metric(
                    [worker.lane.name, str(partition)], now - worker.snapshot_at.get(partition, now)
                )
        yield age
        size = GaugeMetricFamily(
            "extractwatch_snapshot_bytes",
            "Size of each partition's last snapshot",
            labels=["stage", "partition"],
        )
        for worker in self.workers:
            for partition, blob_bytes in sorted(worker.snapshot_bytes.items()):
                size.add_metric([worker.lane.name, str(partition)], blob_bytes)
        yield size
        stragglers = GaugeMetricFamily(
            "extractwatch_merge_stragglers",
            "Events or observations that reached a merge of several partitions after their event-time"
            " bucket was released, held in this worker's partitions' states; each was applied in the"
            " next open bucket, so the order differs from detect's. Zero unless a source partition was"
            " taken for idle while records of it were still on their way",
            labels=["stage"],
        )
        for stage, count in merge_stragglers(self.workers).items():
            stragglers.add_metric([stage], count)
        yield stragglers
        longest = GaugeMetricFamily(
            "extractwatch_longest_job_seconds",
            "Per lane, seconds the oldest job in hand (a take of records to apply, a read from the"
            " broker) has run; 0 when none is. Past stall_after_s /healthz answers 503",
            labels=["lane"],
        )
        for worker in self.workers:
            longest.add_metric([worker.lane.name], max(worker.delivery.job_seconds().values(), default=0.0))
        yield longest
        heap = heap_bytes()
        if heap is not None:  # glibc only
            c_heap = GaugeMetricFamily(
                "extractwatch_heap_bytes",
                "The C heap's bytes (glibc's mallinfo2): in_use, free (kept by the allocator between live"
                " blocks: RSS that grows with it and not with in_use is fragmentation, not a leak) and"
                " mapped (large blocks, each mapped on its own). Python's small objects are not in it",
                labels=["kind"],
            )
            for kind, value in heap.items():
                c_heap.add_metric([kind], value)
            yield c_heap
        yield GaugeMetricFamily(
            "extractwatch_clients_tracked",
            "Clients held in this worker's input partitions",
            value=sum(len(s.clients) for s in self.detect.states.values()),
        )


def merge_stragglers(workers: list[PartitionWorker]) -> dict[str, int]:
    """Per lane that merges several partitions (its states hold a ``BucketGate``), the items its
    gates received after their bucket was released."""
    out = {}
    for worker in workers:
        gates = [state.gate for state in worker.states.values() if getattr(state, "gate", None) is not None]
        if gates:
            out[worker.lane.name] = sum(gate.late for gate in gates)
    return out


def input_lag(workers: list[PartitionWorker]) -> dict[int, int]:
    """Per partition, the records an input event still has to pass: the input topic's not yet
    applied, plus the routed topic's when the input is routed."""
    lag: dict[int, int] = {}
    for worker in input_lanes(workers):
        for partition, behind in worker.lag().items():
            lag[partition] = lag.get(partition, 0) + behind
    return lag


def stalled(workers: list[PartitionWorker], stall_after_s: float) -> dict[str, float]:
    """``lane/partition`` -> seconds, for each partition whose job in hand has run ``stall_after_s``
    or longer."""
    return {
        f"{worker.lane.name}/{partition}": round(seconds, 1)
        for worker in workers
        for partition, seconds in sorted(worker.delivery.job_seconds().items())
        if seconds >= stall_after_s
    }


def liveness(workers: list[PartitionWorker], stall_after_s: float) -> tuple[bool, dict]:
    """Alive unless a partition is stalled; the body names the stalled ones."""
    stuck = stalled(workers, stall_after_s)
    if stuck:
        return False, {"alive": False, "reason": f"stalled over {stall_after_s:g} s", "stalled": stuck}
    return True, {"alive": True}


def readiness(workers: list[PartitionWorker], max_lag: int) -> tuple[bool, dict]:
    """Ready: partitions assigned, recovery done, every assigned partition's state restored, and
    the lag at or under ``max_lag``. Otherwise the reason, for the 503's body."""
    first = workers[0]  # the lane that reads the input topic
    if not first.app.faust.flow_control.is_active():
        return False, {"ready": False, "reason": "rebalancing or restoring state"}
    assigned = sorted(tp.partition for tp in first._assigned())
    if not assigned:
        return False, {"ready": False, "reason": "no input partition assigned"}
    for worker in input_lanes(workers):
        missing = [tp.partition for tp in worker._assigned() if tp.partition not in worker.states]
        if missing:
            return False, {"ready": False, "reason": "state not restored yet", "partitions": missing}
    lag = sum(input_lag(workers).values())
    if lag > max_lag:
        return False, {"ready": False, "reason": f"lag {lag} over {max_lag}", "lag": lag}
    return True, {"ready": True, "partitions": assigned, "lag": lag}


def register_web(app: App, workers: list[PartitionWorker], settings: Settings) -> WorkerMetrics:
    metrics = WorkerMetrics(workers, app.sends)
    for worker in workers:
        worker.apply_seconds = metrics.apply_seconds.labels(worker.lane.name)
    detect_lane(workers).send_to_apply_seconds = metrics.send_to_apply_seconds

    @app.faust.page("/healthz")
    async def healthz(self, _request):
        alive, body = liveness(workers, settings.stall_after_s)
        return self.json(body, status=200 if alive else 503)

    reported: set[str] = set()

    @app.faust.timer(interval=STALL_CHECK_EVERY_S)
    async def report_stalls() -> None:
        """The first time a partition is seen stalled, say so and where every task stands."""
        stuck = stalled(workers, settings.stall_after_s)
        new = sorted(set(stuck) - reported)
        reported.intersection_update(stuck)  # a partition that recovers is reported again next time
        if new:
            reported.update(new)
            log.error("partitions stalled: stacks follow; /healthz answers 503", stalled=stuck)
            dump_stacks(sys.stderr, asyncio.get_running_loop())

    metrics.collections.install()

    @app.faust.timer(interval=STALL_CHECK_EVERY_S)
    async def report_slow_collections() -> None:
        for generation, seconds, collected in metrics.collections.take_slow():
            log.warning(
                "a garbage collection stopped the event loop",
                generation=generation,
                seconds=round(seconds, 3),
                collected=collected,
            )

    @app.faust.page("/readyz")
    async def readyz(self, _request):
        ready, body = readiness(workers, settings.ready_max_lag)
        return self.json(body, status=200 if ready else 503)

    @app.faust.page("/metrics")
    async def prometheus(self, _request):
        return self.bytes(generate_latest(metrics.registry), content_type=CONTENT_TYPE_LATEST.split(";")[0])

    return metrics
