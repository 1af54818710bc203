"""Swarms at the ends of the target's size range (20 to 1,000 accounts), among the skeleton's clients.

``make eval``'s seeds draw swarms of 242, 50 and 51 accounts; this run checks the smallest and the
largest the target names: ``python -m streams.evaluation.swarm_sizes`` (``make eval-swarm-sizes``).
"""

from __future__ import annotations

import argparse
import statistics

import orjson

from streams.core.detector import Detector
from streams.settings import DetectorSettings
from streams.simulate.scenarios import SKELETON
from streams.simulate.traffic import traffic

START = 1_795_766_400.0  # 06:00 UTC on a simulated day
# seeds whose swarm, among the skeleton's clients, has 22, 22 and 961 accounts
SEEDS = (3, 26, 7)


def swarm_listing(seed: int, hours: float) -> str:
    events, truth = traffic(seed, START, hours * 3600, scenarios=(*SKELETON, "swarm"))
    swarm = {t.client_id for t in truth if t.scenario == "swarm"}
    detector = Detector(6, DetectorSettings(), clusters=True)
    first_ts, listed_at, others, alerts = None, {}, set(), 0
    for event in events:
        if first_ts is None and event["client_id"] in swarm:
            first_ts = event["ts"]
        for alert in detector.feed_line(orjson.dumps(event)):
            if alert.scope != "cluster":
                continue
            alerts += 1
            for member in alert.members:
                listed_at.setdefault(member, event["ts"])  # when it went out: stream time
                if member not in swarm:
                    others.add(member)
    hours_to = [(ts - first_ts) / 3600 for member, ts in listed_at.items() if member in swarm]
    median = f"{statistics.median(hours_to):.2f} h" if hours_to else "-"
    return (
        f"seed {seed}: swarm of {len(swarm)}, {len(swarm & set(listed_at))} listed, median {median} after "
        f"its first event; {len(others)} other accounts listed; {alerts} cluster alerts"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default=",".join(map(str, SEEDS)))
    parser.add_argument("--hours", type=float, default=8.0)
    args = parser.parse_args()
    for seed in (int(s) for s in args.seeds.split(",")):
        print(swarm_listing(seed, args.hours), flush=True)


if __name__ == "__main__":
    main()
