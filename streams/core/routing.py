"""The route stage: input partitions whose producers did not partition by murmur2. Pure.

An event is judged (valid, not from the future, not late) on the partition the producer put it on,
against that partition's own watermark: where it landed says nothing about its event time, so
lateness cannot be judged on the client's partition, which may have run far ahead (a backlog, or a
producer whose partitioner spreads a client over every partition). Judged events go to their
client's partition (``Router.to_detect``) with the source's heartbeats after them; there the
sources merge in event-time buckets (``PartitionState``, through a ``BucketGate``), each released
bucket applied in ``(ts, event_id)`` order. That order does not depend on which partition a producer
chose, so ``detect`` (which routes by murmur2) gives the worker's alerts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import orjson

from streams.core.records import DeadLetter, Event, Routed
from streams.core.stage import InputRecord, Output, Stage
from streams.core.validate import InvalidEvent, decode_message, parse_event
from streams.settings import DetectorSettings


def timing_problem(
    event: Event, record_ts: float, watermark: float | None, cfg: DetectorSettings
) -> tuple[str, str] | None:
    """Why an event's time puts it out of reach (reason, detail), or None.

    >>> cfg = DetectorSettings()
    >>> e = Event("e1", 10_000.0, "c", "k", "1.2.3.4", "m", 1, 1, 200)
    >>> timing_problem(e, record_ts=0.0, watermark=None, cfg=cfg)[0]
    'future'
    >>> timing_problem(e, record_ts=10_000.0, watermark=20_000.0, cfg=cfg)[0]
    'late'
    """
    if event.ts > record_ts + cfg.max_future_s:
        return "future", f"ts {event.ts:.0f} is more than {cfg.max_future_s:.0f}s after its record timestamp"
    if watermark is not None and event.ts < watermark:
        return "late", f"ts {event.ts:.0f} is behind the partition watermark {watermark:.0f}"
    return None


def events_of(record: InputRecord, out: Output) -> Iterator[tuple[Event, Callable[[], bytes], int | None]]:
    """The valid events of an input record, each with what the producer sent for it (made only when
    it is dead-lettered) and its index in an envelope; what is not valid goes to ``out``'s dead
    letters (not JSON, too large, not an event)."""
    items, dead = decode_message(record.value)
    if dead is not None:
        out.dead_letters.append(DeadLetter(dead.value, dead.reason, dead.detail, record.offset))
        return
    for index, raw in items:
        original = _original(record, index, raw)
        try:
            event = parse_event(raw)
        except InvalidEvent as exc:
            out.dead_letters.append(DeadLetter(original(), "invalid_event", str(exc), record.offset, index))
            continue
        yield event, original, index


def _original(record: InputRecord, index: int | None, raw: object) -> Callable[[], bytes]:
    return lambda: record.value if index is None else orjson.dumps(raw)


class SourceState(Stage):
    """One input partition in the route stage: its newest event time and last offset applied."""

    STATE_FORMAT = 1
    STAGE = "route"
    retain_cuts = False  # replays resume from the detect partitions' cuts, which hold what this sent

    def __init__(self, partition: int, cfg: DetectorSettings):
        self.partition = partition
        self.cfg = cfg
        self.max_ts: float | None = None
        self.last_offset = -1

    @property
    def watermark(self) -> float | None:
        """What its heartbeats promise the client partitions: no event older than this follows."""
        return None if self.max_ts is None else self.max_ts - self.cfg.merge_lateness_s

    @property
    def idle_watermark(self) -> float | None:
        """What it promises once it has applied its whole log and gone quiet: everything it sent,
        up to the bucket of its newest event, may be merged (a stream that stops is applied to its
        end). An older event that comes after all is applied in the next open bucket."""
        return None if self.max_ts is None else self.max_ts + self.cfg.merge_bucket_s

    @property
    def model_version(self) -> str:
        return f"route/cfg-{self.cfg.version}"

    def apply(self, records: list[InputRecord]) -> Output:
        """
        >>> state = SourceState(3, DetectorSettings())
        >>> ev = b'{"event_id":"e1","ts":100,"client_id":"c","api_key_id":"k","ip":"1.2.3.4",'
        >>> ev += b'"model":"m","prompt_tokens":1,"completion_tokens":1,"status":200}'
        >>> out = state.apply([InputRecord(0, 100.0, ev), InputRecord(1, 100.0, b"[1]")])
        >>> [(r.source, r.position, r.event.event_id) for r in out.routed], out.dead_letters[0].reason
        ([(3, (0, 0), 'e1')], 'invalid_event')
        """
        out = Output()
        for record in self._unapplied(records, out):
            for event, original, index in events_of(record, out):
                self._judge(record, event, original, index, out)
        return out

    def _judge(
        self, record: InputRecord, event: Event, original: Callable[[], bytes], index: int | None, out: Output
    ) -> None:
        late_after = None if self.max_ts is None else self.max_ts - self.cfg.allowed_lateness_s
        problem = timing_problem(event, record.timestamp, late_after, self.cfg)
        if problem is not None:
            out.dead_letters.append(DeadLetter(original(), *problem, record.offset, index))
            return
        if self.max_ts is None or event.ts > self.max_ts:
            self.max_ts = event.ts
        out.routed.append(Routed(self.partition, (record.offset, index or 0), event))
        out.events += 1
