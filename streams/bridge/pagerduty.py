"""``extractwatch bridge pagerduty``: the alerts topic to the PagerDuty Events API v2.

At least once to PagerDuty, and never a second incident for one extractwatch incident:

- an offset is committed only once its alert is settled: accepted (202), dead-lettered (400),
  skipped as a replay, superseded by a newer ``firing`` of its incident, or found in the ledger;
- an accepted step is recorded in the ledger (and the record acknowledged by the broker) before its
  offset can be committed and before the next step of its incident is sent;
- what the outbox holds is bounded: past ``max_pending`` unsettled alerts, consumption pauses.
"""

from __future__ import annotations

import http.client
import random
import signal
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import structlog
from confluent_kafka import Consumer, KafkaException, TopicPartition

from streams.bridge.ledger import bridge_dlq_topic, bridge_topic_specs, ledger_topic, read_ledger, record
from streams.bridge.outbox import Outbox, Settled, Step
from streams.bridge.pagerduty_event import ACTIONS, check_console_url, pagerduty_event
from streams.errors import ConfigError, DeliveryError
from streams.kafka_client import consumer, producer, watermarks
from streams.settings import Secret, Settings
from streams.topics import ensure_topics

log = structlog.get_logger("extractwatch.bridge")

ROUTING_KEY_CHARS = 32
RESPONSE_BODY_MAX = 64 * 1024
DEAD_LETTER_STATUSES = {400, 413}
PROGRESS_EVERY_S = 10.0
POLL_MAX_S = 0.2
METADATA_TIMEOUT_S = 10.0


def routing_key(settings: Settings, key_file: Path | None) -> Secret:
    """From ``--routing-key-file`` or ``EXTRACTWATCH_PAGERDUTY_ROUTING_KEY``; never shown in an error."""
    if key_file is not None:
        try:
            key = Secret(key_file.read_text().strip())
        except OSError as exc:
            raise ConfigError(f"cannot read the routing key file {key_file}: {exc.strerror}") from None
    else:
        key = settings.pagerduty.routing_key
    if not key:
        raise ConfigError(
            "no PagerDuty routing key: give the integration key of an Events API v2 integration with "
            "--routing-key-file FILE or EXTRACTWATCH_PAGERDUTY_ROUTING_KEY"
        )
    if len(key.reveal()) != ROUTING_KEY_CHARS:
        raise ConfigError(
            f"the PagerDuty routing key must be {ROUTING_KEY_CHARS} characters "
            f"(it has {len(key.reveal())}); it is the Integration Key of an Events API v2 integration"
        )
    return key


@dataclass(frozen=True, slots=True)
class Response:
    status: int | None  # None: no HTTP answer (refused, reset, timed out)
    body: str
    retry_after: float | None = None

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def rejected(self) -> bool:
        """The event itself is wrong: sending it again cannot help."""
        return self.status in DEAD_LETTER_STATUSES


def post_event(url: str, event: dict[str, Any], key: Secret, timeout: float) -> Response:
    """One POST to ``<url>/v2/enqueue``. The routing key joins the body here and nowhere else."""
    body = orjson.dumps({"routing_key": key.reveal(), **event})
    request = urllib.request.Request(
        f"{url.rstrip('/')}/v2/enqueue", data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return Response(answer.status, answer.read(RESPONSE_BODY_MAX).decode(errors="replace"))
    except urllib.error.HTTPError as exc:
        return Response(exc.code, exc.read(RESPONSE_BODY_MAX).decode(errors="replace"), _seconds(exc.headers))
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        return Response(None, type(exc).__name__)


def _seconds(headers: Any) -> float | None:
    try:
        return float(headers.get("Retry-After"))
    except (TypeError, ValueError):
        return None


def decode_alert(value: bytes | None) -> dict[str, Any]:
    """The alert, or ValueError saying what is wrong with it.

    >>> decode_alert(b'{"dedup_key": "k", "seq": 0, "status": "dozing"}')
    Traceback (most recent call last):
    ...
    ValueError: status 'dozing' is neither firing nor resolved
    """
    try:
        alert = orjson.loads(value or b"")
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(alert, dict):
        raise ValueError("not a JSON object")
    if not isinstance(alert.get("dedup_key"), str) or not isinstance(alert.get("seq"), int):
        raise ValueError("dedup_key (string) and seq (integer) are required")
    if alert.get("status") not in ACTIONS:
        raise ValueError(f"status {alert.get('status')!r} is neither firing nor resolved")
    if alert["status"] == "firing":
        missing = [f for f in ("summary", "severity", "ts", "scope") if f not in alert]
        if missing:
            raise ValueError(f"a firing alert needs {', '.join(missing)}")
    return alert


class PagerDutyBridge:
    def __init__(
        self,
        settings: Settings,
        key: Secret,
        topic: str | None = None,
        from_beginning: bool = False,
    ):
        check_console_url(settings.console_url)
        self.settings, self.cfg, self.key = settings, settings.pagerduty, key
        self.topic = topic or settings.alerts_topic
        self.ledger_topic = ledger_topic(self.topic)
        self.dlq_topic = bridge_dlq_topic(self.topic)
        self.from_beginning = from_beginning
        self.outbox = Outbox(self.cfg, time.monotonic(), random.Random())
        self.counters: Counter[str] = Counter()
        self.futures: dict[Future, Step] = {}
        self.pool = ThreadPoolExecutor(max_workers=self.cfg.concurrency, thread_name_prefix="pagerduty")
        self.producer = producer(settings, **{"acks": "all"})
        self.delivery_errors: list[str] = []
        self.consumer: Consumer | None = None
        self.assigned: set[int] = set()
        self.committed: dict[int, int] = {}
        self.paused = False
        self.stopping = False

    # -- the loop -----------------------------------------------------------------------------------

    def run(self) -> int:
        ensure_topics(self.settings, bridge_topic_specs(self.settings, self.topic))
        self.consumer = consumer(
            self.settings,
            group_id=self.cfg.group,
            # partitions without a commit after the first start are new ones: nothing of them was seen
            **{"auto.offset.reset": "earliest"},
        )
        start = self._start_offsets()
        signal.signal(signal.SIGTERM, self._stop)
        log.info("ready", topic=self.topic, group=self.cfg.group, start=start, url=self.cfg.url)
        self.consumer.subscribe([self.topic], on_assign=self._assigned, on_revoke=self._revoked)
        committed_at = progress_at = time.monotonic()
        try:
            while not self.stopping:
                self._pause_or_resume()
                for msg in self.consumer.consume(500, self._poll_s()):
                    self._read(msg)
                self._collect()
                self._dispatch()
                now = time.monotonic()
                if now - committed_at >= self.cfg.commit_every_s:
                    self._commit(self.assigned)
                    committed_at = now
                if now - progress_at >= PROGRESS_EVERY_S:
                    self._progress()
                    progress_at = now
        except KeyboardInterrupt:
            pass
        finally:
            self._shut_down()
        return 0

    def _stop(self, _signum: int, _frame: Any) -> None:
        self.stopping = True

    def _start_offsets(self) -> str:
        """On a group's first start, commit every partition's end offset as of now: a first deployment
        pages for no history, and misses nothing written from now on. ``--from-beginning`` opts out."""
        tps = self._partitions()
        committed = self.consumer.committed(tps, timeout=METADATA_TIMEOUT_S)
        if any(tp.offset >= 0 for tp in committed):
            return "committed offsets"
        if self.from_beginning:
            return "the beginning (--from-beginning)"
        ends = [
            TopicPartition(self.topic, tp.partition, watermarks(self.consumer, tp, METADATA_TIMEOUT_S)[1])
            for tp in tps
        ]
        self.consumer.commit(offsets=ends, asynchronous=False)
        return "the end (first start of the group)"

    def _partitions(self) -> list[TopicPartition]:
        """The alerts topic's partitions, once each has a leader (a topic just created has none yet)."""
        deadline = time.monotonic() + METADATA_TIMEOUT_S
        while True:
            meta = self.consumer.list_topics(self.topic, timeout=METADATA_TIMEOUT_S).topics[self.topic]
            problem = meta.error or next((p.error for p in meta.partitions.values() if p.error), None)
            if problem is None and meta.partitions:
                return [TopicPartition(self.topic, p) for p in sorted(meta.partitions)]
            if time.monotonic() > deadline:
                raise ConfigError(f"the alerts topic {self.topic} cannot be read: {problem}")
            time.sleep(0.5)

    def _poll_s(self) -> float:
        if self.futures:
            return 0.02  # answers are collected between polls
        wait_s = self.outbox.wait_s(time.monotonic())
        return POLL_MAX_S if wait_s is None else min(POLL_MAX_S, max(wait_s, 0.001))

    # -- reading ------------------------------------------------------------------------------------

    def _read(self, msg: Any) -> None:
        if msg.error():
            log.warning("alerts topic read error", error=str(msg.error()))
            return
        partition, offset = msg.partition(), msg.offset()
        self.outbox.read(partition, offset)
        try:
            alert = decode_alert(msg.value())
            event = None if alert.get("replay") else pagerduty_event(alert, self.settings.console_url)
        except (ValueError, TypeError, KeyError) as exc:  # a field of the wrong type: not sendable
            self._dead_letter(msg.value(), "invalid_alert", f"{type(exc).__name__}: {exc}", partition, offset)
            self._flush()
            self.outbox.settle(partition, offset)
            self.counters["dead_lettered"] += 1
            return
        if event is None:
            self.outbox.settle(partition, offset)
            self.counters["skipped_replays"] += 1
            return
        step = Step(partition, offset, alert["dedup_key"], alert["seq"], alert["status"], event, msg.value())
        self._count(self.outbox.offer(step))

    # -- sending ------------------------------------------------------------------------------------

    def _dispatch(self) -> None:
        slots = self.cfg.concurrency - len(self.futures)
        for step in self.outbox.due(time.monotonic(), slots):
            future = self.pool.submit(
                post_event, self.cfg.url, step.event, self.key, self.cfg.request_timeout_s
            )
            self.futures[future] = step

    def _collect(self, timeout: float = 0.0) -> None:
        """Settle the answered requests: ledger and DLQ records are on the broker before any of them
        counts as settled (so before an offset or the next step of an incident can follow)."""
        if not self.futures:
            return
        done, _ = wait(list(self.futures), timeout=timeout)
        if not done:
            return
        answered = [(self.futures.pop(f), f.result()) for f in done]
        now = time.monotonic()
        for step, response in answered:
            if response.accepted:
                record(
                    self.producer,
                    self.ledger_topic,
                    step.dedup_key,
                    step.seq,
                    step.status,
                    time.time(),
                    self._delivered,
                )
            elif response.rejected:
                self._dead_letter(
                    step.value, "pagerduty_rejected", response.body, step.partition, step.offset
                )
        if not self._flush():
            return  # stopping with the broker away: nothing of this is settled, all is re-sent later
        for step, response in answered:
            if response.accepted:
                self._count([self.outbox.accepted(step)])
            elif response.rejected:
                log.warning(
                    "pagerduty rejected an alert",
                    dedup_key=step.dedup_key,
                    seq=step.seq,
                    status=response.status,
                    dlq=self.dlq_topic,
                )
                self._count([self.outbox.rejected(step)])
            else:
                self.counters["retried"] += 1
                log.info(
                    "pagerduty retry",
                    dedup_key=step.dedup_key,
                    seq=step.seq,
                    attempt=step.attempts,
                    status=response.status or response.body,
                )
                self._count(self.outbox.retry(step, now, response.status == 429, response.retry_after))

    def _dead_letter(
        self, value: bytes | None, reason: str, detail: str, partition: int, offset: int
    ) -> None:
        headers = [
            ("reason", reason.encode()),
            ("detail", detail.encode()),
            ("source_topic", self.topic.encode()),
            ("source_partition", str(partition).encode()),
            ("source_offset", str(offset).encode()),
        ]
        self.producer.produce(self.dlq_topic, value=value, headers=headers, on_delivery=self._delivered)

    def _delivered(self, err: Any, _msg: Any) -> None:
        if err is not None:
            self.delivery_errors.append(str(err))

    def _flush(self) -> bool:
        """Wait for the broker to acknowledge what was produced; False: stopping before it did."""
        while self.producer.flush(5.0) > 0:
            log.warning("waiting for the broker to acknowledge the ledger and DLQ records")
            if self.stopping:
                return False
        if self.delivery_errors:
            raise DeliveryError(f"the broker refused the bridge's records: {self.delivery_errors[:3]}")
        return True

    def _count(self, settled: list[Settled]) -> None:
        for s in settled:
            self.counters[s.why] += 1

    # -- partitions and offsets ---------------------------------------------------------------------

    def _assigned(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        seqs = read_ledger(self.settings, self.ledger_topic)
        for key, seq in seqs.items():
            self.outbox.delivered[key] = max(seq, self.outbox.delivered.get(key, -1))
        self.assigned |= {tp.partition for tp in partitions}
        self.paused = False
        log.info("partitions assigned", partitions=sorted(self.assigned), ledger_entries=len(seqs))

    def _revoked(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        """Finish the requests in flight (their answers decide what is settled), commit, and forget
        the rest: the next owner re-reads it from the commit, and the ledger stops double sends."""
        gone = {tp.partition for tp in partitions}
        self._collect(timeout=self.cfg.request_timeout_s + 1.0)
        self._commit(gone)
        dropped = self.outbox.drop(gone)
        self.assigned -= gone
        log.info("partitions revoked", partitions=sorted(gone), dropped=dropped)

    def _commit(self, partitions: set[int]) -> None:
        offsets = []
        for p in sorted(partitions):
            book = self.outbox.books.get(p)
            offset = book.committable() if book is not None else None
            if offset is not None and offset != self.committed.get(p):
                offsets.append(TopicPartition(self.topic, p, offset))
        if not offsets:
            return
        try:
            self.consumer.commit(offsets=offsets, asynchronous=False)
        except KafkaException as exc:  # a rebalance under way: the next owner resumes from older offsets
            log.warning("commit failed", error=str(exc))
            return
        self.committed.update({tp.partition: tp.offset for tp in offsets})

    def _pause_or_resume(self) -> None:
        unsettled = self.outbox.unsettled()
        assignment = self.consumer.assignment()
        if not self.paused and unsettled >= self.cfg.max_pending and assignment:
            self.consumer.pause(assignment)
            self.paused = True
            log.warning("pagerduty is behind: consumption paused", unsettled=unsettled)
        elif self.paused and unsettled < self.cfg.max_pending // 2:
            self.consumer.resume(assignment)
            self.paused = False
            log.info("consumption resumed", unsettled=unsettled)

    def _progress(self) -> None:
        log.info(
            "bridge progress",
            **dict(sorted(self.counters.items())),
            unsettled=self.outbox.unsettled(),
            in_flight=len(self.futures),
            lag=self._lag(),
        )

    def _lag(self) -> int:
        lag = 0
        for p in self.assigned:
            _low, high = self.consumer.get_watermark_offsets(TopicPartition(self.topic, p), cached=True)
            lag += max(0, high - self.committed.get(p, high))
        return lag

    def _shut_down(self) -> None:
        """Finish or abandon what is in flight (the abandoned is not committed: a restart re-sends it)."""
        self._collect(timeout=self.cfg.request_timeout_s + 1.0)
        abandoned = len(self.futures)
        self.futures.clear()
        self.pool.shutdown(wait=False, cancel_futures=True)
        self._commit(self.assigned)
        self._progress()
        self.consumer.close()
        self.producer.flush(5.0)
        log.info("stopped", abandoned=abandoned)
