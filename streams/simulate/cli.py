"""``extractwatch simulate``: write simulated traffic to a file, or publish it to a topic."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import orjson

from streams.produce import InputPublisher
from streams.settings import Settings
from streams.simulate.traffic import Truth, traffic


def write_labels(path: Path, truth: list[Truth]) -> None:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["client_id", "label", "scenario"])
        for t in truth:
            writer.writerow([t.client_id, t.label, t.scenario])


def simulate_to_file(
    seed: int, start: float, duration: float, output: Path, labels: Path, scale: float
) -> int:
    events, truth = traffic(seed, start, duration, scale)
    n = 0
    with output.open("wb") as f:
        for event in events:
            f.write(orjson.dumps(event) + b"\n")
            n += 1
    write_labels(labels, truth)
    return n


def simulate_to_topic(
    settings: Settings,
    seed: int,
    start: float,
    duration: float,
    topic: str | None,
    labels: Path | None,
    realtime: bool,
    scale: float,
) -> int:
    """Events up to now go out at full speed; with ``realtime``, later ones as the clock reaches them."""
    events, truth = traffic(seed, start, duration, scale)
    if labels is not None:
        write_labels(labels, truth)
    publisher = InputPublisher(settings, topic)
    publisher.ensure_topic()
    n = 0
    for event in events:
        if realtime:
            delay = event["ts"] - time.time()
            if delay > 0:
                publisher.producer.flush()
                time.sleep(delay)
        publisher.publish_line(orjson.dumps(event))
        n += 1
    report = publisher.close()
    if report.failed:
        raise SystemExit(f"{report.failed} messages were not delivered: {report.errors[:3]}")
    return n
