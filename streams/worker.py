"""``extractwatch worker``: the Faust worker."""

from __future__ import annotations

import faust

from streams.agents import register
from streams.app import create_app
from streams.settings import Settings
from streams.topics import ensure_topics


def run_worker(settings: Settings) -> None:
    ensure_topics(settings)
    app = create_app(settings)
    register(app, settings)
    worker = faust.Worker(app.faust, loglevel=settings.log_level.upper(), quiet=True)
    worker.execute_from_commandline()
