"""Command line: python -m streams.independent --seed N [--start T] [--duration D] [--scale X] --output F."""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from .generator import generate, write_events, write_labels
from .timing import parse_duration, parse_start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m streams.independent",
        description="Generate LLM API traffic with labelled extraction campaigns.",
    )
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--start", default="2026-11-02T00:00:00Z", help="epoch seconds or RFC 3339")
    parser.add_argument("--duration", default="24h", help="24h, 2d, 90m or seconds")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies account counts")
    parser.add_argument("--output", type=Path, required=True, help="events, one JSON object a line")
    parser.add_argument("--labels", type=Path, help="default: <output stem>.labels.csv beside the output")
    args = parser.parse_args(argv)

    began = time.monotonic()
    events, labels = generate(args.seed, parse_start(args.start), parse_duration(args.duration), args.scale)
    write_events(events, args.output)
    labels_path = args.labels or args.output.with_name(f"{args.output.stem}.labels.csv")
    write_labels(labels, labels_path)

    kinds = Counter(kind for _, _, _, kind in labels)
    per_kind = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
    print(
        f"{len(events)} events, {len(labels)} accounts ({per_kind}) "
        f"in {time.monotonic() - began:.1f}s -> {args.output}, {labels_path}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
