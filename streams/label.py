"""``extractwatch label`` publishes an analyst's verdict, and ``detect --verdicts`` reads a file of them."""

from __future__ import annotations

from pathlib import Path

import orjson

from streams.core.validate import InvalidEvent
from streams.core.verdicts import Verdict, parse_verdict
from streams.errors import DeliveryError, InputFileError
from streams.kafka_client import producer
from streams.settings import Settings
from streams.topics import ensure_topics, topic_specs


def verdict_record(client_id: str, label: str, ts: float, note: str) -> bytes:
    """The labels topic's value, checked by the same parser the detector uses.

    >>> verdict_record("acme", "benign", 5.0, "")
    b'{"client_id":"acme","label":"benign","ts":5.0,"note":""}'
    """
    doc = {"client_id": client_id, "label": label, "ts": ts, "note": note}
    try:
        parse_verdict(doc)
    except InvalidEvent as exc:
        raise InputFileError(f"not a valid verdict: {exc}") from exc
    return orjson.dumps(doc)


def publish_verdict(settings: Settings, client_id: str, label: str, ts: float, note: str) -> None:
    """Keyed by client_id with Kafka's murmur2 partitioner, so it lands on its client's partition."""
    value = verdict_record(client_id, label, ts, note)
    ensure_topics(settings, [s for s in topic_specs(settings) if s.name == settings.labels_topic])
    errors: list[str] = []

    def delivered(err, _msg) -> None:
        if err is not None:
            errors.append(str(err))

    p = producer(settings)
    p.produce(settings.labels_topic, value=value, key=client_id.encode(), on_delivery=delivered)
    if p.flush(30) or errors:
        raise DeliveryError(f"verdict for {client_id} not delivered: {errors or 'timed out'}")


def read_verdicts(path: Path) -> list[Verdict]:
    """A JSONL file of ``{"client_id", "label", "ts"[, "note"]}``; a bad line stops with its number."""
    verdicts = []
    with path.open("rb") as f:
        for n, line in enumerate(f, start=1):
            if line.strip():
                verdicts.append(_parse_line(path, n, line))
    return verdicts


def _parse_line(path: Path, n: int, line: bytes) -> Verdict:
    try:
        return parse_verdict(orjson.loads(line))
    except (orjson.JSONDecodeError, InvalidEvent) as exc:
        raise InputFileError(f"{path} line {n}: {exc}") from exc

