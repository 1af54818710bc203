"""What an account looks like apart from its traffic: its age, and which optional fields its gateway sends.

Attackers are often imagined on fresh accounts that announce their creation time. Many are (they rotate
accounts), but some buy or take over old ones, some legitimate customers are new, and whether
``account_created_at`` arrives at all depends on the customer's gateway, not on intent. So age is drawn
with a share that differs by label, and every optional field goes missing for some clients of both labels.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from streams.simulate import releases
from streams.simulate.hours import DAY

# optional schema-v1 fields a client's gateway may never send
OPTIONAL_FIELDS = (
    "max_tokens",
    "temperature",
    "stop_reason",
    "account_created_at",
    "user_agent",
    "asn",
    "endpoint",
    "latency_ms",
)
OMIT_FIELD_SHARE = 0.15  # chance that a client's gateway never sends a given optional field
CREATED_AT_MISSING = 0.4  # ... except the account's creation time, which many pipelines do not join
# Most attackers use fresh accounts, some buy or take over old ones; some legitimate customers are new.
YOUNG_SHARE = {"extraction": 0.65, "benign": 0.15}
YOUNG_DAYS, AGED_DAYS = (0.5, 30.0), (60.0, 1500.0)
ENDPOINTS = ("/v1/messages", "/v1/messages", "/v1/messages", "/v1/chat/completions", "/v1/complete")


@dataclass(frozen=True)
class Account:
    created_at: float
    omitted: frozenset[str]
    endpoint: str
    upgrades_at: float | None  # when it moves onto the newer model (None: not in this history)


@dataclass(frozen=True)
class Gateway:
    """What a client's integration sends: shared by all accounts of a group that share tooling."""

    omitted: frozenset[str]
    endpoint: str

    @classmethod
    def draw(cls, rng: random.Random, created_at_missing: float = CREATED_AT_MISSING) -> Gateway:
        """
        >>> "account_created_at" in Gateway.draw(random.Random(0), created_at_missing=1.0).omitted
        True
        """
        omitted = frozenset(
            f
            for f in OPTIONAL_FIELDS
            if rng.random() < (created_at_missing if f == "account_created_at" else OMIT_FIELD_SHARE)
        )
        return cls(omitted, rng.choice(ENDPOINTS))


def age_days(rng: random.Random, label: str) -> float:
    """Days between an account's creation and the start of the history: young or aged, by label."""
    return rng.uniform(*YOUNG_DAYS) if rng.random() < YOUNG_SHARE[label] else rng.uniform(*AGED_DAYS)


def draw(rng: random.Random, label: str, start: float, gateway: Gateway | None = None) -> Account:
    """One account; members of a group pass the group's ``gateway``."""
    created = start - age_days(rng, label) * DAY
    gateway = gateway or Gateway.draw(rng)
    return Account(created, gateway.omitted, gateway.endpoint, releases.upgrade_time(rng, label, start))
