"""When a client is active: around the clock, one region's daytime, a diurnal swing, weekly gaps.

Extraction is easy to imagine as a script running flat out around the clock. Some campaigns do; others
run from one team's daytime, pause at weekends, or follow the load of the proxies they rent. People,
offices and services draw their region from the same table as attackers, so the hour of day says where
a client is, not what it is.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

HOUR = 3600.0
DAY = 86400.0
# (region, earliest and latest UTC hour its working day starts, share of clients)
REGIONS = (("americas", 12.0, 16.0, 0.35), ("europe", 6.0, 10.0, 0.40), ("asia", 23.0, 27.0, 0.25))
# How a distiller's hours are drawn: around the clock, one region's daytime, or busier by day.
SCHEDULE_SHARES = {"around_the_clock": 0.45, "daytime": 0.35, "diurnal": 0.20}
WEEKLY_GAP_SHARE = 0.25  # clients that stop on some days of every week

RatePerHour = Callable[[float], float]
Activity = Callable[[float], float]  # 0..1: how much of its rate a client runs at this time


def hour_of_day(ts: float) -> float:
    return (ts % DAY) / HOUR


def weekday(ts: float) -> int:
    """Monday is 0 (1970-01-01, epoch 0, was a Thursday).

    >>> weekday(0.0), weekday(4 * DAY)
    (3, 0)
    """
    return int(ts // DAY + 3) % 7


def region_start(rng: random.Random) -> float:
    """The UTC hour at which a working day starts in a region drawn by share."""
    r = rng.random()
    for _name, early, late, share in REGIONS:
        if r < share:
            return rng.uniform(early, late) % 24
        r -= share
    return rng.uniform(REGIONS[-1][1], REGIONS[-1][2]) % 24


def working_hours(rng: random.Random, rate: float) -> RatePerHour:
    """A person's (or an office's) day: a hump over 7-10 working hours in its region, quiet nights."""
    day_start, length = region_start(rng), rng.uniform(7, 10)

    def rate_at(ts: float) -> float:
        h = (hour_of_day(ts) - day_start) % 24
        return rate * (0.5 + math.sin(math.pi * h / length) ** 2) if h < length else rate * 0.02

    return rate_at


def diurnal(rng: random.Random, rate: float) -> RatePerHour:
    """Many end users around the clock: busier in their daytime, never silent (``rate`` on average)."""
    return _day_curve(rng.uniform(0, 24), rng.uniform(0.2, 0.9), rate)


def busier_by_day(rng: random.Random) -> Activity:
    """A diurnal swing that peaks at 1: a campaign that follows its operators' or its proxies' day."""
    peak, swing = rng.uniform(0, 24), rng.uniform(0.2, 0.9)
    return _day_curve(peak, swing, 1.0 / (1.0 + swing))


def _day_curve(peak: float, swing: float, rate: float) -> RatePerHour:
    def rate_at(ts: float) -> float:
        return rate * (1 + swing * math.cos(2 * math.pi * (hour_of_day(ts) - peak) / 24))

    return rate_at


def always(_ts: float) -> float:
    return 1.0


def daytime(rng: random.Random) -> Activity:
    """Only in one region's day (8-14 h); a few clients leak a little work into the night."""
    day_start, length, night = region_start(rng), rng.uniform(8, 14), rng.choice([0.0, 0.0, 0.02, 0.05])

    def active(ts: float) -> float:
        return 1.0 if (hour_of_day(ts) - day_start) % 24 < length else night

    return active


def weekly_gaps(rng: random.Random, activity: Activity) -> Activity:
    """``activity`` on some days of the week only: weekends off, or one to three drawn days."""
    off = {5, 6} if rng.random() < 0.6 else set(rng.sample(range(7), rng.randint(1, 3)))

    def active(ts: float) -> float:
        return 0.0 if weekday(ts) in off else activity(ts)

    return active


def draw(
    rng: random.Random, shares: dict[str, float] = SCHEDULE_SHARES, gaps: float = WEEKLY_GAP_SHARE
) -> Activity:
    """A client's hours, drawn by ``shares``; with chance ``gaps``, with days off every week.

    >>> active = draw(random.Random(3), {"around_the_clock": 1.0}, gaps=0.0)
    >>> active(0.0), active(12 * HOUR)
    (1.0, 1.0)
    """
    kind = rng.choices(list(shares), list(shares.values()))[0]
    if kind == "daytime":
        activity = daytime(rng)
    elif kind == "diurnal":
        activity = busier_by_day(rng)
    else:
        activity = always
    return weekly_gaps(rng, activity) if rng.random() < gaps else activity
