"""Groups of accounts that share infrastructure or content: swarms, and the look-alikes that are not.

Every member is its own account (``client_id``); what the group shares (proxy network, templates,
schedule, SDK) comes from a generator seeded by the group's name, so all members agree on it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from streams.simulate import text
from streams.simulate.client import HOUR, Client, DistillationStyle, diurnal, poisson_times, working_hours

_SDK_SYSTEM_PROMPT = "You are a helpful assistant built with the Acme SDK."


def _shared(c: Client) -> random.Random:
    return random.Random(c.group)


def swarm(c: Client, start: float, end: float) -> Iterator[dict]:
    """One account of a distillation swarm: young, low volume, shared templates and proxy network, decoys."""
    group, rng = _shared(c), c.rng
    net = f"{group.randint(20, 220)}.{group.randint(0, 250)}.{group.randint(0, 250)}"
    asn, agent = (
        group.choice((9009, 60068, 212238, 49981)),
        group.choice(("python-httpx/0.27", "node-fetch/3")),
    )
    templates = [f"[batch {k}] You are an expert tutor. Answer fully:" for k in range(group.randint(2, 5))]
    style = DistillationStyle.draw(group)
    launch = start + group.uniform(0, 6 * HOUR)
    rate = min(12.0, 1500.0 / c.group_size)  # members share the campaign's load
    begin = launch + rng.uniform(0, 1800)
    for n, ts in enumerate(poisson_times(rng, begin, end, lambda _t: rate)):
        fields = {"ip": f"{net}.{rng.randint(1, 254)}", "asn": asn, "user_agent": agent}
        if rng.random() < 0.2:  # decoy: ordinary chat
            yield c.event(
                n,
                ts,
                prompt=text.chat_prompt(rng, rng.choice(text.TOPICS)),
                prompt_tokens=rng.randint(50, 400),
                completion_tokens=rng.randint(50, 400),
                **fields,
            )
        else:
            prompt = f"{rng.choice(templates)} " + text.distillation_prompt(
                rng, rng.choice(style.topics), 0.5
            )
            yield style.event(c, n, ts, prompt=prompt, **fields)


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
    app = f"app-{c.client_id[-4:]}"
    for n, ts in enumerate(poisson_times(rng, start, end, diurnal(rng, rng.uniform(1, 8)))):
        yield c.event(
            n,
            ts,
            prompt=f"{_SDK_SYSTEM_PROMPT} {text.app_prompt(rng, app, rng.choice(text.TOPICS))}",
            prompt_tokens=rng.randint(200, 2500),
            completion_tokens=int(rng.lognormvariate(5.4, 0.6)),
            max_tokens=1024,
            temperature=0.7,
            user_agent=agent,
            cloud=True,
            ip_pool=2,
        )
