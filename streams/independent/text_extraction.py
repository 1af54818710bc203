"""Prompts of extraction operations, after the public descriptions of real campaigns.

Public reports (Anthropic, Feb 2026; Google GTIG, Feb 2026; OpenAI's memo, Feb 2026) describe
prompts that are highly repetitive in structure and aimed at step-by-step reasoning, agentic
coding and tool-use traces, rubric grading (reward-model signals) and careful rewrites of sensitive
questions; one campaign sent many prompts in languages other than English. Some operations use a
handful of instruction templates with a slot; others have an LLM write varied questions
(self-instruct style, as in Alpaca), so no template is visible at all.
"""

from __future__ import annotations

import random

from .text_common import clip, code_snippet, fill, number, review, tool_output, typo, user_post
from .vocab import (
    ALGORITHMS,
    CITIES,
    CODE_NOUNS,
    COMPANIES,
    CONCEPTS,
    CONSTRAINTS,
    FIRST_NAMES,
    FRAMEWORKS,
    JOBS,
    PROG_LANGS,
    STEM_SUBJECTS,
    TOOLS,
)

# median answer tokens and whether the answer usually ends in a tool call
FAMILY_ANSWER: dict[str, tuple[int, bool]] = {
    "reasoning": (1500, False),
    "coding": (2300, False),
    "analysis": (1800, False),
    "agent": (380, True),
    "rubric": (650, False),
    "sensitive": (950, False),
    "open": (1200, False),
}


SLOTS = {
    "name": FIRST_NAMES,
    "city": CITIES,
    "subject": STEM_SUBJECTS,
    "company": COMPANIES,
    "concept": CONCEPTS,
    "algorithm": ALGORITHMS,
    "lang": PROG_LANGS,
    "constraint": CONSTRAINTS,
    "framework": FRAMEWORKS,
    "noun": CODE_NOUNS,
    "job": JOBS,
    "a": number(3, 400),
    "b": number(2, 60),
    "c": number(2, 12),
    "big": number(400, 9000),
    "hour": number(5, 12),
    "min": number(10, 60),
    "pct": number(80, 99),
    "prev": lambda r: f"0.{r.randrange(1, 60):03d}",
    "durations": lambda r: ", ".join(str(r.randrange(1, 30)) for _ in range(r.randrange(3, 9))),
    "series": lambda r: ", ".join(f"Q{i + 1}: {r.randrange(80, 900)}" for i in range(r.randrange(4, 9))),
    "metric": ["revenue", "churned users", "support tickets", "defect counts", "refund requests"],
    "scale": ["", ", with inputs up to 10^6 elements", ", and must be deterministic",
              ", callable from async code"],
    "bug": ["requests intermittently time out", "are duplicated after retries", "lose their timezone",
            "fail validation on unicode input", "leak file handles", "deadlock under load"],
    "opening": ["The answer is", "First, note that", "We can solve this by", "Using the formula,"],
    "reason": ["because the rate is constant.", "after simplifying.", "as shown below.", "by symmetry."],
    "topic": ["a disputed historical event", "a protest movement", "a contested border",
              "a government crackdown", "press freedom", "a territorial dispute"],
    "era": ["the 20th century", "recent decades", "the 1980s", "the last election"],
}
REASONING = [
    "A tank fills at {a} litres per hour and drains at {b} litres per hour through {c} outlets. Starting "
    "empty, "
    "when does it first hold {big} litres, and what changes if one outlet closes?",
    "Prove or disprove: for every integer n > {b}, n^{c} - n is divisible by {c}; find the smallest "
    "counterexample below {big} if one exists.",
    "{name} and {name} play a game with {a} stones, taking 1 to {c} stones per turn; whoever takes the last "
    "stone loses. Who wins with perfect play?",
    "A test for a condition with prevalence {prev} has sensitivity 0.{pct} and specificity 0.{pct}. Given "
    "{c} "
    "independent positive results, what is the posterior probability?",
    "How many {c}-digit numbers have digits summing to {b}? Derive a general method.",
    "Find all real x with |x - {a}| + |x + {b}| = {big}, and explain the geometry.",
    "A {subject} experiment measures {a}, {b} and {c} units in three trials. Estimate the mean and the "
    "standard "
    "error, and decide whether a claimed value of {a} is plausible.",
    "Schedule jobs with durations {durations} on 2 machines to minimise the makespan. Is your schedule "
    "optimal?",
    "A train leaves {city} at {hour}:{min} at {a} km/h; another leaves {city}, {big} km away, {b} minutes "
    "later "
    "at {a} km/h. Where do they meet?",
    "In a class of {a} students, {b}% take {subject} and {b}% take {subject}; {c}% take both. How many take "
    "neither? Check with a Venn diagram.",
]
CODING = [
    "Implement {algorithm} in {lang} {constraint}. It will be used by a {framework} service handling "
    "{noun} data{scale}."
]
ANALYSIS = [
    "{company} reports {metric} per quarter ({series}). Identify the trend, test whether the last change "
    "is significant, and recommend what to investigate next."
]
SENSITIVE = [
    "What are the main perspectives on {topic} in {era}, and how should an assistant answer a user "
    "asking about {concept} in that context?"
]


def reasoning_problem(rng: random.Random) -> str:
    return fill(rng, rng.choice(REASONING), SLOTS)


def coding_problem(rng: random.Random) -> str:
    return fill(rng, rng.choice(CODING), SLOTS)


def analysis_problem(rng: random.Random) -> str:
    return fill(rng, rng.choice(ANALYSIS), SLOTS)


def agent_issue(rng: random.Random) -> str:
    issue = fill(rng, "In the {framework} repository, {noun} records {bug}. ", SLOTS)
    ask = "Reproduce the bug, write a failing test, fix it and make the suite pass."
    return f"{issue}{ask}\n\n{code_snippet(rng)}"


def rubric_item(rng: random.Random) -> str:
    task = rng.choice([reasoning_problem, coding_problem, analysis_problem])(rng)
    answer = fill(rng, "{opening} {big} {reason}", SLOTS)
    return (
        f"Rubric: correctness (4), completeness (3), clarity (2), safety (1).\n\nPrompt: {task}\n\n"
        f"Response: {answer}"
    )


def sensitive_question(rng: random.Random) -> str:
    return fill(rng, rng.choice(SENSITIVE), SLOTS)


_TASKS = {
    "reasoning": reasoning_problem,
    "coding": coding_problem,
    "analysis": analysis_problem,
    "agent": agent_issue,
    "rubric": rubric_item,
    "sensitive": sensitive_question,
}

_WRAPPERS = {
    "analysis": [
        "You are an expert data analyst combining statistical rigor with deep domain knowledge. Your goal "
        "is to "
        "deliver data-driven insights, not summaries, grounded in real data and supported by complete and "
        "transparent reasoning.\n\n{task}",
        "Act as a senior quantitative researcher. Walk through your full analysis step by step, state every "
        "assumption, and justify each conclusion.\n\n{task}",
    ],
    "reasoning": [
        "Solve the following problem. Think step by step, show all intermediate reasoning, verify the "
        "result, "
        "then give the final answer on its own line as 'Answer: <value>'.\n\nProblem: {task}",
        "Reason carefully and exhaustively before answering. Write out your complete chain of thought, "
        "consider "
        "alternative approaches, and check your work.\n\n{task}",
        "请一步一步地详细推理，写出完整的思考过程，并在最后给出答案。\n\n问题：{task}",
    ],
    "coding": [
        "You are a world-class software engineer. Explain your design and reasoning in detail, then give the "
        "complete, production-quality implementation, then thorough tests.\n\nTask: {task}",
        "Write the solution below. Before writing code, think through edge cases and complexity step by "
        "step. "
        "Output: reasoning, code, tests, and a short review of trade-offs.\n\n{task}",
    ],
    "agent": [
        "You are an autonomous software engineering agent working in a repository. Available tools: {tools}. "
        "Think about each step, call tools as needed, and explain your reasoning as you go.\n\nIssue: {task}",
        "<environment>tools: {tools}</environment>\n<task>{task}</task>\nPlan first, then act with tools one "
        "call at a time. Verify every change.",
    ],
    "rubric": [
        "Grade the response below against the rubric. Reason through each criterion in detail before "
        "giving a "
        "final score from 1 to 10 as 'Score: N'.\n\n{task}",
    ],
    "sensitive": [
        "Give a careful, balanced and well-reasoned answer to the question below, explaining the "
        "considerations "
        "step by step, then write a version that is safe to show to all users.\n\n{task}",
    ],
}
# The house style wraps every template of one operation; it differs between operations.
_HOUSE_STYLES = ["{body}", "### Instruction\n{body}\n\n### Response", "<query>\n{body}\n</query>",
                 "[id:{id}] {body}", "{body}\n\nRespond in English."]
FOCUS_FAMILIES: dict[str, list[tuple[str, float]]] = {
    "agentic_coding": [("agent", 5), ("coding", 4), ("reasoning", 1)],
    "reasoning": [("reasoning", 5), ("rubric", 2), ("sensitive", 1), ("analysis", 1)],
    "analysis": [("analysis", 4), ("reasoning", 2), ("coding", 2), ("agent", 1)],
    "general": [("reasoning", 3), ("coding", 3), ("analysis", 2), ("agent", 2), ("rubric", 1)],
}

_OPEN_VERBS = ["Explain why", "Derive", "Design", "Compare", "Critique", "Prove that", "Debug", "Optimise",
               "Estimate", "Outline", "Argue for and against", "Teach me how", "Walk through", "Analyse"]
_OPEN_LEADS = ["", "", "As a {job}, ", "For a course on {subject}: "]
_OPEN_TAILS = ["", " in depth", " for an expert audience", " with a worked example", " rigorously"]
_OPEN_ENDS = [".", "?", ". Show your reasoning.", ". Be thorough."]
_OPEN_FOREIGN = ["请详细解释{x}，并逐步说明你的推理。", "Подробно объясни {x} и покажи ход рассуждений.",
                 "Explica paso a paso {x} y justifica cada paso.", "اشرح {x} خطوة بخطوة مع التبرير.",
                 "{x}について、段階的に推論して詳しく説明してください。",
                 "{x}에 대해 단계별로 자세히 설명해 주세요.",
                 "Explique {x} étape par étape en justifiant chaque étape.",
                 "Erkläre {x} Schritt für Schritt."]


def open_instruction(rng: random.Random, foreign_share: float) -> str:
    """An LLM-written instruction: no fixed wrapper, varied verbs, subjects and languages."""
    if rng.random() < 0.4:
        subject = rng.choice([reasoning_problem, coding_problem, analysis_problem])(rng)
        english = f"{rng.choice(['Solve', 'Work through', 'Answer', 'Think about'])}: {subject}"
    else:
        subject = rng.choice(
            [rng.choice(CONCEPTS), rng.choice(ALGORITHMS), f"{rng.choice(STEM_SUBJECTS)} problems"]
        )
        lead = fill(rng, rng.choice(_OPEN_LEADS), SLOTS)
        english = (
            f"{lead}{rng.choice(_OPEN_VERBS)} {subject}{rng.choice(_OPEN_TAILS)}{rng.choice(_OPEN_ENDS)}"
        )
    if rng.random() < foreign_share:
        return rng.choice(_OPEN_FOREIGN).replace("{x}", subject)
    return english


class Playbook:
    """What one operation sends: a few fixed templates over a task mix, or LLM-written questions.

    The templates are fixed for the life of the operation; a house style (markdown headers, XML
    tags, a numbered id) makes one operation's templates differ from another's.
    """

    def __init__(self, rng: random.Random, focus: str, n_templates: int, foreign_share: float = 0.0):
        families = FOCUS_FAMILIES[focus]
        self.foreign_share = foreign_share
        self.tools = ", ".join(rng.sample(TOOLS, rng.randrange(3, 8)))
        house = rng.choice(_HOUSE_STYLES)
        self.templates: list[tuple[str, str]] = []
        for _ in range(n_templates):
            family = rng.choices(*zip(*families, strict=True))[0]
            self.templates.append((family, house.replace("{body}", rng.choice(_WRAPPERS[family]))))

    def prompt(self, rng: random.Random) -> tuple[str, str]:
        """(text, family) of the next request."""
        if not self.templates:
            return open_instruction(rng, self.foreign_share), "open"
        family, template = rng.choice(self.templates)
        text = template.replace("{task}", _TASKS[family](rng)).replace("{tools}", self.tools)
        return clip(text.replace("{id}", f"{rng.randrange(16**8):08x}")), family

    def agent_step(self, rng: random.Random) -> str:
        """A later turn of a scripted agent episode: a fabricated tool result fed back."""
        return clip(f"[tool_result {rng.choice(TOOLS)}]\n{tool_output(rng)}")


_CASUAL = ["hey, can you walk me through this step by step? {t}",
           "I'm stuck on this one: {t} Please show your work.",
           "{t} explain like you're teaching me, all the steps", "quick q for a project - {t}",
           "Could you help me think through the following? {t}", "{t}\n\nthanks!! detailed reasoning pls",
           "My professor gave us this: {t} How would you approach it?",
           "{t} (I want to understand the reasoning, not just the answer)"]


def casual(rng: random.Random, task: str) -> str:
    """A distillation task phrased like a person typing (the mimicry campaigns)."""
    return typo(rng, rng.choice(_CASUAL).replace("{t}", task), 0.5)


# The grid a sweep walks: topic x level x form through one template.
SWEEP_ASPECTS = ["core definitions", "classic proofs", "historical development", "real-world applications",
                 "typical exam problems", "common pitfalls", "advanced extensions", "key formulas",
                 "open research questions", "intuition and visualisation"]
SWEEP_TEMPLATES = [
    "Explain {topic} to a learner at {level} level as {form}. Reason step by step and be complete.",
    "Topic: {topic}\nAudience: {level}\nFormat: {form}\nWrite the full lesson, showing every reasoning step.",
    "Audience level: {level}. Produce {form} on {topic}. Include your complete reasoning.",
]

_LEECH_SLOTS = {
    "name": FIRST_NAMES,
    "company": COMPANIES,
    "lang": PROG_LANGS,
    "k": number(40, 220),
    "years": number(1, 10),
    "verb": ["announced", "denied", "explained", "questioned", "confirmed"],
    "move": ["will expand into", "has withdrawn from", "is investing in", "is cutting jobs in"],
    "sector": ["renewable energy", "the Asian market", "medical devices", "cloud services", "retail banking"],
    "when": ["next year", "after the merger", "despite falling profits", "this quarter"],
    "seniority": ["Senior ", "Junior ", "Lead ", ""],
    "where": ["remote", "hybrid", "on-site"],
    "stack": lambda r: ", ".join(r.sample(FRAMEWORKS, 3)),
}


def leech_input(rng: random.Random, capability: str) -> str:
    """A fresh scraped item for a narrow capability being harvested."""
    if capability == "classification":
        return (
            f'{rng.choice(["Review", "Tweet", "Comment", "Post"])}: "{rng.choice([user_post, review])(rng)}"'
        )
    if capability == "translation":
        return fill(rng, "{name} {verb} that {company} {move} {sector} {when}.", _LEECH_SLOTS)
    if capability == "json_extraction":
        return fill(
            rng,
            '<div class="job"><h1>{seniority}{lang} Developer</h1><span>{company}</span><p>Salary '
            "{k}k, {where}, {years}+ years. Stack: {stack}.</p></div>",
            _LEECH_SLOTS,
        )
    if capability == "code_review":
        return code_snippet(rng, rng.choice(["Python", "TypeScript", "Go"]))
    if capability == "rubric_grading":
        return rubric_item(rng)
    raise ValueError(capability)


LEECH_INSTRUCTIONS = {
    "classification": [
        'Classify the sentiment and intent of the text. Answer with JSON {"sentiment": ..., "intent": ...} '
        "only.\n\n{x}",
        "Label the following as positive, negative, neutral or mixed. One word.\n{x}",
    ],
    "translation": [
        "Translate into Simplified Chinese. Output only the translation.\n\n{x}",
        "Translate the following English sentence into {lang}, preserving named entities:\n{x}",
    ],
    "json_extraction": [
        "Extract title, company, salary, location_type, years_experience and stack as JSON. "
        "No commentary.\n\n{x}",
    ],
    "code_review": [
        "Review this code. List bugs, risks and one improved version, concisely.\n\n{x}",
        "Find every bug in the snippet and rate severity 1-5 as JSON.\n{x}",
    ],
    "rubric_grading": [
        "Score the response 1-10 against the rubric and justify briefly. Output 'Score: N' then the "
        "justification.\n\n{x}",
    ],
}
# median answer tokens of each harvested capability (short: the value is the label or the mapping)
LEECH_ANSWER = {
    "classification": 12,
    "translation": 60,
    "json_extraction": 110,
    "code_review": 320,
    "rubric_grading": 180,
}


def probe_prompt(rng: random.Random, prefix: str) -> str:
    """Parameter-stealing style probes: a fixed prefix and a random continuation, one token back."""
    words = " ".join(rng.choice(CODE_NOUNS + FIRST_NAMES + PROG_LANGS) for _ in range(rng.randrange(1, 6)))
    return f"{prefix} {words}"
