"""The benchmark's events: the simulator's traffic with prompt text, and the same pre-hashed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import orjson

from streams.core import reduce
from streams.progress import Progress
from streams.simulate.traffic import traffic

DAY = 86400.0


@dataclass(frozen=True)
class EventFiles:
    text: Path
    hashed: Path
    count: int


def prehashed(event: dict) -> dict:
    """The event as a gateway that hashes prompts itself sends it: hashes instead of the text.

    >>> sorted(prehashed({"ts": 1, "prompt": "Explain step by step"}))
    ['prompt_sha256', 'prompt_simhash', 'ts']
    """
    out = dict(event)
    prompt = out.pop("prompt", None)
    if isinstance(prompt, str):
        out["prompt_sha256"] = reduce.sha256_hex(prompt)
        out["prompt_simhash"] = f"{reduce.simhash(prompt):016x}"
    return out


def write_events(directory: Path, seed: int, scale: float, end: float, duration_s: float = DAY) -> EventFiles:
    """The simulator's traffic of ``duration_s`` ending at ``end``, in two JSONL files. A day by
    default, so that busy clients' rings fill as they do in production; ``scale`` sets how many
    clients."""
    directory.mkdir(parents=True, exist_ok=True)
    text, hashed = directory / "events-text.jsonl", directory / "events-hashed.jsonl"
    events, _ = traffic(seed, end - duration_s, duration_s, scale)
    progress = Progress("bench events (simulated seconds)", int(duration_s))
    count, shown = 0, 0
    with text.open("wb") as t, hashed.open("wb") as h:
        for event in events:
            t.write(orjson.dumps(event) + b"\n")
            h.write(orjson.dumps(prehashed(event)) + b"\n")
            count += 1
            at = int(event["ts"] - (end - duration_s))
            progress.advance(at - shown)
            shown = at
    progress.close()
    return EventFiles(text, hashed, count)
