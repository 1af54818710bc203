"""Builders shared by the tests: schema-v1 events with sensible defaults; a file's imports."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import orjson

_ids = itertools.count()


def raw_event(**fields) -> dict:
    event = {
        "event_id": f"e{next(_ids)}",
        "ts": 1_790_000_000.0,
        "client_id": "client-a",
        "api_key_id": "key-1",
        "ip": "203.0.113.7",
        "model": "frontier-large",
        "prompt_tokens": 100,
        "completion_tokens": 200,
        "status": 200,
    }
    event.update(fields)
    return {k: v for k, v in event.items() if v is not None}


def encoded(**fields) -> bytes:
    return orjson.dumps(raw_event(**fields))


def swarm_arriving_late(
    seed: int, start: float, hours: float, after_h: float
) -> tuple[list[bytes], set[str]]:
    """The skeleton's clients and a swarm of young accounts that starts ``after_h`` hours in, so its
    cluster alerts come after snapshots a replay can resume from; events in time order."""
    from streams.simulate.scenarios import SKELETON
    from streams.simulate.traffic import traffic

    events, truth = traffic(seed, start, (hours - after_h) * 3600, scenarios=(*SKELETON, "swarm"))
    swarm = {t.client_id for t in truth if t.scenario == "swarm"}
    others = list(traffic(seed, start, hours * 3600, scenarios=SKELETON)[0])
    moved = [
        {**e, "ts": e["ts"] + after_h * 3600, "account_created_at": start}
        for e in events
        if e["client_id"] in swarm
    ]
    return [orjson.dumps(e) for e in sorted(others + moved, key=lambda e: e["ts"])], swarm


def imported_modules(path: Path) -> set[str]:
    """The absolute imports of a Python file, by module name."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names
