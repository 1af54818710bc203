"""``extractwatch detect``: the worker's core over a JSONL file, in one process, without Kafka."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import BinaryIO

import orjson

from streams.core.detector import Detector
from streams.core.verdicts import Verdict
from streams.settings import Settings


def detect(
    settings: Settings, lines: Iterable[bytes], output: BinaryIO, verdicts: Sequence[Verdict] = ()
) -> Detector:
    """The worker's alerts for these events, cluster alerts included unless ``EXTRACTWATCH_CLUSTERS=0``;
    ``verdicts`` are learned at their ``ts``, as the worker learns those of the labels topic."""
    detector = Detector(settings.partitions, settings.detector, clusters=settings.clusters)
    for alert in detector.run(lines, verdicts):
        output.write(orjson.dumps(alert.to_dict()) + b"\n")
    return detector
