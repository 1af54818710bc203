"""``extractwatch worker``: the Faust worker."""

from __future__ import annotations

from pathlib import Path

import faust

from streams.agents import register
from streams.app import create_app
from streams.health import register_web
from streams.settings import Settings
from streams.topics import ensure_topics


def run_worker(settings: Settings) -> None:
    ensure_topics(settings)
    Path(settings.work_dir).mkdir(parents=True, exist_ok=True)  # Faust makes only the last level
    app = create_app(settings)
    register_web(app, register(app, settings), settings)
    worker = faust.Worker(app.faust, loglevel=settings.log_level.upper(), quiet=True)
    worker.execute_from_commandline()
