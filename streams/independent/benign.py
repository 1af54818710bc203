"""Benign customers, including the hard negatives public write-ups warn about.

Every assumption is drawn per account: time zone and daily curve, volume, models and settings,
keys and networks, account age, which optional fields the gateway forwards.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from .accounts import Account, Channel, lognormal_int
from .catalog import HAIKU, LEGACY, NEW_MODEL, OPUS, SONNET, ModelPlan
from .network import cli_user_agent, cloud_pool, home_pool, pool, sdk_user_agent
from .seeding import py_rng
from .text_benchmarks import SUITES, benchmark_item
from .text_benign import (
    agent_turn,
    chat_followup,
    chat_message,
    ci_prompt,
    coding_task,
    pipeline_input,
    rag_prompt,
    roleplay_turn,
    support_message,
    synthetic_data_request,
    tool_result_json,
    trial_prompt,
    writing_request,
)
from .timing import DAY, HOUR, MINUTE, poisson_times, sessions
from .traffic import Style, agent_session, conversations, models, stream, suite_run
from .vocab import LANGUAGES, RAG_DOMAINS

MESSAGES, CHAT_COMPLETIONS, BATCHES = "/v1/messages", "/v1/chat/completions", "/v1/messages/batches"


def _endpoint(a: Account, chat_share: float = 0.3) -> str:
    return CHAT_COMPLETIONS if a.rng.random() < chat_share else MESSAGES


def _maybe_new(a: Account, p: float, max_days: float = 20, inside: float = 0.1) -> None:
    """Some customers of every kind signed up recently."""
    if a.rng.random() < p:
        a.fresh(max_days, inside)


def _one(model: str) -> ModelPlan:
    return ModelPlan([(model, 1.0)])


def _local_days(a: Account) -> list[float]:
    """Local midnights (as epoch seconds) of every day touching the window, plus the day before."""
    first = (a.world.start + a.tz * HOUR) // DAY * DAY - a.tz * HOUR - DAY
    return [first + d * DAY for d in range(int((a.world.end - first) // DAY) + 1)]


def chat_individual(a: Account) -> None:
    """A person or small team chatting through their own scripts or a self-hosted UI."""
    rng = a.rng
    _maybe_new(a, 0.2)
    a.tier()
    ch = Channel(a.new_keys(rng.choice([1, 1, 1, 2])), home_pool(rng, a.tz, rng.randrange(1, 4)),
                 sdk_user_agent(rng), _endpoint(a))
    shape = a.shape(rng.choice(["developer", "consumer", "office"]))
    convs = sessions(a.nrng, rng, *a.window, rng.uniform(2, 25), shape, rng.uniform(2, 7),
                     rng.uniform(30, 150))
    style = Style(models(a, rng.choice(["balanced", "strong", "cheap"]), 0.25),
                  rng.choice([1024, 4096, 8192]), rng.choice([None, None, 0.7, 1.0, 0.5]),
                  rng.choice([0, 0, 150, 600]))
    conversations(a, ch, convs, style, chat_message, chat_followup, rng.uniform(250, 700))


def coding_agent(a: Account) -> None:
    """Developers running a terminal or IDE agent: bursts of rapid calls with huge, growing contexts."""
    rng = a.rng
    _maybe_new(a, 0.15)
    a.limits(rng.choice([1000, 2000, 4000]), 10, 0.001)
    ua = cli_user_agent(rng)
    office = None
    if rng.random() < 0.4:  # a team in one office rather than everyone at home
        office = pool(rng, ["zscaler", "lumen", "comcast", "dtag"], rng.randrange(1, 3))
    shape = a.shape("developer")
    style = Style(models(a, rng.choice(["strong", "balanced"]), 0.45, delay_h=(0.5, 12), share=(0.2, 0.8)),
                  rng.choice([8192, 16000, 32000, 64000]), rng.choice([None, 1.0, 0.0]),
                  rng.randrange(9_000, 25_000))  # system prompt, tool schemas, project notes
    side_model = HAIKU if rng.random() < 0.7 else None
    devs = 1 + int(rng.paretovariate(1.6)) if rng.random() < 0.6 else 1
    for _ in range(min(devs, 12)):
        ch = Channel(a.new_keys(1), office or home_pool(rng, a.tz, rng.randrange(1, 3)), ua, MESSAGES)
        free_at = 0.0
        for start in poisson_times(a.nrng, *a.window, rng.uniform(1.5, 8), shape):
            if start >= free_at:  # one person drives one session at a time
                calls = lognormal_int(rng, 35, 0.8, 3)
                free_at = agent_session(a, ch, float(start), style, calls, coding_task, agent_turn,
                                        side_model)


def rag_app(a: Account) -> None:
    """Document Q&A: long retrieved context, short grounded answers."""
    rng = a.rng
    _maybe_new(a, 0.15)
    a.limits(rng.choice([2000, 4000, 8000]), 2, rng.uniform(0.0005, 0.004))
    ch = Channel(a.new_keys(rng.randrange(1, 4)), cloud_pool(rng, rng.randrange(1, 5)), sdk_user_agent(rng),
                 _endpoint(a))
    domain = rng.choice(list(RAG_DOMAINS))
    retrieved = rng.uniform(2000, 14000)
    shape = a.shape(rng.choice(["office", "global", "consumer"]))
    style = Style(models(a, rng.choice(["cheap", "balanced"]), 0.15), rng.choice([512, 1024, 2048]),
                  rng.choice([0.0, 0.0, 0.2, None]))
    stream(a, ch, poisson_times(a.nrng, *a.window, rng.uniform(200, 2800), shape), style,
           lambda r: rag_prompt(r, domain), lambda r: lognormal_int(r, retrieved, 0.5),
           lambda r: lognormal_int(r, 180, 0.6))


def batch_etl(a: Account) -> None:
    """Scheduled summarisation/ETL jobs: one template, high volume, regular timing."""
    rng = a.rng
    a.limits(rng.choice([4000, 8000]), 3, 0.001)
    kind = rng.choice(["ticket", "review", "invoice"])
    instruction = rng.choice([
        "Summarize the following in 3 bullet points, then give the customer's sentiment as one word.",
        "Return JSON with keys issue, sentiment, resolution, urgency for the record below.",
        "Write a one-paragraph summary for the weekly report. Do not include personal data.",
        "Extract action items and owners from the text. Output a markdown list.",
    ])
    batch_api = rng.random() < 0.3  # the batch endpoint runs a job with very high concurrency
    ch = Channel(a.new_keys(rng.randrange(1, 3)), cloud_pool(rng, rng.randrange(1, 4)), sdk_user_agent(rng),
                 BATCHES if batch_api else _endpoint(a, 0.2))
    model = models(a, "cheap", 0.0).mix[0][0]
    style = Style(_one(model), rng.choice([512, 1024]), 0.0, rng.randrange(50, 400))
    every = rng.choice([DAY, DAY, 12 * HOUR, 6 * HOUR, 4 * HOUR])
    workers = rng.randrange(80, 300) if batch_api else rng.randrange(4, 24)
    per_run = lognormal_int(rng, 1800 * every / DAY, 0.6, 150)
    t = _local_days(a)[0] + (rng.uniform(0.5, 4.0) * HOUR if every == DAY else rng.uniform(0, every))
    while t < a.active_to:
        if t + 4 * HOUR > a.active_from:
            items = [f"{instruction}\n\n{pipeline_input(rng, kind)}" for _ in range(per_run)]
            suite_run(a, ch, max(t, a.active_from) + rng.uniform(0, 120), items, style, workers,
                      lambda r: lognormal_int(r, 170, 0.5))
        t += every


def eval_harness(a: Account) -> None:
    """Evaluation harnesses: the same public suites rerun daily, and again when a new model ships."""
    rng = a.rng
    a.limits(rng.choice([2000, 4000]), 5, 0.0005)
    ua = rng.choice(["python-httpx/0.27.2", "OpenAI/Python 1.82.0", "Anthropic/Python 0.60.0",
                     "lm-eval/0.4.8"])
    ch = Channel(a.new_keys(rng.randrange(1, 3)), cloud_pool(rng, rng.randrange(1, 3)), ua, _endpoint(a, 0.5))
    suites = rng.sample(list(SUITES), rng.randrange(1, 4))
    cot = rng.random() < 0.6
    workers, max_tokens = rng.randrange(4, 24), rng.choice([256, 512, 1024, 2048])
    shots = rng.choice([0, 600, 1800])  # few-shot examples sent with every item
    base = rng.choice([SONNET, HAIKU, LEGACY[1]])
    runs = [(day + rng.uniform(0, DAY), base) for day in _local_days(a)]
    if rng.random() < 0.8:
        runs.append((a.world.release_at + rng.uniform(0.3, 8) * HOUR, NEW_MODEL))
    for t0, model in sorted(runs):
        if not a.active_from <= t0 < a.active_to:
            continue
        for suite in suites:
            size = min(SUITES[suite], rng.choice([SUITES[suite], 500, 1000]))
            suffix = "\n\nLet's think step by step." if cot and suite == "gsm_like" else ""
            median = 300 if suffix else {"mmlu_like": 2, "humaneval_like": 180}.get(suite, 350)
            items = [benchmark_item(suite, i) + suffix for i in range(size)]
            suite_run(a, ch, t0, items, Style(_one(model), max_tokens, 0.0, shots), workers,
                      lambda r, m=median: lognormal_int(r, m, 0.4))
            t0 += rng.uniform(60, 900)


def ci_bot(a: Account) -> None:
    """CI jobs on pushes or cron: near-duplicate prompts, reruns of identical prompts."""
    rng = a.rng
    a.limits(1000, rng.choice([0, 2]), 0.002)
    if rng.random() < 0.6:  # hosted CI runners: a different cloud address almost every job
        runners = pool(rng, ["azure"], rng.randrange(20, 200), "rotate")
    else:
        runners = cloud_pool(rng, 1)
    ua = rng.choice(["python-requests/2.32.3", "node-fetch/1.0", sdk_user_agent(rng)])
    ch = Channel(a.new_keys(1), runners, ua, _endpoint(a, 0.4))
    instruction = rng.choice(["Review this diff. List bugs and risky changes only, as bullet points.",
                              "Write a one-line conventional-commit summary for this change.",
                              "Explain why this CI step failed and suggest the smallest fix.",
                              "Check this change for security issues (secrets, injection, authz)."])
    model = models(a, rng.choice(["cheap", "balanced"]), 0.0).mix[0][0]
    max_tokens, temperature = rng.choice([512, 1024, 2048]), rng.choice([0.0, 0.2, None])
    if rng.random() < 0.4:  # scheduled jobs (nightly audits, hourly triage) rather than pushes
        every = rng.choice([15, 30, 60, 120]) * MINUTE
        first = a.world.start + rng.uniform(0, every)
        triggers = [first + k * every for k in range(int((a.active_to - first) // every) + 1)]
    else:
        pushes = poisson_times(a.nrng, *a.window, rng.uniform(8, 90), a.shape("developer"))
        triggers = [float(t) for t in pushes]
    last: list[str] = []
    for trigger in triggers:
        if trigger < a.active_from:
            continue
        if not last or rng.random() > 0.25:  # otherwise a rerun of the same job sends the same prompts
            last = [ci_prompt(rng, instruction) for _ in range(rng.randrange(1, 6))]
        t = trigger + rng.uniform(20, 240)  # the job starts after checkout and setup
        for text in last:
            answer = lognormal_int(rng, 250, 0.6)
            call = a.call(t, ch, model, text, rng.randrange(100, 3000), answer, max_tokens, temperature)
            t += call.latency_ms / 1000 + rng.uniform(0.5, 5)


def _internal_app(kind: str, domain: str) -> Callable[[random.Random], str]:
    if kind == "rag":
        return lambda r: rag_prompt(r, domain)
    if kind == "writing":
        return writing_request
    return lambda r: ci_prompt(r, "Review this change for our coding standards.")


def enterprise_multi_key(a: Account) -> None:
    """Many internal apps and teams, each with its own key, all behind one corporate egress."""
    rng = a.rng
    a.limits(rng.choice([8000, 20000]), 2, 0.002)
    egress = pool(rng, [rng.choice(["zscaler", "lumen", "att", "dtag", "bt"])], rng.randrange(2, 7))
    shape = a.shape("office")
    total = rng.uniform(1000, 5500)
    shares = [rng.paretovariate(1.1) for _ in range(rng.randrange(10, 50))]
    for share in shares:
        ch = Channel(a.new_keys(1), egress, sdk_user_agent(rng), _endpoint(a))
        per_day = total * share / sum(shares)
        kind = rng.choice(["chat", "chat", "rag", "writing", "review"])
        style = Style(models(a, rng.choice(["balanced", "cheap", "strong"]), 0.2), 4096,
                      rng.choice([None, 0.3, 0.7]), rng.randrange(0, 1500))
        if kind == "chat":
            convs = sessions(a.nrng, rng, *a.window, per_day / 3, shape, 3, 90)
            conversations(a, ch, convs, style, chat_message, chat_followup, 400)
        else:
            stream(a, ch, poisson_times(a.nrng, *a.window, per_day, shape), style,
                   _internal_app(kind, rng.choice(list(RAG_DOMAINS))), lambda r: r.randrange(200, 9000),
                   lambda r: lognormal_int(r, 450, 0.8))


def consumer_app(a: Account) -> None:
    """A consumer product: many end users behind one key, a daily cycle, short chat turns."""
    rng = a.rng
    _maybe_new(a, 0.2, 40)
    a.limits(rng.choice([8000, 20000]), 2, 0.001)
    ch = Channel(a.new_keys(rng.choice([1, 1, 2])), cloud_pool(rng, rng.randrange(2, 9)), sdk_user_agent(rng),
                 _endpoint(a))
    convs = sessions(a.nrng, rng, *a.window, rng.uniform(250, 1400), a.shape("consumer"), rng.uniform(2.5, 6),
                     rng.uniform(15, 60))
    style = Style(models(a, "cheap", 0.1), rng.choice([512, 1024]), rng.choice([0.7, 0.8, 1.0]),
                  rng.randrange(300, 2500))
    conversations(a, ch, convs, style, chat_message, chat_followup, rng.uniform(80, 300))


def aggregator_gateway(a: Account) -> None:
    """A multi-tenant gateway: many end users behind one key, novel prompts, long answers, 24/7.

    Each end user picks the model and settings; gateways list a new model on release day.
    """
    rng = a.rng
    a.limits(rng.choice([20000, 50000]), 1, 0.004)
    ua = rng.choice(["OpenAI/Python 1.99.1", f"gateway/{rng.randrange(1, 4)}.{rng.randrange(0, 20)}"])
    ch = Channel(a.new_keys(rng.randrange(1, 4)), cloud_pool(rng, rng.randrange(5, 21)), ua, CHAT_COMPLETIONS)
    plan_ = models(a, "wide", 1.0, delay_h=(0.1, 2), share=(0.1, 0.35))
    shape = a.shape(rng.choice(["global", "flat"]))
    openers = (roleplay_turn, coding_task, chat_message, writing_request, agent_turn)
    weights = (3, 2.5, 2.5, 1, 1)  # roleplay and coding lead public gateway statistics
    convs = sessions(a.nrng, rng, *a.window, rng.uniform(800, 3000), shape, rng.uniform(2, 5),
                     rng.uniform(20, 90))
    for turns in convs:
        opener = rng.choices(openers, weights)[0]
        style = Style(plan_, rng.choice([1024, 4096, 8192, 32000]),
                      rng.choice([None, None, 0.7, 1.0, 0.3, 0.0]), rng.randrange(0, 3000))
        followup = roleplay_turn if opener is roleplay_turn else chat_followup
        conversations(a, ch, [turns], style, opener, followup, rng.uniform(300, 1200))


def moderation_classifier(a: Account) -> None:
    """Content moderation around the clock: tiny answers, temperature 0, follows user activity."""
    rng = a.rng
    a.limits(rng.choice([8000, 20000]), 2, 0.0005)
    ch = Channel(a.new_keys(rng.randrange(1, 3)), cloud_pool(rng, rng.randrange(1, 5)), sdk_user_agent(rng),
                 _endpoint(a))
    instruction = rng.choice([
        "Classify the user message into one of: safe, spam, harassment, hate, self_harm, sexual, violence. "
        "Reply with the label only.\n\nMessage: ",
        'You are a content moderator. Return JSON {"flag": bool, "category": string} for:\n',
        "Is the following comment toxic? Answer yes or no.\n",
    ])
    shape = a.shape(rng.choice(["consumer", "global"]))
    style = Style(models(a, "cheap", 0.05), rng.choice([16, 32, 64, 128]), 0.0)
    stream(a, ch, poisson_times(a.nrng, *a.window, rng.uniform(800, 5000), shape), style,
           lambda r: instruction + pipeline_input(r, "post"), lambda r: r.randrange(0, 400),
           lambda r: lognormal_int(r, 8, 0.6))


def translation_service(a: Account) -> None:
    """Localisation and translation: output about as long as the input."""
    rng = a.rng
    _maybe_new(a, 0.15)
    a.limits(rng.choice([4000, 8000]), 2, 0.001)
    ch = Channel(a.new_keys(rng.randrange(1, 3)), cloud_pool(rng, rng.randrange(1, 4)), sdk_user_agent(rng),
                 _endpoint(a))
    targets = rng.sample(LANGUAGES, rng.randrange(1, 8))
    kind = rng.choice(["ui", "ticket"])

    def prompt(r: random.Random) -> str:
        instruction = f"Translate the text into {r.choice(targets)}. Keep placeholders and formatting."
        return f"{instruction}\n\n{pipeline_input(r, kind)}"

    shape = a.shape(rng.choice(["office", "global"]))
    style = Style(models(a, rng.choice(["cheap", "balanced"]), 0.1), 2048, rng.choice([0.0, 0.2, 0.3, None]))
    stream(a, ch, poisson_times(a.nrng, *a.window, rng.uniform(700, 6000), shape), style, prompt,
           lambda r: r.randrange(20, 300), lambda r: lognormal_int(r, 90 if kind == "ui" else 160, 0.5))


def synthetic_data_team(a: Account) -> None:
    """A team generating training data for its own models: templated, long outputs, work hours."""
    rng = a.rng
    a.limits(rng.choice([2000, 4000]), 3, 0.002)
    ch = Channel(a.new_keys(rng.randrange(1, 4)), pool(rng, ["aws", "gcp", "zscaler"], rng.randrange(1, 4)),
                 sdk_user_agent(rng), MESSAGES)
    task = rng.choice(["customer-support dialogues", "intent classification utterances", "FAQ entries",
                       "SQL question/answer pairs", "product reviews with star ratings",
                       "named-entity annotations"])
    style = Style(models(a, rng.choice(["balanced", "strong"]), 0.3), rng.choice([4096, 8192]),
                  rng.choice([0.8, 0.9, 1.0]))
    for day in _local_days(a):
        weekday = int((day + a.tz * HOUR) // DAY + 3) % 7
        if (weekday >= 5 and rng.random() > 0.2) or rng.random() > 0.75:
            continue
        t0 = day + rng.uniform(9, 15) * HOUR
        t1 = min(t0 + rng.uniform(1, 6) * HOUR, a.active_to)
        for _ in range(rng.randrange(1, 8)):  # a handful of scripts run side by side
            t = max(t0, a.active_from) + rng.uniform(0, 60)
            while t < t1:
                call = a.call(t, ch, style.plan.pick(rng, t), synthetic_data_request(rng, task),
                              rng.randrange(200, 900), lognormal_int(rng, 1400, 0.5), style.max_tokens,
                              style.temperature)
                t += call.latency_ms / 1000 + rng.uniform(0.1, 3)


@dataclass
class Sdk:
    """A third-party SDK many small customers build on: one user agent, one default preamble."""

    user_agent: str
    preamble: str
    inline: bool  # the SDK puts its preamble into the user turn instead of the system prompt
    style: Style
    hosting: str


def make_sdk(seed: int) -> Sdk:
    rng = py_rng(seed, "sdk")
    ua = f"chatkit-sdk/{rng.randrange(1, 4)}.{rng.randrange(0, 12)}.{rng.randrange(0, 9)} (python)"
    style = Style(_one(HAIKU), 1024, rng.choice([0.7, None]), rng.randrange(300, 900))
    preamble = "You are a helpful assistant embedded in a customer's website. Answer clearly and briefly."
    return Sdk(ua, preamble, rng.random() < 0.5, style, rng.choice(["aws", "gcp"]))


def sdk_customer(a: Account, sdk: Sdk) -> None:
    """A small customer on a shared SDK: same user agent and default preamble as many others."""
    rng = a.rng
    _maybe_new(a, 0.35, 30, 0.1)
    a.tier()
    hosting = sdk.hosting if rng.random() < 0.6 else rng.choice(["aws", "gcp", "azure", "digitalocean"])
    ch = Channel(a.new_keys(1), cloud_pool(rng, rng.randrange(1, 3), hosting), sdk.user_agent, MESSAGES)

    def opener(r: random.Random) -> str:
        message = chat_message(r, 0.1)
        return f"{sdk.preamble}\n\nUser: {message}" if sdk.inline else message

    convs = sessions(a.nrng, rng, *a.window, rng.uniform(4, 120), a.shape(rng.choice(["office", "consumer"])),
                     rng.uniform(1.5, 4), rng.uniform(20, 90))
    style = sdk.style
    if rng.random() < 0.2:  # a few override the SDK's default model
        style = Style(models(a, "cheap", 0.05), style.max_tokens, style.temperature, style.system_tokens)
    conversations(a, ch, convs, style, opener, chat_followup, 220)


def research_lab_night_eval(a: Account) -> None:
    """A research group's overnight evaluation: step-by-step prompts, many samples per item."""
    rng = a.rng
    a.limits(rng.choice([4000, 8000]), 5, 0.0005)
    ua = rng.choice(["python-httpx/0.27.2", "Anthropic/Python 0.64.0"])
    ips = cloud_pool(rng, rng.randrange(1, 4), rng.choice(["gcp", "aws"]))
    ch = Channel(a.new_keys(rng.randrange(1, 4)), ips, ua, MESSAGES)
    suite = rng.choice(["gsm_like", "mmlu_like"])
    samples, temperature = rng.choice([4, 8, 16]), rng.choice([0.6, 0.7, 1.0])
    workers, shots = rng.randrange(8, 48), rng.randrange(0, 1200)
    for day in _local_days(a):
        t0 = day + rng.uniform(21, 24.5) * HOUR
        if rng.random() > 0.8 or t0 + 6 * HOUR < a.active_from or t0 >= a.active_to:
            continue
        first, count = rng.randrange(SUITES[suite]), rng.randrange(60, 350)
        items = [benchmark_item(suite, (first + i) % SUITES[suite]) + "\n\nThink step by step, then answer."
                 for i in range(count) for _ in range(samples)]
        model = rng.choice([SONNET, OPUS] + ([NEW_MODEL] if t0 > a.world.release_at else []))
        suite_run(a, ch, max(t0, a.active_from), items, Style(_one(model), 4096, temperature, shots), workers,
                  lambda r: lognormal_int(r, 600, 0.6))


def writing_app(a: Account) -> None:
    """A long-form writing product: long outputs, high temperature."""
    rng = a.rng
    _maybe_new(a, 0.2)
    a.limits(rng.choice([4000, 8000]), 2, 0.002)
    ch = Channel(a.new_keys(rng.randrange(1, 3)), cloud_pool(rng, rng.randrange(1, 5)), sdk_user_agent(rng),
                 _endpoint(a))
    shape = a.shape(rng.choice(["consumer", "office"]))
    convs = sessions(a.nrng, rng, *a.window, rng.uniform(60, 600), shape, rng.uniform(1.5, 4),
                     rng.uniform(60, 240))
    style = Style(models(a, rng.choice(["balanced", "strong"]), 0.3), rng.choice([4096, 8192]),
                  rng.choice([0.8, 0.9, 1.0]), rng.randrange(200, 1500))
    conversations(a, ch, convs, style, writing_request, chat_followup, rng.uniform(1200, 2500))


def support_agent_tools(a: Account) -> None:
    """A support bot that looks orders up with a tool before answering."""
    rng = a.rng
    a.limits(rng.choice([2000, 4000]), 2, 0.002)
    ch = Channel(a.new_keys(rng.randrange(1, 3)), cloud_pool(rng, rng.randrange(1, 4)), sdk_user_agent(rng),
                 _endpoint(a))
    plan_ = models(a, rng.choice(["cheap", "balanced"]), 0.1)
    system = rng.randrange(1500, 5000)  # instructions and tool schemas
    temperature = rng.choice([0.0, 0.3, None])
    shape = a.shape(rng.choice(["office", "consumer"]))
    convs = sessions(a.nrng, rng, *a.window, rng.uniform(80, 700), shape, rng.uniform(1.5, 3.5),
                     rng.uniform(20, 80))
    for turns in convs:
        model, context = plan_.pick(rng, turns[0]), system
        for ts in turns:
            lookup = a.call(ts, ch, model, support_message(rng), context, rng.randrange(30, 120), 1024,
                            temperature, "tool_use")
            t = ts + lookup.latency_ms / 1000 + rng.uniform(0.1, 1.5)  # the order system answers the tool
            context = lookup.prompt_tokens + lookup.completion_tokens
            answer = a.call(t, ch, model, tool_result_json(rng), context, lognormal_int(rng, 120, 0.6), 1024,
                            temperature)
            context = answer.prompt_tokens + answer.completion_tokens


def trial_hobbyist(a: Account) -> None:
    """Someone trying the API: a handful of calls, often malformed, from home."""
    rng = a.rng
    a.fresh(10, 0.4)
    a.limits(50, rng.choice([0, 2]), rng.uniform(0.02, 0.2))
    ua = rng.choice(["curl/8.5.0", "python-requests/2.31.0", sdk_user_agent(rng)])
    ch = Channel(a.new_keys(1), home_pool(rng, a.tz, 1), ua, _endpoint(a, 0.5))
    plan_ = models(a, "wide", 0.3)
    max_tokens, temperature = rng.choice([100, 256, 1024]), rng.choice([None, 0.0, 1.0])
    t = rng.uniform(*a.window)
    for _ in range(rng.randrange(1, 4)):
        for _ in range(lognormal_int(rng, 8, 0.8)):
            a.call(t, ch, plan_.pick(rng, t), trial_prompt(rng), 0, lognormal_int(rng, 150, 0.8), max_tokens,
                   temperature)
            t += rng.uniform(5, 240)
        t += rng.uniform(1, 10) * HOUR


def document_json_extraction(a: Account) -> None:
    """Invoices and forms into JSON, processed in uploaded batches: a benign narrow capability."""
    rng = a.rng
    a.limits(rng.choice([2000, 4000]), 3, 0.001)
    ch = Channel(a.new_keys(rng.randrange(1, 3)), cloud_pool(rng, rng.randrange(1, 3)), sdk_user_agent(rng),
                 _endpoint(a))
    instruction = rng.choice(["Extract vendor, date, total, currency and line_items as JSON.",
                              "Return the invoice fields as JSON matching the schema {vendor, date, total}.",
                              "Parse this document into JSON. Use null for missing fields."])
    style = Style(_one(models(a, rng.choice(["cheap", "balanced"]), 0.0).mix[0][0]), 1024, 0.0,
                  rng.randrange(100, 600))
    shape = a.shape(rng.choice(["office", "global"]))
    for upload in poisson_times(a.nrng, *a.window, rng.uniform(2, 18), shape):
        documents = lognormal_int(rng, 120, 1.0, 5)
        items = [f"{instruction}\n\n{pipeline_input(rng, 'invoice')}" for _ in range(documents)]
        workers = rng.randrange(2, 12)
        suite_run(a, ch, float(upload), items, style, workers, lambda r: lognormal_int(r, 150, 0.4))
