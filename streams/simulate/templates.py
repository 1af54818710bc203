"""How a client phrases its prompts: freshly generated questions, one template with a slot, or a few.

Public reports describe distillation prompts as highly repetitive in structure and aimed at
step-by-step reasoning, code and tool-use traces; other campaigns generate varied questions. Either way,
the same phrasings are also what homework apps, eval suites and people with a habit send. So this is a
library that attackers and benign clients both draw from, per client, rather than one attacker shape.

A client's template is composed from a form (by aim), an optional preamble and closer, and its own
language, tools or role, so two clients rarely share one exactly. Some forms start with the slot, so
their first words differ from prompt to prompt.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from streams.simulate import text

AIMS = ("reasoning", "coding", "tool_use", "explain")
AIM_WEIGHTS = (0.3, 0.3, 0.2, 0.2)
# natural log of the answer length in tokens, by what the prompt asks for (a client draws its own mean)
ANSWER_LOG_MEAN = {
    "reasoning": (5.8, 7.2),
    "coding": (5.3, 6.8),
    "tool_use": (4.8, 6.5),
    "explain": (6.3, 7.5),
}
MODES = (0.35, 0.35, 0.30)  # no template, one template, several (2-6)
SLOT = "{x}"
FORMS = {
    "reasoning": (
        "Solve step by step and show all reasoning: {x}",
        "Work through this problem carefully, explaining every step before the final answer. Problem: {x}",
        "Think through the following step by step, then give the answer on the last line. {x}",
        "Question: {x} Let's reason it out step by step.",
        "Give a chain of reasoning, then the answer. {x}",
        "You are a meticulous {role}. Reason carefully and verify your result: {x}",
        "{x} Show your work and explain each step.",
        "{x} Reason carefully, check the answer, and put the final result in a box.",
    ),
    "coding": (
        "Write a {lang} function that {x}. Include tests.",
        "Implement a {lang} program that {x}. Explain your design choices and include unit tests.",
        "Write {lang} code that {x}. Add type annotations and an example of use.",
        "Fix and complete this {lang} code so that it {x}. Show the full corrected file.",
        "You are a senior {lang} engineer. Write production-quality code that {x}, with tests.",
        "Task: a function that {x}. Language: {lang}. Think about edge cases first, then write the code.",
        "{x} - write this in {lang}, with docstrings and tests.",
    ),
    "tool_use": (
        "You are an agent with tools [{tools}]. Task: {x}. Think, then call tools as needed.",
        "Tools available: {tools}. Use them to {x}. Respond with the tool calls as JSON, then an answer.",
        "<tools>{tools}</tools> User request: {x}. Plan the steps, then emit the tool calls one by one.",
        "System: you are an autonomous assistant with a shell and {tools}. Goal: {x}. Show every command.",
        "{x}. You may call {tools}. Write out your reasoning before each function call.",
    ),
    "explain": (
        "Explain in exhaustive detail, with worked examples and edge cases: {x}",
        "Write a comprehensive textbook section on {x}, with definitions, derivations and exercises.",
        "Teach me {x} from first principles. Be thorough and precise.",
        "Give an expert-level answer with examples: {x}",
        "You are a {role}. Explain {x} to a graduate student, step by step.",
        "{x}: explain thoroughly, covering theory, history and practical examples.",
        "{x} - what is it, why does it work, and where does it fail? Answer in full detail.",
    ),
}
PREAMBLES = ("", "", "", "You are a world-class expert. ", "[{tag}] ", "Instruction: ", "### Task\n")
CLOSERS = (
    "",
    "",
    "",
    " Answer in Markdown.",
    " Be exhaustive.",
    " Respond in JSON with the fields reasoning and answer.",
    " Do not skip any step.",
    " Keep it under 500 words.",
)
LANGS = ("Python", "Rust", "Go", "TypeScript", "Java", "C++", "SQL", "Kotlin")
TOOLS = (
    "search",
    "python",
    "read_file",
    "write_file",
    "browser",
    "calculator",
    "sql",
    "http_get",
    "calendar",
)
ROLES = ("mathematician", "physicist", "software architect", "tutor", "analyst", "professor")
VERBS = (
    "parses",
    "validates",
    "merges",
    "deduplicates",
    "sorts",
    "caches",
    "streams",
    "schedules",
    "indexes",
)
FORMATS = ("CSV file", "JSON stream", "log file", "SQL table", "binary tree", "graph", "queue", "web page")
ERRAND = (
    "find the {n} most recent reports on {t} {w} and compare their {w}",
    "book a {w} for {n} people next week and add it to the calendar",
    "work out why the {w} service returns {n}00 errors and propose a fix",
    "collect {w} prices from {n} sources, tabulate them and chart the trend",
    "read the {w} {w} files in the repository and summarise what changed in {t}",
)
LEVELS = ("beginner", "intermediate", "advanced", "expert")
GRID_FORMS = (
    "a worked example",
    "a proof",
    "a step-by-step derivation",
    "common mistakes",
    "an exam question",
)


def _w(rng: random.Random) -> str:
    return rng.choice(text.WORDS)


def problem(rng: random.Random, topic: str) -> str:
    """A new problem to reason about: arithmetic, algebra, probability, logic or a topic question."""
    a, b, c, k = rng.randint(2, 99), rng.randint(2, 99), rng.randint(2, 999), rng.randrange(5)
    w1, w2, w3 = _w(rng), _w(rng), _w(rng)
    if k == 0:
        return f"A {w1} makes {a} an hour, a second makes {b}. From {c}, when do they reach {a * b + c}?"
    if k == 1:
        return f"Find every real x with {a}x^2 - {b}x - {c} = 0 and check each root."
    if k == 2:
        return f"A bag holds {a} red and {b} blue {w1}s. Drawing {a % 4 + 2}, what is P(all red)?"
    if k == 3:
        return f"If every {w1} is a {w2} and some {w2}s are not {w3}s, must a {w1} be a {w3}?"
    return f"In {topic}, a {w1} {w2} doubles every {a} days. Starting at {b}, when does it pass {c * 100}?"


def coding_task(rng: random.Random, _topic: str) -> str:
    """What a function should do: a verb, a data source and a result, new every time."""
    return (
        f"{rng.choice(VERBS)} {_w(rng)} {_w(rng)} records from a {rng.choice(FORMATS)} and returns the "
        f"{_w(rng)} with the {rng.choice(('largest', 'smallest', 'most frequent', 'median'))} {_w(rng)}"
    )


def errand(rng: random.Random, topic: str) -> str:
    """A multi-step job for an agent with tools."""
    return rng.choice(ERRAND).format(n=rng.randint(2, 9), t=topic, w=_w(rng))


def concept(rng: random.Random, topic: str) -> str:
    """Something to explain in a topic."""
    if rng.random() < 0.5:
        return f"the {_w(rng)} {_w(rng)} in {topic}"
    return f"how {_w(rng)} {_w(rng)} affects {_w(rng)} {_w(rng)} in {topic}"


SLOTS = {"reasoning": problem, "coding": coding_task, "tool_use": errand, "explain": concept}


@dataclass(frozen=True)
class Template:
    aim: str
    text: str  # holds one "{x}" slot

    def fill(self, rng: random.Random, topic: str, slot: str | None = None) -> str:
        return self.text.replace(SLOT, slot if slot is not None else SLOTS[self.aim](rng, topic))

    @classmethod
    def compose(cls, rng: random.Random, aim: str) -> Template:
        """One client's template for ``aim``: a form with its own language, tools, role, preamble and closer.

        >>> t = Template.compose(random.Random(4), "coding")
        >>> t.text.count("{x}"), t.aim
        (1, 'coding')
        """
        form = rng.choice(FORMS[aim])
        form = (
            form.replace("{lang}", rng.choice(LANGS))
            .replace("{tools}", ", ".join(rng.sample(TOOLS, rng.randint(2, 6))))
            .replace("{role}", rng.choice(ROLES))
        )
        if not form.startswith(SLOT):  # slot-first forms keep their varying first words
            form = rng.choice(PREAMBLES).replace("{tag}", f"job {rng.randint(1, 999)}") + form
        return cls(aim, form + rng.choice(CLOSERS))


def draw_aim(rng: random.Random) -> str:
    return rng.choices(AIMS, AIM_WEIGHTS)[0]


@dataclass(frozen=True)
class Phrasing:
    """One client's way of asking: its templates (none: every prompt generated afresh) and its aim."""

    templates: tuple[Template, ...]
    aim: str  # what it mostly asks for; sets how long its answers run
    reasoning: float  # share of its generated (untemplated) questions that ask for reasoning

    @classmethod
    def draw(
        cls, rng: random.Random, modes: tuple[float, float, float] = MODES, aim: str | None = None
    ) -> Phrasing:
        """No template, one, or 2-6 by ``modes``; most clients keep to one aim, some mix aims.

        >>> p = Phrasing.draw(random.Random(1), modes=(0.0, 1.0, 0.0))
        >>> len(p.templates)
        1
        """
        aim = aim or draw_aim(rng)
        r = rng.random()
        count = 0 if r < modes[0] else 1 if r < modes[0] + modes[1] else rng.randint(2, 6)
        focused = rng.random() < 0.6
        aims = [aim] + [aim if focused else draw_aim(rng) for _ in range(count - 1)]
        return cls(tuple(Template.compose(rng, a) for a in aims[:count]), aim, rng.uniform(0.2, 0.9))

    def prompt(self, rng: random.Random, topic: str) -> str:
        if self.templates:
            return rng.choice(self.templates).fill(rng, topic)
        if rng.random() < 0.5:
            return text.distillation_prompt(rng, topic, self.reasoning)
        # a fresh phrasing for every prompt: the library's forms without a fixed template
        return Template.compose(rng, self.aim if rng.random() < 0.5 else draw_aim(rng)).fill(rng, topic)


def grid_slot(topic: str, concept_: str, level: int, form: int) -> str:
    """One cell of a topic x concept x level x form grid, to go through one template's slot."""
    return f"{concept_} in {topic}, for a {LEVELS[level]} reader, as {GRID_FORMS[form]}"
