"""Model releases: a newer model appears during the history, and clients move onto it at their own pace.

Distillers are reported to move onto a new release within hours, to harvest it while it is new. So do
eval harnesses and many people (a chat UI's default changes), while apps often pin a model for weeks:
the speed of adoption differs by kind in share, not in kind, so it is drawn per client for both labels.
"""

from __future__ import annotations

import random

from streams.simulate.hours import DAY, HOUR

CURRENT = "frontier-large"
NEWER = "frontier-large-2"
SMALL = "frontier-small"
# share of clients that move within hours of the release, and that move days later
FAST_SHARE = {"extraction": 0.6, "benign": 0.3}
SLOW_SHARE = {"extraction": 0.2, "benign": 0.3}


def released_at(start: float) -> float:
    """When the newer model comes out: 6 hours to 6 days into the history, the same for all its clients.

    >>> released_at(0.0) == released_at(0.0) and DAY / 4 <= released_at(0.0) <= 6 * DAY
    True
    """
    return start + random.Random(f"release-{start!r}").uniform(0.25, 6.0) * DAY


def upgrade_time(rng: random.Random, label: str, start: float) -> float | None:
    """When a client moves onto the newer model; None if it stays on the current one."""
    r = rng.random()
    if r < FAST_SHARE[label]:
        return released_at(start) + rng.lognormvariate(0.7, 0.8) * HOUR  # median 2 h
    if r < FAST_SHARE[label] + SLOW_SHARE[label]:
        return released_at(start) + rng.uniform(1, 30) * DAY
    return None


def model_at(upgrades_at: float | None, ts: float) -> str:
    return NEWER if upgrades_at is not None and ts >= upgrades_at else CURRENT
