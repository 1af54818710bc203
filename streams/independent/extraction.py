"""Extraction operations, after public reports of real campaigns (see the package docstring).

An Operation is what one actor runs: a Playbook of prompts, fixed generation settings and a plan
for moving onto the newly released model. Scenario functions decide how the operation reaches the
API: one busy account, several slow keys, a swarm of small accounts, bursts, a grid walk, a narrow
harvest, a human disguise, or a side stream hidden in a legitimate product's traffic.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from . import benign
from .accounts import Account, Call, Channel, lognormal_int, paced_workers
from .catalog import HAIKU, OPUS, SONNET, SPEED, World, plan
from .network import (
    CLOUDS,
    RESIDENTIAL_BY_REGION,
    IpPool,
    cloud_pool,
    home_pool,
    pool,
    region_for_tz,
    sdk_user_agent,
)
from .seeding import py_rng
from .text_benign import chat_followup, chat_message
from .text_extraction import (
    FAMILY_ANSWER,
    LEECH_ANSWER,
    LEECH_INSTRUCTIONS,
    SWEEP_ASPECTS,
    SWEEP_TEMPLATES,
    Playbook,
    analysis_problem,
    casual,
    coding_problem,
    leech_input,
    probe_prompt,
    reasoning_problem,
)
from .timing import DAY, HOUR, MINUTE, pauses, poisson_times, sessions
from .traffic import Style, models
from .vocab import CONCEPTS, FORMS, LANGUAGES, LEVELS, STEM_SUBJECTS

# Networks operators rent or route through: hosting in many countries, VPN exits, proxy resellers.
ATTACK_CLOUDS = ("hetzner", "ovh", "digitalocean", "vultr", "aws_ap", "alibaba", "tencent", "linode", "aws")
VPN_HOSTING = ("m247", "datacamp")
ALL_RESIDENTIAL = tuple(n for nets in RESIDENTIAL_BY_REGION.values() for n in nets)
AGENT_STEPS = (3, 25)  # scripted tool-use trajectories, in calls


@dataclass
class Operation:
    playbook: Playbook
    style: Style
    length: float  # multiplier on the family's typical answer length

    def profile(self) -> tuple[float, float]:
        """(calls per episode, mean seconds per call): sizes schedules for a daily call volume."""
        families = [family for family, _ in self.playbook.templates] or ["open"]
        tps, ttft = SPEED[self.style.plan.mix[0][0]]
        calls = seconds = 0.0
        for family in families:
            median, tool_use = FAMILY_ANSWER[family]
            n = sum(AGENT_STEPS) / 2 if tool_use else 1.0
            tokens = min(median * self.length * 1.13, self.style.max_tokens)
            calls += n
            seconds += n * (ttft / 1000 + tokens / tps)
        return calls / len(families), seconds / calls


def make_operation(rng: random.Random, world: World, focus: str, templates: int, foreign_share: float = 0.0,
                   adopt_p: float = 0.8) -> Operation:
    mix = rng.choice([[(SONNET, 1.0)], [(OPUS, 1.0)], [(SONNET, 3.0), (OPUS, 1.0)],
                      [(OPUS, 2.0), (SONNET, 1.0)]])
    # Public reports: one campaign moved about half its traffic to a new model within 24 hours.
    models_ = plan(rng, world, mix, adopt_p, delay_h=(0.5, 16), share=(0.35, 0.7))
    max_tokens = rng.choice([4096, 8192, 8192, 16000, 32000, 64000])
    temperature = rng.choice([0.0, 0.0, 0.0, 0.7, 1.0, 0.6, None])  # fixed for the whole operation
    style = Style(models_, max_tokens, temperature, rng.choice([0, 0, rng.randrange(200, 3000)]))
    return Operation(Playbook(rng, focus, templates, foreign_share), style, rng.uniform(0.7, 1.6))


def episode(a: Account, ch: Channel, t: float, op: Operation) -> Call:
    """One distillation sample: a single call, or a scripted multi-step tool-use trajectory.

    Returns the last call; its timestamp plus latency is when the worker is free again.
    """
    rng = a.rng
    style = op.style
    text, family = op.playbook.prompt(rng)
    median, tool_use = FAMILY_ANSWER[family]
    model = style.plan.pick(rng, t)
    steps = rng.randrange(*AGENT_STEPS) if tool_use else 1
    context = style.system_tokens
    for k in range(steps):
        last = k == steps - 1
        answer = lognormal_int(rng, median * op.length * (2.5 if tool_use and last else 1), 0.5)
        call = a.call(t, ch, model, text, context, answer, style.max_tokens, style.temperature,
                      "tool_use" if tool_use and not last else "end_turn")
        context = call.prompt_tokens + call.completion_tokens
        t += call.latency_ms / 1000 + rng.uniform(0.05, 0.6)  # fabricated tool results come back instantly
        text = op.playbook.agent_step(rng)
    return call


def _attacker_age(a: Account, new_p: float = 0.7, max_days: float = 30) -> None:
    """Mostly freshly registered accounts; some bought or repurposed aged ones."""
    if a.rng.random() < new_p:
        a.fresh(max_days)
    else:
        a.aged(30, 500)


def _attack_ips(rng: random.Random) -> IpPool:
    style = rng.choice(["cloud", "cloud", "vpn", "proxy"])
    if style == "cloud":
        return cloud_pool(rng, rng.randrange(1, 9), rng.choice(ATTACK_CLOUDS))
    if style == "vpn":
        return pool(rng, VPN_HOSTING, rng.randrange(2, 30), "session", hold=rng.uniform(300, 3600))
    return pool(rng, ALL_RESIDENTIAL, rng.randrange(200, 2000), rng.choice(["rotate", "session"]),
                hold=rng.uniform(60, 1800), v6_share=0.1)


def _attack_channel(a: Account, keys: int) -> Channel:
    return Channel(a.new_keys(keys), _attack_ips(a.rng), sdk_user_agent(a.rng),
                   a.rng.choice(["/v1/messages", "/v1/messages", "/v1/chat/completions"]))


def bulk(a: Account, focus: str, templates: tuple[int, int], foreign_share: float = 0.0) -> None:
    """High-volume distillation around the clock through one account and a few keys."""
    rng = a.rng
    _attacker_age(a, 0.6)
    a.limits(rng.choice([2000, 4000, 4000]), rng.choice([2, 3, 5]), rng.uniform(0.0005, 0.003))
    op = make_operation(rng, a.world, focus, rng.randrange(*templates), foreign_share)
    ch = _attack_channel(a, rng.randrange(1, 7))
    outages = pauses(rng, *a.window, rng.uniform(0, 2), 10 * MINUTE, 3 * HOUR)  # crashes, key swaps
    per_day = rng.uniform(2500, 9000)
    paced_workers(rng, *a.window, per_day, op.profile()[1], lambda t: episode(a, ch, t, op), outages)


def bulk_agentic_coding(a: Account) -> None:
    """Agentic coding and tool-use trajectories, a few templates."""
    bulk(a, "agentic_coding", (1, 5))


def bulk_reasoning_traces(a: Account) -> None:
    """Step-by-step reasoning, rubric grading and careful rewrites, a few templates."""
    bulk(a, "reasoning", (1, 4))


def bulk_selfinstruct_multilingual(a: Account) -> None:
    """No template at all: LLM-written questions, many not in English (as in Google's report)."""
    bulk(a, "general", (0, 1), a.rng.uniform(0.3, 0.7))


def low_and_slow(a: Account, keys: tuple[int, int]) -> None:
    """The same harvest at a few hundred requests a day, well under any rate limit."""
    rng = a.rng
    _attacker_age(a, 0.5)
    a.tier()
    op = make_operation(rng, a.world, rng.choice(["reasoning", "agentic_coding", "analysis", "general"]),
                        rng.randrange(0, 4), rng.choice([0.0, 0.0, 0.3]))
    ips = _attack_ips(rng) if rng.random() < 0.6 else home_pool(rng, a.tz, rng.randrange(1, 3))
    ch = Channel(a.new_keys(rng.randrange(*keys)), ips, sdk_user_agent(rng))
    episodes_per_day = rng.uniform(120, 500) / op.profile()[0]
    if rng.random() < 0.5:  # a cron-like pacer: fixed interval with jitter
        step = DAY / episodes_per_day
        t = a.active_from + rng.uniform(0, step)
        while t < a.active_to:
            episode(a, ch, t, op)
            t += step * rng.uniform(0.6, 1.4)
    else:
        for t in poisson_times(a.nrng, *a.window, episodes_per_day, a.shape(rng.choice(["flat", "global"]))):
            episode(a, ch, float(t), op)


def low_slow_single_key(a: Account) -> None:
    """One key, a few hundred requests a day."""
    low_and_slow(a, (1, 2))


def low_slow_multi_key(a: Account) -> None:
    """The slow harvest spread over several keys of one account."""
    low_and_slow(a, (2, 6))


@dataclass
class Swarm:
    """One hydra-style campaign shared by its member accounts."""

    op: Operation
    user_agents: list[str]
    ips: list[tuple[str, int]]
    rotate: str
    waves: list[tuple[float, float]]
    wave_share: float  # share of each member's volume sent inside the synchronised waves
    mixed_share: float  # share of unrelated customer traffic a proxy reseller blends in
    old_share: float  # members enlisted before the window began
    creations: list[float]  # batch registration times of the newer members


def make_swarm(world: World, name: str, residential: bool) -> Swarm:
    """Campaign-level choices: playbook, shared scripts and infrastructure, synchronised waves."""
    rng = py_rng(world.seed, name, "campaign")
    focus = rng.choice(["agentic_coding", "reasoning", "general"])
    op = make_operation(rng, world, focus, rng.randrange(1, 6), rng.choice([0.0, 0.2]), adopt_p=0.9)
    if residential:  # rotating residential proxies all over the world
        ips = pool(rng, ALL_RESIDENTIAL, rng.randrange(1500, 5000), v6_share=0.15).members
    else:  # one cloud's address ranges
        ips = pool(rng, [rng.choice(["alibaba", "tencent", "aws_ap", "hetzner", "ovh", "vultr"])],
                   rng.randrange(120, 400)).members
    period = rng.uniform(1.5, 4) * HOUR
    waves, t = [], world.start - rng.uniform(0, period)
    while t < world.end:
        waves.append((t, t + rng.uniform(12, 45) * MINUTE))
        t += period * rng.uniform(0.85, 1.15)
    span = world.end - world.start
    creations = sorted([world.start - rng.uniform(0.5, 6) * DAY for _ in range(3)]
                       + [world.start + rng.uniform(0.05, 0.8) * span for _ in range(3)])
    return Swarm(op=op, user_agents=[sdk_user_agent(rng) for _ in range(rng.randrange(1, 3))], ips=ips,
                 rotate=rng.choice(["rotate", "session"]), waves=waves,
                 wave_share=rng.uniform(0.3, 0.7) if residential else rng.uniform(0.5, 0.9),
                 mixed_share=rng.uniform(0.1, 0.3) if residential else 0.0,
                 old_share=0.3 if residential else 0.85, creations=creations)


def swarm_member(a: Account, camp: Swarm) -> None:
    """A small account of a swarm: low volume, shared scripts and IP ranges, co-timed waves."""
    rng = a.rng
    if rng.random() < camp.old_share:  # enlisted before the window began
        a.aged(15, 120)
        a.send_created_at = rng.random() < 0.15
    else:  # registered in batches, some while the window runs (replacing banned accounts)
        a.created_at = rng.choice(camp.creations) + rng.uniform(0, 40) * MINUTE
        a.send_created_at = rng.random() < 0.7
        a.active_from = max(a.world.start, a.created_at + rng.uniform(5, 120) * MINUTE)
    if rng.random() < 0.25:  # banned or rotated out before the window ends
        a.active_to = rng.uniform(a.active_from, a.world.end)
    a.limits(rng.choice([50, 50, 1000]), 2, 0.002)
    members = rng.sample(camp.ips, min(len(camp.ips), rng.randrange(3, 25)))
    ips = IpPool(members, camp.rotate, rng.uniform(120, 1200), rng.randrange(1000))
    ch = Channel(a.new_keys(rng.choice([1, 1, 2])), ips, rng.choice(camp.user_agents))
    episodes = rng.uniform(40, 300) / camp.op.profile()[0]  # a day
    per_wave = episodes * camp.wave_share * (a.world.end - a.world.start) / DAY / max(1, len(camp.waves))
    times = [float(t) for t in poisson_times(a.nrng, *a.window, episodes * (1 - camp.wave_share), None)]
    for w0, w1 in camp.waves:
        lo, hi = max(w0, a.active_from), min(w1, a.active_to)
        if hi > lo:
            count = int(a.nrng.poisson(per_wave * (hi - lo) / (w1 - w0)))
            times += [rng.uniform(lo, hi) for _ in range(count)]
    chat = Style(models(a, "balanced", 0.0), 4096, None)
    for t in sorted(times):
        if rng.random() < camp.mixed_share:  # the reseller's unrelated customers share the account
            a.call(t, ch, chat.plan.pick(rng, t), chat_message(rng, 0.3), rng.randrange(0, 3000),
                   lognormal_int(rng, 400, 0.8), chat.max_tokens, chat.temperature)
        else:
            episode(a, ch, t, camp.op)


def burst(a: Account) -> None:
    """Short floods far above the rate limit (429s and retries), then silence."""
    rng = a.rng
    _attacker_age(a, 0.8, 10)
    a.limits(rng.choice([50, 50, 100]), rng.choice([0, 1, 2]), 0.002)
    op = make_operation(rng, a.world, rng.choice(["reasoning", "general", "analysis"]), rng.randrange(0, 4))
    style = op.style
    ch = _attack_channel(a, rng.randrange(1, 3))
    for _ in range(max(1, round(rng.uniform(2, 6) * (a.active_to - a.active_from) / DAY))):
        t0 = rng.uniform(*a.window)
        length = rng.uniform(2, 8) * MINUTE
        rate = rng.uniform(1, 4)  # requests a second: several times what a new account's tier allows
        for t in sorted(rng.uniform(t0, t0 + length) for _ in range(int(rate * length))):
            text, family = op.playbook.prompt(rng)
            answer = lognormal_int(rng, FAMILY_ANSWER[family][0] * op.length, 0.5)
            a.call(t, ch, style.plan.pick(rng, t), text, style.system_tokens, answer, style.max_tokens,
                   style.temperature)


def sweep(a: Account) -> None:
    """A systematic grid walk (topic x level x form) through one template, in order."""
    rng = a.rng
    _attacker_age(a, 0.6)
    a.tier()
    all_topics = CONCEPTS + [f"{subject}: {aspect}" for subject in STEM_SUBJECTS for aspect in SWEEP_ASPECTS]
    axes = [rng.sample(all_topics, rng.randrange(len(all_topics) // 3, len(all_topics))),
            rng.sample(LEVELS, rng.randrange(3, len(LEVELS) + 1)),
            rng.sample(FORMS, rng.randrange(3, len(FORMS) + 1))]
    names = ["topic", "level", "form"]
    order = rng.sample(range(3), 3)  # which axis varies fastest differs between operators
    grid = math.prod(len(axis) for axis in axes)
    template = rng.choice(SWEEP_TEMPLATES)
    position = rng.randrange(grid)  # the walk began before the window
    op = make_operation(rng, a.world, "reasoning", 1)
    style = op.style
    ch = _attack_channel(a, rng.randrange(1, 3))

    def next_cell(t: float) -> Call:
        nonlocal position
        index, slots = position % grid, {}
        for axis in order:
            index, k = divmod(index, len(axes[axis]))
            slots[names[axis]] = axes[axis][k]
        position += 1
        return a.call(t, ch, style.plan.pick(rng, t), template.format(**slots), style.system_tokens,
                      lognormal_int(rng, 1500 * op.length, 0.4), style.max_tokens, style.temperature)

    outages = pauses(rng, *a.window, rng.uniform(0, 2), 20 * MINUTE, 4 * HOUR)
    paced_workers(rng, *a.window, rng.uniform(800, 4000), op.profile()[1], next_cell, outages)


def leeching(a: Account, capability: str) -> None:
    """Harvesting one narrow capability on fresh scraped inputs, short answers, for days."""
    rng = a.rng
    _attacker_age(a, 0.8, 12)
    a.limits(rng.choice([1000, 2000, 4000]), 3, 0.002)
    instruction = rng.choice(LEECH_INSTRUCTIONS[capability]).replace("{lang}", rng.choice(LANGUAGES))
    model = rng.choice([SONNET, SONNET, OPUS, HAIKU])
    ch = _attack_channel(a, rng.randrange(1, 4))
    median = LEECH_ANSWER[capability]
    max_tokens, temperature = rng.choice([median * 4, 1024, 2048]), rng.choice([0.0, 0.0, None])

    def harvest(t: float) -> Call:
        prompt = instruction.replace("{x}", leech_input(rng, capability))
        answer = lognormal_int(rng, median, 0.5)
        return a.call(t, ch, model, prompt, rng.randrange(0, 300), answer, max_tokens, temperature)

    per_day = rng.uniform(1500, 8000)
    if rng.random() < 0.5:
        for t in poisson_times(a.nrng, *a.window, per_day, None):
            harvest(float(t))
    else:
        paced_workers(rng, *a.window, per_day, SPEED[model][1] / 1000 + median / SPEED[model][0], harvest)


def _leech(capability: str) -> Callable[[Account], None]:
    def build(a: Account) -> None:
        leeching(a, capability)

    build.__doc__ = f"Leeching the {capability} capability."
    return build


LEECHES = {f"leech_{capability}": _leech(capability) for capability in LEECH_ANSWER}


def mimicry(a: Account) -> None:
    """Distillation shaped to look human: office hours, conversations, casual varied phrasing."""
    rng = a.rng
    _attacker_age(a, 0.4)
    a.tier()
    ips = pool(rng, RESIDENTIAL_BY_REGION[region_for_tz(a.tz)], rng.randrange(2, 12), "session",
               hold=rng.uniform(1800, 7200), v6_share=0.2)
    ch = Channel(a.new_keys(rng.randrange(1, 3)), ips, sdk_user_agent(rng))
    mix = [(SONNET, 3.0), (OPUS, rng.uniform(0.5, 3))]
    plan_ = plan(rng, a.world, mix, 0.7, delay_h=(2, 20), share=(0.3, 0.6))
    tasks = [reasoning_problem, coding_problem, analysis_problem]
    shape = a.shape(rng.choice(["office", "developer"]))
    convs = sessions(a.nrng, rng, *a.window, rng.uniform(30, 140), shape, rng.uniform(2, 6),
                     rng.uniform(60, 240))
    for turns in convs:
        model, history = plan_.pick(rng, turns[0]), rng.choice([0, 0, 400])
        for k, ts in enumerate(turns):
            text = casual(rng, rng.choice(tasks)(rng)) if k == 0 or rng.random() < 0.6 else chat_followup(rng)
            call = a.call(ts, ch, model, text, history, lognormal_int(rng, 1500, 0.5),
                          rng.choice([4096, 8192, 16000]), rng.choice([None, None, 0.7, 1.0]))
            history = call.prompt_tokens + call.completion_tokens


HOSTS = (benign.rag_app, benign.writing_app, benign.consumer_app, benign.aggregator_gateway,
         benign.coding_agent)


def siphon(a: Account) -> None:
    """A legitimate product whose account also carries a 10-25% distillation side stream."""
    rng = a.rng
    rng.choice(HOSTS)(a)
    host_calls = list(a.calls)
    if not host_calls:
        return
    focus = rng.choice(["agentic_coding", "reasoning", "general"])
    op = make_operation(rng, a.world, focus, rng.randrange(1, 4))
    # The side stream moves onto the new model quickly, whatever the product does.
    op.style.plan = plan(rng, a.world, op.style.plan.mix, 1.0, delay_h=(0.2, 6), share=(0.5, 0.9))
    share = rng.uniform(0.10, 0.25)
    episodes = int(len(host_calls) * share / (1 - share) / op.profile()[0])
    sample = rng.choice(host_calls)
    how = rng.choices(["key", "user_agent", "same"], [5, 3, 2])[0]
    keys = a.new_keys(1) if how == "key" else [sample.key]
    if rng.random() < 0.7:  # from the product's own servers
        ips = IpPool(sorted({(c.ip, c.asn) for c in host_calls[:200]}))
    else:
        ips = cloud_pool(rng, rng.randrange(1, 4), rng.choice(CLOUDS))
    ua = sdk_user_agent(rng) if how == "user_agent" else sample.user_agent
    ch = Channel(keys, ips, ua, sample.endpoint)
    if rng.random() < 0.5:  # hidden inside the product's busy hours
        hosts = rng.sample(host_calls, min(episodes, len(host_calls)))
        times = [c.ts + rng.uniform(-300, 300) for c in hosts]
    else:
        rate = episodes * DAY / (a.active_to - a.active_from)
        times = [float(t) for t in poisson_times(a.nrng, *a.window, rate, None)]
    for t in sorted(times):
        if a.active_from <= t < a.active_to:
            episode(a, ch, t, op)


def param_probe(a: Account) -> None:
    """Parameter-stealing style probing: one-token answers to systematically varied prompts."""
    rng = a.rng
    _attacker_age(a, 0.9, 5)
    a.limits(rng.choice([1000, 2000]), 2, 0.01)
    ch = Channel(a.new_keys(1), _attack_ips(rng), rng.choice(["python-requests/2.32.3", sdk_user_agent(rng)]))
    prefix = rng.choice(["The next word is", "Continue:", "Repeat after me:", "x x x x"])
    model = rng.choice([HAIKU, SONNET])
    for t in poisson_times(a.nrng, *a.window, rng.uniform(1500, 6000), None):
        a.call(float(t), ch, model, probe_prompt(rng, prefix), 0, 1, 1, 0.0)
