"""The Faust baselines of ``make bench``, run as their own process.

- ``bare``: one agent, the raw value serializer and the memory store; it decodes each event with
  orjson and does nothing else.
- ``table``: the same, plus one ``Table(default=int)`` increment per event.

They stay this plain on purpose: no ratio against them may be won by slowing them. Their count of
events is served on ``/count`` of Faust's web server, as the worker's is on ``/metrics``.

    python -m streams.bench.faust_baseline bare|table BROKER TOPIC APP_ID WEB_PORT PARTITIONS
"""

from __future__ import annotations

import sys
import tempfile

import faust
import orjson


def build(mode: str, broker: str, topic: str, app_id: str, web_port: int, partitions: int) -> faust.App:
    app = faust.App(
        app_id,
        broker=f"kafka://{broker}",
        store="memory://",
        datadir=tempfile.mkdtemp(prefix=f"{app_id}-"),
        web_port=web_port,
        topic_partitions=partitions,
        consumer_auto_offset_reset="earliest",
        autodiscover=False,
    )
    source = app.topic(topic, key_serializer="raw", value_serializer="raw")
    seen = {"events": 0}

    if mode == "table":
        counts = app.Table("counts", default=int, partitions=partitions)

        @app.agent(source)
        async def count_per_client(stream):
            async for value in stream:
                counts[orjson.loads(value)["client_id"]] += 1
                seen["events"] += 1

    else:

        @app.agent(source)
        async def decode(stream):
            async for value in stream:
                orjson.loads(value)
                seen["events"] += 1

    @app.page("/count")
    async def count(_web, request):
        return _web.json(seen)

    return app


def main(argv: list[str]) -> None:
    mode, broker, topic, app_id, web_port, partitions = argv
    app = build(mode, broker, topic, app_id, int(web_port), int(partitions))
    sys.argv = [sys.argv[0], "worker", "--loglevel", "warn"]
    app.main()


if __name__ == "__main__":
    main(sys.argv[1:])
