"""Time: the generated window, local-time activity shapes and arrival processes.

People and the products they build are busy at different hours in different time zones; machines
are not. Each account gets a shape (a 24-hour curve in its own time zone, a weekend factor and
day-to-day noise) and draws arrivals from a Poisson process whose rate follows that shape.
"""

from __future__ import annotations

import datetime as dt
import random
import re

import numpy as np

MINUTE = 60.0
HOUR = 3_600.0
DAY = 86_400.0

# Hourly curves in local time (hour 0 = midnight). Each is normalised to mean 1 below, so a
# scenario's "per day" rate is what an average weekday produces.
_CURVES: dict[str, tuple[list[float], float]] = {
    # knowledge workers: morning ramp, lunch dip, nothing at night, quiet weekends
    "office": (
        [0.04, 0.03, 0.02, 0.02, 0.03, 0.06, 0.2, 0.6, 1.4, 2.0, 2.2, 2.0, 1.4, 1.8, 2.1, 2.0, 1.7, 1.2, 0.6,
         0.35, 0.25, 0.18, 0.12, 0.08],
        0.12,
    ),
    # developers: office hours with a long evening tail and some weekend work
    "developer": (
        [0.3, 0.18, 0.1, 0.06, 0.05, 0.06, 0.12, 0.35, 0.9, 1.6, 1.9, 1.8, 1.3, 1.7, 1.9, 1.9, 1.7, 1.4, 1.0,
         0.85, 0.85, 0.8, 0.65, 0.45],
        0.35,
    ),
    # consumer products: all day, evening peak, busier weekends
    "consumer": (
        [0.6, 0.4, 0.25, 0.15, 0.12, 0.15, 0.35, 0.6, 0.8, 0.9, 1.0, 1.1, 1.2, 1.1, 1.05, 1.05, 1.1, 1.25,
         1.45, 1.6, 1.75, 1.7, 1.4, 1.0],
        1.1,
    ),
    # products with users on several continents: a mild wave around the clock
    "global": (
        [0.8, 0.75, 0.72, 0.72, 0.75, 0.82, 0.9, 1.0, 1.1, 1.15, 1.2, 1.2, 1.18, 1.15, 1.15, 1.12, 1.1, 1.08,
         1.05, 1.0, 0.95, 0.9, 0.86, 0.82],
        0.85,
    ),
    # schedulers and scripts that do not care what time it is
    "flat": ([1.0] * 24, 1.0),
}
for _name, (_curve, _weekend) in list(_CURVES.items()):
    _mean = sum(_curve) / 24
    _CURVES[_name] = ([v / _mean for v in _curve], _weekend)

# (UTC offset in hours, weight): where API customers sit, in November (northern standard time).
TIME_ZONES: list[tuple[float, float]] = [
    (-8, 14), (-7, 4), (-6, 7), (-5, 14), (-3, 4), (0, 8), (1, 14), (2, 4), (3, 2), (5.5, 8), (7, 2), (8, 8),
    (9, 6), (11, 3), (13, 1),
]


def pick_time_zone(rng: random.Random) -> float:
    offsets, weights = zip(*TIME_ZONES, strict=True)
    return rng.choices(offsets, weights)[0]


def parse_start(text: str | float) -> float:
    """Epoch seconds from a number or an RFC 3339 time.

    >>> parse_start("2026-11-02T00:00:00Z")
    1793577600.0
    >>> parse_start("1793577600")
    1793577600.0
    """
    try:
        return float(text)
    except ValueError:
        pass
    moment = dt.datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


def parse_duration(text: str | float) -> float:
    """Seconds from '24h', '2d', '90m', '45s', '1w' or a bare number of seconds.

    >>> parse_duration("2d"), parse_duration("90m"), parse_duration("3600")
    (172800.0, 5400.0, 3600.0)
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", str(text))
    if not match:
        raise ValueError(f"not a duration: {text!r}")
    unit = {"": 1, "s": 1, "m": MINUTE, "h": HOUR, "d": DAY, "w": 7 * DAY}[match.group(2)]
    return float(match.group(1)) * unit


class Shape:
    """One account's activity curve: rate multiplier (mean 1 on a weekday) at any epoch time."""

    def __init__(self, kind: str, tz: float, rng: random.Random, t0: float, t1: float):
        curve, self.weekend = _CURVES[kind]
        # Nobody follows the textbook curve exactly: shift it a little and roughen it.
        shift = rng.uniform(-1.0, 1.0)
        rough = [v * rng.lognormvariate(0, 0.15) for v in curve]
        mean = sum(rough) / 24
        self.curve = np.array([rough[int((h - shift) % 24)] / mean for h in range(24)] + [0.0])
        self.curve[24] = self.curve[0]
        self.tz = tz
        # Busy days and quiet days.
        self.day0 = int((t0 + tz * HOUR) // DAY)
        days = int((t1 + tz * HOUR) // DAY) - self.day0 + 1
        self.daily = np.array([rng.lognormvariate(0, 0.12) for _ in range(days)])

    def at(self, times: np.ndarray) -> np.ndarray:
        local = times + self.tz * HOUR
        hours = (local % DAY) / HOUR
        lower = hours.astype(int)
        frac = hours - lower
        level = self.curve[lower] * (1 - frac) + self.curve[lower + 1] * frac
        day = (local // DAY).astype(int)
        weekend = ((day + 3) % 7) >= 5  # 1970-01-01 was a Thursday
        index = np.clip(day - self.day0, 0, len(self.daily) - 1)
        return level * np.where(weekend, self.weekend, 1.0) * self.daily[index]


def poisson_times(
    nrng: np.random.Generator, t0: float, t1: float, per_day: float, shape: Shape | None, bin_s: float = 300.0
) -> np.ndarray:
    """Sorted arrival times of a Poisson process with rate per_day * shape(t) on [t0, t1)."""
    if t1 <= t0 or per_day <= 0:
        return np.empty(0)
    edges = np.arange(t0, t1, bin_s)
    widths = np.minimum(bin_s, t1 - edges)
    level = shape.at(edges + widths / 2) if shape is not None else np.ones(len(edges))
    counts = nrng.poisson(per_day * level * widths / DAY)
    starts = np.repeat(edges, counts)
    times = starts + nrng.random(len(starts)) * np.repeat(widths, counts)
    return np.sort(times)


def sessions(
    nrng: np.random.Generator,
    rng: random.Random,
    t0: float,
    t1: float,
    per_day: float,
    shape: Shape | None,
    mean_turns: float,
    mean_gap: float,
) -> list[list[float]]:
    """Conversations: starts from a Poisson process, a geometric number of turns, human gaps.

    Gaps are log-normal around mean_gap seconds: reading an answer and typing the next message.
    """
    out = []
    p_stop = 1.0 / max(mean_turns, 1.0)
    for start in poisson_times(nrng, t0, t1, per_day, shape):
        turns = [float(start)]
        t = float(start)
        while rng.random() > p_stop and len(turns) < 80:
            t += mean_gap * rng.lognormvariate(-0.5, 1.0)
            if t >= t1:
                break
            turns.append(t)
        out.append(turns)
    return out


def pauses(
    rng: random.Random, t0: float, t1: float, per_day: float, min_s: float, max_s: float
) -> list[tuple[float, float]]:
    """Random outages of a script (crashes, key rotation, an operator asleep), as (from, to)."""
    out = []
    count = int(rng.random() + per_day * (t1 - t0) / DAY)
    for _ in range(count):
        a = rng.uniform(t0, t1)
        out.append((a, a + rng.uniform(min_s, max_s)))
    return sorted(out)


def in_pause(t: float, gaps: list[tuple[float, float]]) -> float | None:
    """The end of the pause containing t, or None."""
    for a, b in gaps:
        if a <= t < b:
            return b
    return None
