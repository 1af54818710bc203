"""The Faust app as ``create_app`` builds it (broker-free: consumers are built, never started)."""

import asyncio

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
