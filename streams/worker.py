"""``extractwatch worker``: the Faust worker, and its graceful stop on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

import faust
import structlog

from streams.agents import register
from streams.app import create_app, shorten_fetch_wait
from streams.gc_tuning import SurvivorFreezer
from streams.health import register_web
from streams.heap import fix_mmap_threshold
from streams.settings import Settings
from streams.stacks import dump_stacks
from streams.topics import ensure_topics

log = structlog.get_logger(__name__)

# How often the worker collects the objects it froze (see ``SurvivorFreezer``): one long pause an
# hour frees what became cyclic garbage among them, so that cannot grow for longer.
COLLECT_FROZEN_EVERY_S = 3600.0


class GracefulWorker(faust.Worker):
    """On SIGTERM, settle the lanes first (apply, snapshot, flush, commit), then let Faust stop (it
    stops the agents, leaves the group and flushes). Faust's own stop happens after the consumer has
    left, too late to snapshot; and it can wait on a stream that never ends, so a watchdog ends the
    process once ``timeout_s`` has passed since the signal. On SIGUSR1 it writes where every thread
    and task is (``streams.stacks``)."""

    def __init__(self, app: faust.App, settle: Callable[[], Awaitable[None]], timeout_s: float, **kwargs):
        super().__init__(app, **kwargs)
        self._settle = settle
        self._timeout_s = timeout_s
        self._terminating = False

    def _on_sigterm(self) -> None:
        if self._terminating:
            return
        self._terminating = True
        watchdog = threading.Timer(self._timeout_s, self._give_up)
        watchdog.daemon = True
        watchdog.start()
        asyncio.ensure_future(self._settle_then_stop(), loop=self.loop)

    async def _settle_then_stop(self) -> None:
        log.info("SIGTERM: settling before stop", timeout_s=self._timeout_s)
        try:
            # leave Faust's stop a third of the time: a slow settle must not cost the group leave
            await asyncio.wait_for(self._settle(), self._timeout_s * 2 / 3)
            log.info("settled: state snapshotted, offsets committed")
        except Exception as exc:  # a timeout included: what was not committed is re-read on restart
            log.warning("settling before stop failed", error=repr(exc))
        super()._on_sigterm()

    def _on_sigusr1(self) -> None:
        """Every thread's and task's stack to stderr, without the local variables mode's would print
        (they hold events)."""
        dump_stacks(sys.stderr, self.loop)

    def _give_up(self) -> None:
        log.error("stop did not finish in time: exiting", timeout_s=self._timeout_s)
        os._exit(1)


def run_worker(settings: Settings) -> None:
    if settings.malloc_mmap_threshold:
        fixed = fix_mmap_threshold(settings.malloc_mmap_threshold)
        log.info("C heap's mapping threshold", bytes=settings.malloc_mmap_threshold, fixed=fixed)
    ensure_topics(settings)
    Path(settings.work_dir).mkdir(parents=True, exist_ok=True)  # Faust makes only the last level
    app = create_app(settings)
    shorten_fetch_wait(app.faust, settings.fetch_max_wait_ms)
    workers = register(app, settings)
    register_web(app, workers, settings)
    freezer = SurvivorFreezer()
    freezer.install()

    @app.faust.timer(interval=COLLECT_FROZEN_EVERY_S, on_leader=False)
    async def collect_frozen() -> None:
        log.info("frozen objects collected", freed=freezer.collect_all())

    async def settle() -> None:
        for worker in workers:  # upstream first: what a lane forwards is in the next one's topic
            await worker.settle()

    worker = GracefulWorker(
        app.faust, settle, settings.shutdown_timeout_s, loglevel=settings.log_level.upper(), quiet=True
    )
    worker.execute_from_commandline()
