"""The Faust app as ``create_app`` builds it (broker-free: consumers are built, never started)."""

import asyncio

import pytest
from aiokafka.errors import KafkaTimeoutError, MessageSizeTooLargeError
from faust.exceptions import ProducerSendError
from faust.transport.drivers import aiokafka as aiokafka_driver

from streams.app import create_app, shorten_fetch_wait
from streams.settings import Settings


def _worker_consumer(settings: Settings, shorten: bool):
    app = create_app(settings)
    if shorten:
        shorten_fetch_wait(app.faust, settings.fetch_max_wait_ms)

    async def build():  # aiokafka's consumer is built inside a running loop
        return app.faust.consumer._thread._create_consumer(app.faust.transport)

    return asyncio.run(build())


def test_faust_holds_fetches_for_1500_ms_by_itself(tmp_path):
    consumer = _worker_consumer(Settings(work_dir=str(tmp_path)), shorten=False)
    assert consumer._fetch_max_wait_ms == 1500


def test_worker_consumer_fetches_with_the_configured_wait(tmp_path):
    consumer = _worker_consumer(Settings(work_dir=str(tmp_path), fetch_max_wait_ms=80), shorten=True)
    assert consumer._fetch_max_wait_ms == 80


def _worker_producer(settings: Settings):
    app = create_app(settings)

    async def build():  # aiokafka's producer is built inside a running loop
        return app.faust.producer._new_producer()

    return asyncio.run(build())


def test_the_worker_producer_is_idempotent(tmp_path):
    producer = _worker_producer(Settings(work_dir=str(tmp_path)))
    assert producer._txn_manager is not None  # aiokafka keeps idempotence's sequence numbers there


def test_the_worker_producer_connections_time_out_requests_at_the_setting(tmp_path):
    producer = _worker_producer(Settings(work_dir=str(tmp_path), producer_request_timeout_s=12.5))
    assert producer.client._request_timeout_ms == 12_500


def test_the_worker_producer_batches_keep_fausts_20_minutes(tmp_path):
    # a broker that stops leaves its partitions without a leader: their batches expire at this age
    producer = _worker_producer(Settings(work_dir=str(tmp_path), producer_request_timeout_s=12.5))
    assert producer._message_accumulator._batch_ttl == 1200.0


def app_over_sends(tmp_path, monkeypatch, outcomes: list):
    """An app whose producer's sends (a stand-in for Faust's over aiokafka: no broker) give, one call
    after another, ``outcomes``: an exception to raise, or a future's result or exception."""

    async def send(self, *args, **kwargs):
        outcome = outcomes.pop(0)
        if isinstance(outcome, ProducerSendError):
            raise outcome
        future = asyncio.get_running_loop().create_future()
        if isinstance(outcome, Exception):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)
        return future

    monkeypatch.setattr(aiokafka_driver.Producer, "send", send)
    return create_app(Settings(work_dir=str(tmp_path)))


def send_once(app) -> None:
    async def send_and_let_callbacks_run():
        await app.faust.producer.send("alerts", b"key", b"value", None, None, None)
        await asyncio.sleep(0)

    asyncio.run(send_and_let_callbacks_run())


def send_error(cause: Exception) -> ProducerSendError:
    try:
        raise ProducerSendError(f"Error while sending: {cause!r}") from cause  # as Faust raises it
    except ProducerSendError as exc:
        return exc


def test_a_send_whose_future_fails_is_counted_failed(tmp_path, monkeypatch):
    app = app_over_sends(tmp_path, monkeypatch, [RuntimeError("batch expired")])
    send_once(app)
    assert app.sends.failed == 1


def test_a_send_that_found_its_partitions_batch_full_past_the_timeout_is_made_again(tmp_path, monkeypatch):
    outcomes = [send_error(KafkaTimeoutError()), send_error(KafkaTimeoutError()), "metadata"]
    app = app_over_sends(tmp_path, monkeypatch, outcomes)
    send_once(app)
    assert outcomes == [] and app.sends.full_waits == 2 and app.sends.failed == 0


def test_a_send_that_raised_for_another_reason_is_counted_failed_and_raises(tmp_path, monkeypatch):
    app = app_over_sends(tmp_path, monkeypatch, [send_error(MessageSizeTooLargeError())])
    with pytest.raises(ProducerSendError):
        send_once(app)
    assert app.sends.failed == 1
