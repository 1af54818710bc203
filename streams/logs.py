"""structlog set-up: one JSON object per line on stderr (key=value text on a terminal).

Nothing logged by extractwatch carries prompt text: events are reduced before anything can log them.
"""

from __future__ import annotations

import logging
import sys

import structlog


def configure(level: str = "info") -> None:
    numeric = getattr(logging, level.upper(), logging.INFO)
    logging.basicConfig(level=numeric, stream=sys.stderr, format="%(message)s")
    if sys.stderr.isatty():
        rendering = [structlog.dev.ConsoleRenderer(colors=False)]  # prints log.exception's traceback
    else:
        # log.exception's traceback as text (code lines and the exception, no local variables): the
        # JSON renderer leaves out what is not formatted first
        rendering = [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            *rendering,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
