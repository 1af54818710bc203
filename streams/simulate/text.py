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


def document_prompt(rng: random.Random, doc_no: int) -> str:
    return f"Summarise document {doc_no} in five bullet points: {words(rng, 60)}"
