"""The worker's producer (Faust's, over aiokafka), repaired.

**A request the broker never answers.** Faust gives the producer a request timeout of 20 minutes
(``producer_request_timeout``). One unanswered request then holds every ``flush()`` for that long, and
with it every partition's snapshot, ack and commit: a worker's stacks showed exactly that, every
lane standing still with no error. The producer's connections now give a request
``EXTRACTWATCH_PRODUCER_REQUEST_TIMEOUT_S``; past it, aiokafka closes the connection and sends the
batch again on a new one.

**Batches keep their 20 minutes.** aiokafka also uses its request timeout as the life of a batch:
past it, a batch that cannot be sent fails its messages. A broker that stops hands its partitions'
leadership away first, and a batch for a partition without a leader expires whatever else is set:
with 30 s, a 60 s outage failed 41 messages. So only the connections get the short timeout; the
batches keep Faust's. The producer is also made idempotent: aiokafka then never expires a batch it
retries for a partition whose leader it knows, and the broker writes a re-sent batch once.

**Sends that wait for room.** A send waits while its partition's batch is full and not yet sent, for
up to the batches' life, then raises without having added the message; the worker's state would
then have moved past records whose outputs were never sent. Such a send is made again, for as long
as it takes.

**Failed sends nobody reads.** A send whose batch fails carries the error in its future, and nothing
in Faust looks at it. A snapshot taken after the flush would then commit past messages that never
reached the broker. ``SendWatch`` sees every send's outcome, and every send that raised for another
reason; the worker checks it after each flush and, on a failure, exits at once without committing.
The restart resumes from the last durable snapshot and sends those messages again.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import Any

import aiokafka
import faust
import structlog
from aiokafka.errors import KafkaTimeoutError

log = structlog.get_logger(__name__)

# The worker's exit status when a message it produced was not delivered (EX_TEMPFAIL: a supervisor
# restarts it).
EXIT_UNDELIVERED = 75


def exit_for_restart(failed: int, first_error: BaseException) -> None:
    """Leave at once, without the graceful stop: a graceful stop would snapshot and commit."""
    log.error(
        "messages the worker produced were not delivered: exiting so that a restart resumes from the"
        " last durable snapshot and sends them again",
        failed=failed,
        first_error=repr(first_error),
    )
    os._exit(EXIT_UNDELIVERED)


class SendWatch:
    """Counts the sends whose future ended in an error (or was cancelled), or that raised.

    >>> import asyncio
    >>> async def two_sends():
    ...     failures = []
    ...     watch = SendWatch(stop=lambda n, error: failures.append((n, str(error))))
    ...     loop = asyncio.get_running_loop()
    ...     sent, lost = loop.create_future(), loop.create_future()
    ...     for future in (sent, lost):
    ...         future.add_done_callback(watch.observe)
    ...     sent.set_result("metadata")
    ...     lost.set_exception(RuntimeError("no leader"))
    ...     await asyncio.sleep(0)  # done callbacks run on the loop's next turn
    ...     return watch.all_delivered(), failures
    >>> asyncio.run(two_sends())
    (False, [(1, 'no leader')])
    """

    def __init__(self, stop: Callable[[int, BaseException], None] = exit_for_restart):
        self.failed = 0
        self.full_waits = 0  # sends made again: their partition's batch stayed full (broker away)
        self.first_error: BaseException | None = None
        self._stop = stop

    def observe(self, future: asyncio.Future) -> None:
        error = asyncio.CancelledError() if future.cancelled() else future.exception()
        if error is not None:
            self.fail(error)

    def fail(self, error: BaseException) -> None:
        self.failed += 1
        self.first_error = self.first_error or error

    def all_delivered(self) -> bool:
        """True when no send failed so far; otherwise stops the worker (see ``exit_for_restart``)."""
        if self.first_error is None:
            return True
        self._stop(self.failed, self.first_error)
        return False


def repair_producer(app: faust.App, request_timeout_s: float) -> SendWatch:
    """Give ``app``'s producer connections that time out unanswered requests after
    ``request_timeout_s``, make it idempotent, and watch every send it makes (the tables' changelog
    writes included). Call before the app starts: aiokafka's producer is built when it does."""
    producer = app.producer
    watch = SendWatch()
    settings_extra = producer._settings_extra
    new_producer = producer._new_producer
    send = producer.send

    def idempotent() -> dict[str, Any]:
        return {**settings_extra(), "acks": "all", "enable_idempotence": True}

    def with_short_requests(*args: Any, **kwargs: Any) -> aiokafka.AIOKafkaProducer:
        built = new_producer(*args, **kwargs)
        # Read by each connection as it is made (the producer's start makes them); the batches'
        # life stays the producer's own request timeout.
        built.client._request_timeout_ms = int(request_timeout_s * 1000)
        return built

    async def watched_send(*args: Any, **kwargs: Any) -> asyncio.Future:
        while True:
            try:
                future = await send(*args, **kwargs)
            except Exception as exc:
                if isinstance(exc.__cause__, KafkaTimeoutError):  # no room yet: nothing was added
                    watch.full_waits += 1
                    log.warning("a partition's batch stayed full past the batches' life: sending again")
                    continue
                watch.fail(exc)
                raise
            future.add_done_callback(watch.observe)
            return future

    producer._settings_extra = idempotent
    producer._new_producer = with_short_requests
    producer.send = watched_send
    return watch
