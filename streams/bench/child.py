"""The benchmark runs that need no worker, each in a fresh process so that its peak RSS is its own.
Prints one JSON line: ``{"events", "seconds", "peak_rss_mb"}``.

    python -m streams.bench.child ceiling TOPIC EVENTS   # confluent-kafka consuming and decoding
    python -m streams.bench.child detect FILE SECONDS    # the detector over a JSONL file (no Kafka)
    python -m streams.bench.child replay TOPIC           # ``replay --fresh`` over the whole topic
"""

from __future__ import annotations

import io
import math
import resource
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import orjson
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from streams.core.detector import Detector
from streams.gc_tuning import set_young_threshold
from streams.replay import FileSink, Window, replay_topic
from streams.settings import Settings

BATCH = 1000  # small, so that the wait at the end of a pass (consume's timeout) stays short


def ceiling(settings: Settings, topic: str, wanted: int) -> tuple[int, float]:
    """Consume and decode ``wanted`` events, re-reading the topic from its beginning as often as
    needed; the clock starts at the first message, once the partitions are assigned."""
    c = Consumer(
        {
            "bootstrap.servers": settings.bootstrap_servers,
            "group.id": f"bench-ceiling-{uuid.uuid4().hex[:8]}",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
            # the end of each pass: without this, the broker holds the empty fetch for 500 ms
            "fetch.wait.max.ms": 10,
        }
    )
    partitions = list(c.list_topics(topic, timeout=10).topics[topic].partitions)
    start = [TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions]
    c.assign(start)
    events, at_end, started = 0, set(), None
    try:
        while events < wanted:
            for msg in c.consume(BATCH, timeout=0.05):
                if msg.error():
                    at_end.add(msg.partition())
                    continue
                started = started or time.monotonic()
                orjson.loads(msg.value())
                events += 1
            if len(at_end) == len(partitions):
                at_end.clear()
                c.assign(start)  # from the beginning again (a seek restarts fetching more slowly)
        return events, time.monotonic() - (started or time.monotonic())
    finally:
        c.close()


def detect(settings: Settings, path: Path, seconds: float) -> tuple[int, float]:
    """The detector (clusters as the settings say) over the file's events, for at most ``seconds``
    (checked every thousand events). The file is read into memory before the clock starts."""
    lines = path.read_bytes().splitlines()
    fed = 0
    started = time.monotonic()

    def until_deadline() -> Iterator[bytes]:
        nonlocal fed
        for line in lines:
            if fed % 1000 == 0 and time.monotonic() - started >= seconds:
                return
            fed += 1
            yield line

    detector = Detector(settings.partitions, settings.detector, clusters=settings.clusters)
    for _ in detector.run(until_deadline(), ()):
        pass
    return fed, time.monotonic() - started


def replay(settings: Settings, topic: str) -> tuple[int, float]:
    summary = replay_topic(settings, topic, Window(0.0, math.inf), FileSink(io.BytesIO()))
    return summary.events, summary.seconds


def main(argv: list[str]) -> None:
    settings = Settings.from_env()
    set_young_threshold(settings.gc_young_threshold)  # as ``extractwatch`` does
    command, *args = argv
    if command == "ceiling":
        events, seconds = ceiling(settings, args[0], int(args[1]))
    elif command == "detect":
        events, seconds = detect(settings, Path(args[0]), float(args[1]))
    elif command == "replay":
        events, seconds = replay(settings, args[0])
    else:
        raise SystemExit(f"unknown run: {command}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(orjson.dumps({"events": events, "seconds": seconds, "peak_rss_mb": peak_mb}).decode())


if __name__ == "__main__":
    main(sys.argv[1:])
