"""Groups of accounts that share infrastructure or content: swarms, and the look-alikes that are not.

Every member is its own account (``client_id``); what the group shares (proxy network, templates,
schedule, SDK, gateway) comes from a generator seeded by the group's name, so all members agree on it.

Swarms are drawn rather than fixed: some started before the history begins (accounts weeks or months
old, active from its first minute, no creation time sent), others launch during it on fresh accounts;
some run in synchronised waves, others steadily; their members share one proxy /24, rotate across a
cloud provider's addresses, or rotate through residential proxies; they send one shared template with
different slot contents, or several.
"""

from __future__ import annotations

import dataclasses
import functools
import random
from collections.abc import Iterator
from dataclasses import dataclass

from streams.simulate import accounts, hours, releases, text
from streams.simulate.accounts import Account, Gateway
from streams.simulate.benign import AppPrompts
from streams.simulate.client import CLOUD_ASNS, RESIDENTIAL_ASNS, Client, library_agent, poisson_times
from streams.simulate.hours import DAY, HOUR, diurnal, working_hours
from streams.simulate.style import DistillationStyle

_SDK_SYSTEM_PROMPT = "You are a helpful assistant built with the Acme SDK."
PROXY_ASNS = (9009, 60068, 212238, 49981)
ESTABLISHED_SHARE = 0.4  # swarms already running when the history begins
WAVES_SHARE = 0.4  # swarms whose members are all active in the same minutes
# members share one proxy /24, rotate over a cloud provider's addresses, or over residential proxies
NETWORKS = {"proxy24": 0.4, "cloud": 0.4, "residential": 0.2}


def _shared(c: Client) -> random.Random:
    return random.Random(c.group)


def _net(rng: random.Random, octets: int) -> str:
    """A network prefix of ``octets`` octets (2: a /16, 3: a /24)."""
    return ".".join(str(rng.randint(20, 220) if i == 0 else rng.randint(0, 250)) for i in range(octets))


@dataclass(frozen=True)
class SwarmPlan:
    """What every member of one swarm shares, drawn from the swarm's name."""

    name: str
    established: bool
    launch: float  # seconds after the history starts (0 for an established swarm)
    waves: tuple[float, float] | None  # (period, length) in seconds, or None: steady
    network: str
    prefixes: tuple[str, ...]  # /24s (proxy24) or /16s (cloud) its addresses come from
    asn: int
    agents: tuple[str, ...]
    style: DistillationStyle
    decoys: float  # share of ordinary chat mixed in
    campaign_rate: float  # requests an hour over all members
    member_cap: float  # no member goes faster than this (requests an hour)
    gateway: Gateway

    @staticmethod
    @functools.lru_cache(maxsize=64)
    def of(group: str) -> SwarmPlan:
        rng = random.Random(f"{group}/plan")
        established = rng.random() < ESTABLISHED_SHARE
        network = rng.choices(list(NETWORKS), list(NETWORKS.values()))[0]
        if network == "proxy24":
            prefixes, asn = (_net(rng, 3),), rng.choice(PROXY_ASNS)
        else:
            prefixes, asn = tuple(_net(rng, 2) for _ in range(rng.randint(2, 12))), rng.choice(CLOUD_ASNS)
        agent = library_agent(rng)
        agents = (agent,) if rng.random() < 0.7 else tuple({agent, *(library_agent(rng) for _ in range(3))})
        waves = (rng.uniform(20, 180) * 60, rng.uniform(2, 20) * 60) if rng.random() < WAVES_SHARE else None
        return SwarmPlan(
            name=group,
            established=established,
            launch=0.0 if established else rng.uniform(0, 6 * HOUR),
            waves=waves,
            network=network,
            prefixes=prefixes,
            asn=asn,
            agents=tuple(sorted(agents)),
            # one shared template (members fill its slot differently) or several; a swarm that is
            # already running works around the clock, a new one keeps hours of its own
            style=DistillationStyle.draw(
                rng, modes=(0.0, 0.5, 0.5), active=hours.always if established else None
            ),
            decoys=rng.uniform(0.0, 0.3),
            campaign_rate=rng.uniform(300, 3000),
            member_cap=rng.uniform(6, 15),
            gateway=Gateway.draw(rng, created_at_missing=1.0 if established else accounts.CREATED_AT_MISSING),
        )

    def address(self, rng: random.Random) -> tuple[str, int]:
        if self.network == "proxy24":
            return f"{self.prefixes[0]}.{rng.randint(1, 254)}", self.asn
        if self.network == "cloud":
            return f"{rng.choice(self.prefixes)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}", self.asn
        ip = f"{rng.randint(20, 220)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        return ip, rng.choice(RESIDENTIAL_ASNS)

    def windows(self, start: float, end: float) -> Iterator[tuple[float, float]]:
        """The swarm's active windows: its waves, or one window from launch to the end."""
        begin = start + self.launch
        if self.waves is None:
            yield begin, end
            return
        period, length = self.waves
        rng = random.Random(f"{self.name}/waves")  # every member sees the same waves
        t = begin
        while t < end:
            yield t, min(t + length * rng.uniform(0.7, 1.3), end)
            t += period * rng.uniform(0.7, 1.3)


def member_account(scenario: str, group: str, label: str, rng: random.Random, start: float) -> Account:
    """One member's account: a swarm's from its plan, other groups' with the group's shared gateway."""
    if scenario == "swarm":
        plan = SwarmPlan.of(group)
        # an established swarm's accounts are weeks or months old; a new one's are made shortly before
        # its launch, some of them during the history
        age = rng.uniform(20, 180) if plan.established else rng.uniform(0.02, 10) - plan.launch / DAY
        account = accounts.draw(rng, label, start, plan.gateway)
        upgrades_at = releases.upgrade_time(random.Random(f"{group}/upgrade"), label, start)  # all at once
        return dataclasses.replace(account, created_at=start - age * DAY, upgrades_at=upgrades_at)
    return accounts.draw(rng, label, start, Gateway.draw(random.Random(f"{group}/gateway")))


def swarm(c: Client, start: float, end: float) -> Iterator[dict]:
    """One account of a distillation swarm: low volume, shared templates and network, some decoy chat."""
    plan, rng = SwarmPlan.of(c.group or ""), c.rng
    style = plan.style
    rate = min(plan.member_cap, plan.campaign_rate / c.group_size)  # members share the campaign's load
    # an established swarm is busy from the first minute; a new one's members join over half an hour
    joined = start + (rng.uniform(0, 60) if plan.established else plan.launch + rng.uniform(0, 1800))
    agent = rng.choice(plan.agents)
    duty = 1.0 if plan.waves is None else plan.waves[1] / plan.waves[0]  # share of time in a wave

    def rate_at(ts: float) -> float:
        return rate / duty * style.active(ts)

    n = 0
    for w0, w1 in plan.windows(start, end):
        for ts in poisson_times(rng, max(w0, joined), w1, rate_at):
            ip, asn = plan.address(rng)
            fields = {"ip": ip, "asn": asn, "user_agent": agent}
            if rng.random() < plan.decoys:  # ordinary chat
                yield c.event(
                    n,
                    ts,
                    prompt=text.chat_prompt(rng, rng.choice(text.TOPICS)),
                    prompt_tokens=rng.randint(50, 400),
                    completion_tokens=rng.randint(50, 400),
                    stop_reason="end_turn",
                    **fields,
                )
            else:
                yield style.event(c, n, ts, **fields)
            n += 1


def enterprise_team(c: Client, start: float, end: float) -> Iterator[dict]:
    """One employee account of a company whose staff each hold an account, behind one corporate egress."""
    group, rng = _shared(c), c.rng
    net, asn = (
        f"{group.randint(20, 220)}.{group.randint(0, 250)}.{group.randint(0, 250)}",
        group.randint(30000, 39999),
    )
    favourite = rng.sample(text.TOPICS, 3)
    for n, ts in enumerate(poisson_times(rng, start, end, working_hours(rng, rng.uniform(3, 15)))):
        yield c.event(
            n,
            ts,
            prompt=text.chat_prompt(rng, rng.choice(favourite)),
            prompt_tokens=rng.randint(80, 3000),
            completion_tokens=int(rng.lognormvariate(5.3, 0.7)),
            temperature=rng.choice([None, 0.7]),
            user_agent=rng.choice(["chat-web/4.2", "office-plugin/3.1"]),
            ip=f"{net}.{group.randint(1, 4)}",
            asn=asn,
        )


def sdk_customers(c: Client, start: float, end: float) -> Iterator[dict]:
    """One small app of many built on the same SDK: its user agent and default system prompt, own cloud."""
    group, rng = _shared(c), c.rng
    agent = f"acme-sdk/{group.randint(1, 3)}.{group.randint(0, 9)}"
    prompts = AppPrompts.draw(rng, f"app-{c.client_id[-4:]}")
    for n, ts in enumerate(poisson_times(rng, start, end, diurnal(rng, rng.uniform(1, 8)))):
        yield c.event(
            n,
            ts,
            prompt=f"{_SDK_SYSTEM_PROMPT} {prompts.prompt(rng)}",
            prompt_tokens=rng.randint(200, 2500),
            completion_tokens=int(rng.lognormvariate(5.4, 0.6)),
            max_tokens=1024,
            temperature=0.7,
            user_agent=agent,
            cloud=True,
            ip_pool=2,
        )
