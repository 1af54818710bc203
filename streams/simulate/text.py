"""Prompt text for the simulator: varied enough that SimHash, templates and repeats behave as in life."""

from __future__ import annotations

import random

TOPICS = (
    "organic chemistry",
    "contract law",
    "linear algebra",
    "medieval history",
    "python packaging",
    "kubernetes networking",
    "tax accounting",
    "marine biology",
    "music theory",
    "macroeconomics",
    "cryptography",
    "nutrition",
    "aerodynamics",
    "poetry",
    "databases",
    "compilers",
    "genetics",
    "climate science",
    "game theory",
    "ancient philosophy",
    "electrical circuits",
    "sql tuning",
    "rust lifetimes",
    "statistics",
    "immunology",
    "supply chains",
    "urban planning",
    "astronomy",
    "react hooks",
    "corporate finance",
    "thermodynamics",
    "linguistics",
    "geology",
    "ethics",
    "operating systems",
    "probability",
    "microeconomics",
    "robotics",
    "neuroscience",
    "art history",
)
WORDS = (
    "model",
    "system",
    "value",
    "theory",
    "process",
    "method",
    "example",
    "problem",
    "result",
    "data",
    "function",
    "structure",
    "effect",
    "cause",
    "rate",
    "limit",
    "pattern",
    "signal",
    "rule",
    "case",
    "table",
    "graph",
    "proof",
    "design",
    "test",
    "error",
    "cost",
    "risk",
    "policy",
    "market",
    "cell",
    "field",
    "wave",
    "energy",
    "force",
    "network",
    "layer",
    "query",
    "index",
    "cache",
    "thread",
)
QUESTION_FORMS = (
    "Explain {a} in {t} and how it relates to {b}.",
    "What is the difference between {a} and {b} in {t}?",
    "Give a detailed worked example of {a} in {t}, covering {b}.",
    "Why does {a} matter for {b} in {t}? Answer thoroughly.",
    "Derive the main result about {a} in {t} and discuss {b}.",
    "Write an exhaustive tutorial on {a} for {t}, including {b}.",
    "Compare three approaches to {a} in {t} with respect to {b}.",
)
REASONING_SUFFIXES = (
    " Think step by step.",
    " Show your reasoning step-by-step.",
    " Explain your reasoning.",
)
CHAT_OPENERS = (
    "hey, can you help me with",
    "quick question about",
    "I'm stuck on",
    "can you review my",
    "what do you think about",
    "please rewrite",
    "fix this",
    "summarize my notes on",
)


def words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def distillation_prompt(rng: random.Random, topic: str, reasoning_share: float) -> str:
    prompt = rng.choice(QUESTION_FORMS).format(
        a=f"{rng.choice(WORDS)} {rng.choice(WORDS)}", b=f"{rng.choice(WORDS)} {rng.choice(WORDS)}", t=topic
    )
    # a random tail makes every prompt distinct, as generated distillation sets are
    prompt += f" Context: {words(rng, rng.randint(6, 14))}."
    if rng.random() < reasoning_share:
        prompt += rng.choice(REASONING_SUFFIXES)
    return prompt


def chat_prompt(rng: random.Random, topic: str) -> str:
    return f"{rng.choice(CHAT_OPENERS)} {topic}: {words(rng, rng.randint(5, 40))}"


def document_prompt(rng: random.Random, doc_no: int, task: int = 0) -> str:
    return DOCUMENT_TASKS[task % len(DOCUMENT_TASKS)].format(n=doc_no, x=words(rng, 60))


HUMAN_ASKS = (
    "can you explain {a} in {t}? in detail pls",
    "im studying {t}, how does {a} work and why does it matter for {b}",
    "ok next one. {a} vs {b} in {t}, whats the difference",
    "could u walk me through {a} ({t}) with an example",
    "what are the main ideas behind {a} in {t}? explain thoroughly",
)
LEECH_TASKS = (
    "Classify the sentiment of this review as positive, negative or neutral. Review: '{x}'",
    "Extract the people, organisations and places as JSON from: '{x}'",
    "Translate into German, keep the tone: '{x}'",
    "Label the intent of this support message (billing, bug, account, other): '{x}'",
    "Rewrite this sentence in plain English: '{x}'",
)


CLASSIFY_TASKS = (
    "Does this message break the content policy? Answer SAFE or UNSAFE only. Message: '{x}'",
    "Is this email spam? Reply yes or no. Email: '{x}'",
    "Tag the topic of this post with one of: sport, politics, tech, health, other. Post: '{x}'",
    LEECH_TASKS[0],
    LEECH_TASKS[3],
)
TRANSLATE_FORMS = (
    "Translate into {lang}, keep the tone: '{x}'",
    "Translate the following text to {lang}. Output only the translation. Text: '{x}'",
    "'{x}' Translate the above into {lang}.",
    "You are a professional translator. Render this in {lang} for a product page: '{x}'",
)
LANGUAGES = ("German", "French", "Spanish", "Japanese", "Portuguese", "Korean", "Italian", "Dutch", "Polish")
DOCUMENT_TASKS = (
    "Summarise document {n} in five bullet points: {x}",
    "Extract the parties, dates and amounts from contract {n} as JSON: {x}",
    "Classify ticket {n} by product area and urgency: {x}",
    "Write a one-paragraph abstract of paper {n}: {x}",
)


def typo(rng: random.Random, prompt: str) -> str:
    """Two neighbouring letters swapped, as a person typing fast does."""
    i = rng.randrange(len(prompt) - 1)
    return prompt[:i] + prompt[i + 1] + prompt[i] + prompt[i + 2 :]


def human_distillation_prompt(rng: random.Random, topic: str) -> str:
    """Distillation phrased like a person typing: lower case, filler, the odd typo."""
    prompt = rng.choice(HUMAN_ASKS).format(
        a=f"{rng.choice(WORDS)} {rng.choice(WORDS)}", b=rng.choice(WORDS), t=topic
    )
    if rng.random() < 0.3:
        prompt = typo(rng, prompt)
    return f"{prompt} {words(rng, rng.randint(0, 8))}".strip()


def casual(rng: random.Random, prompt: str) -> str:
    """A prompt retyped by a person: lower case, no final full stop, sometimes a typo or a greeting.

    >>> casual(random.Random(0), "Solve this.").endswith(".")
    False
    """
    prompt = prompt.lower().rstrip(".")
    if rng.random() < 0.3:
        prompt = typo(rng, prompt)
    if rng.random() < 0.3:
        prompt = f"{rng.choice(('hey', 'hi', 'ok', 'pls'))} {prompt}"
    return prompt


def grid_prompt(topic: str, concept: str, form: int) -> str:
    """One cell of a systematic topic x concept x question-form grid."""
    return QUESTION_FORMS[form % len(QUESTION_FORMS)].format(a=concept, b="its applications", t=topic)


def leech_prompt(rng: random.Random, task: int) -> str:
    return LEECH_TASKS[task % len(LEECH_TASKS)].format(x=words(rng, rng.randint(8, 40)))


def classify_prompt(rng: random.Random, task: int) -> str:
    return CLASSIFY_TASKS[task % len(CLASSIFY_TASKS)].format(x=words(rng, rng.randint(4, 40)))


def translate_prompt(rng: random.Random, form: int, lang: str, source: str) -> str:
    return TRANSLATE_FORMS[form % len(TRANSLATE_FORMS)].format(lang=lang, x=source)


def benchmark_item(rng: random.Random, suite: str, item: int) -> str:
    return (
        f"Answer the following multiple-choice question about {suite}. Think step by step, then give "
        f"the letter. Question {item}: {words(rng, rng.randint(12, 30))}? A) {words(rng, 3)} "
        f"B) {words(rng, 3)} C) {words(rng, 3)} D) {words(rng, 3)}"
    )


def app_prompt(rng: random.Random, app: str, topic: str) -> str:
    """A consumer app's request: its fixed system prompt, some history, then the end user's message."""
    return (
        f"You are {app}, a friendly assistant. Keep answers short and safe. History: "
        f"{words(rng, rng.randint(0, 30))} User: {chat_prompt(rng, topic)}"
    )


def rag_prompt(rng: random.Random, corpus: str, chunks: int) -> str:
    return (
        f"Answer using only the context below. If unsure, say so. Context from {corpus}: "
        f"{words(rng, 20 * chunks)} Question: {words(rng, rng.randint(6, 16))}?"
    )


def writing_prompt(rng: random.Random, project: str, chapter: int) -> str:
    return (
        f"Continue the manuscript '{project}'. Write chapter {chapter} in full, about "
        f"{rng.choice((2000, 3000, 4000))} words. Notes: {words(rng, rng.randint(10, 40))}"
    )


def code_prompt(rng: random.Random, repo: str, file_no: int, task: str) -> str:
    """An agent step: the same file context is resent for every step of a task."""
    file_rng = random.Random(f"{repo}/{file_no}")
    return f"You are a coding agent in {repo}. File {file_no}: {words(file_rng, 70)} Task: {task}"


def ci_prompt(repo_rng: random.Random, check: int) -> str:
    """A CI job's check: identical from run to run until the code changes."""
    return f"Review this diff for bugs and missing tests. Check {check}: {words(repo_rng, 50)}"
