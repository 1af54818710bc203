"""Rebalances of every kind, with two workers and traffic flowing: a graceful leave, a rolling
restart, five rebalances in a row, and ``kill -9`` of either worker. In each, after deduplication on
``alert_id``, the alerts equal ``detect``'s (cluster alerts included), and no two different alerts
share a ``dedup_key`` and ``seq``.

(A worker joining mid-stream is in ``test_clusters.py``; one killed and restarted alone, and SIGTERM,
in ``test_recovery.py``.)
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

import pytest

from streams.produce import publish
from tests.integration.conftest import alerts_of, group_is_stable_with, wait_for, wait_until_assigned
from tests.integration.test_clusters import ENV, assert_live_matches_detect, swarm_traffic

pytestmark = pytest.mark.integration
HOURS = 3  # about 8,000 events with a swarm of 67 accounts
CHUNKS = 20


@contextmanager
def traffic_flowing(settings, lines: list[bytes], seconds: float):
    """Publish ``lines`` in order, spread over ``seconds``, while the block runs; the block's end
    waits for the last of them."""
    failed: list[int] = []

    def produce() -> None:
        size = -(-len(lines) // CHUNKS)
        for start in range(0, len(lines), size):
            failed.append(publish(settings, lines[start : start + size]).failed)
            time.sleep(seconds / CHUNKS)

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    try:
        yield
    finally:
        producer.join(120)
    assert not producer.is_alive() and sum(failed) == 0, "every event published"


def two_workers(settings, start_worker):
    workers = [start_worker(**ENV), start_worker(**ENV)]
    wait_for(lambda: group_is_stable_with(settings, 2), 120, "both workers in a stable group", workers[0])
    return workers


def stable_with(settings, members: int, worker) -> None:
    wait_for(lambda: group_is_stable_with(settings, members), 90, f"a stable group of {members}", worker)


def assert_exact(settings, lines, swarm, workers) -> None:
    assert_live_matches_detect(settings, lines, swarm, workers)
    alert_of_step: dict[tuple[str, int], str] = {}
    for alert in alerts_of(settings):
        step = (alert["dedup_key"], alert["seq"])
        assert alert_of_step.setdefault(step, alert["alert_id"]) == alert["alert_id"], (
            f"two different alerts for {step}"
        )


def took_over_from_a_snapshot(worker) -> bool:
    """The worker restored a partition from a snapshot another had written: a real hand-over."""
    return any(
        '"partition state ready"' in line and '"restored": true' in line
        for line in worker.log_path.read_text().splitlines()
    )


def stop(worker) -> None:
    code, took_s = worker.terminate(timeout_s=40)
    assert code == 0 and took_s <= 30, f"SIGTERM: exit {code} after {took_s:.1f} s"


def test_a_graceful_leave_mid_stream_changes_no_alert(settings, start_worker):
    lines, swarm = swarm_traffic(HOURS)
    staying, leaving = two_workers(settings, start_worker)
    with traffic_flowing(settings, lines, seconds=20):
        time.sleep(8)
        stop(leaving)
    assert_exact(settings, lines, swarm, [staying])
    assert took_over_from_a_snapshot(staying)


def test_a_rolling_restart_of_both_workers_changes_no_alert(settings, start_worker):
    lines, swarm = swarm_traffic(HOURS)
    first, second = two_workers(settings, start_worker)

    def restarted(worker):
        stop(worker)
        worker = start_worker(**ENV)
        stable_with(settings, 2, worker)
        return worker

    with traffic_flowing(settings, lines, seconds=30):
        time.sleep(4)
        first = restarted(first)
        second = restarted(second)
    assert_exact(settings, lines, swarm, [first, second])
    assert took_over_from_a_snapshot(first) and took_over_from_a_snapshot(second)


def test_five_rebalances_in_a_row_change_no_alert(settings, start_worker):
    lines, swarm = swarm_traffic(HOURS)
    workers = two_workers(settings, start_worker)
    with traffic_flowing(settings, lines, seconds=30):
        extra = None
        for rebalance in range(5):  # a third worker joins, leaves, joins, leaves, joins
            time.sleep(3)
            if rebalance % 2 == 0:
                extra = start_worker(**ENV)
                wait_until_assigned(extra)  # joined, not still starting: its leave is a rebalance
            else:
                stop(extra)
    assert_exact(settings, lines, swarm, [*workers, extra])
    assert took_over_from_a_snapshot(extra)


@pytest.mark.parametrize("victim", [0, 1], ids=["the-first-to-join", "the-second"])
def test_kill_9_of_either_worker_mid_stream_changes_no_alert(settings, start_worker, victim):
    lines, swarm = swarm_traffic(HOURS)
    workers = two_workers(settings, start_worker)
    with traffic_flowing(settings, lines, seconds=20):
        time.sleep(8)
        workers[victim].kill9()
    # the survivor takes the dead worker's partitions once its session expires (15 s)
    assert_exact(settings, lines, swarm, [workers[1 - victim]])
    assert took_over_from_a_snapshot(workers[1 - victim])
