"""The Faust app as ``create_app`` builds it (broker-free: consumers are built, never started)."""

import asyncio

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


def test_the_worker_producer_is_idempotent_with_the_configured_request_timeout(tmp_path):
    app = create_app(Settings(work_dir=str(tmp_path), producer_request_timeout_s=12.5))

    async def build():  # aiokafka's producer is built inside a running loop
        return app.faust.producer._new_producer()

    producer = asyncio.run(build())
    assert producer._txn_manager is not None  # aiokafka keeps idempotence's sequence numbers there
    assert producer._request_timeout_ms == 12_500


def test_every_send_of_the_worker_producer_is_watched(tmp_path, monkeypatch):
    # A stand-in for the send aiokafka makes (no broker): its batch failed.
    async def failing_send(self, *args, **kwargs):
        future = asyncio.get_running_loop().create_future()
        future.set_exception(RuntimeError("batch expired"))
        return future

    monkeypatch.setattr(aiokafka_driver.Producer, "send", failing_send)
    app = create_app(Settings(work_dir=str(tmp_path)))

    async def send_and_let_callbacks_run():
        await app.faust.producer.send("alerts", b"key", b"value", None, None, None)
        await asyncio.sleep(0)

    asyncio.run(send_and_let_callbacks_run())
    assert app.sends.failed == 1
