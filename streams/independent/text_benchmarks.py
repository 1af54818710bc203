"""Fixed public benchmark suites, as evaluation harnesses send them.

Items depend only on the suite and the item number, never on the run seed or the account: every
harness that runs a suite sends the very same prompts, run after run, which is what makes benchmark
traffic repetitive, broad and step-by-step without being extraction.
"""

from __future__ import annotations

from .seeding import py_rng
from .text_common import identifier
from .vocab import CODE_NOUNS, FIRST_NAMES, FOODS, STEM_SUBJECTS

IFEVAL_RULES = ["Do not use any commas.", "Use all lowercase letters.",
                "End with the phrase: Is there anything else?", "Include the keywords river and lantern."]
SUITES: dict[str, int] = {"mmlu_like": 1400, "gsm_like": 1319, "humaneval_like": 164, "ifeval_like": 541}


def benchmark_item(suite: str, index: int) -> str:
    rng = py_rng("benchmark", suite, index)
    if suite == "mmlu_like":
        subject = rng.choice(STEM_SUBJECTS)
        a, b = rng.randrange(2, 90), rng.randrange(2, 90)
        options = [str(a * b + d) for d in rng.sample(range(-9, 10), 4)]
        return (
            f"The following is a multiple choice question about {subject}.\n\n"
            f"Question {index}: In a standard {subject} exercise, a quantity scales as {a} times {b}. "
            f"Which value is correct?\nA. {options[0]}\nB. {options[1]}\nC. {options[2]}\nD. {options[3]}\n"
            f"Answer:"
        )
    if suite == "gsm_like":
        name = rng.choice(FIRST_NAMES)
        packs, per, eaten, price = (
            rng.randrange(2, 12),
            rng.randrange(3, 24),
            rng.randrange(1, 9),
            rng.randrange(2, 15),
        )
        return (
            f"{name} buys {packs} packs of {rng.choice(FOODS)} with {per} portions in each pack. "
            f"{name} uses {eaten} portions a day for a week and sells the rest for ${price} per portion. "
            f"How much money does {name} make?"
        )
    if suite == "humaneval_like":
        name, noun = identifier(rng), rng.choice(CODE_NOUNS)
        example = ", ".join(str(rng.randrange(1, 9)) for _ in range(3))
        return (
            f'def {name}(items: list[int], k: int) -> list[int]:\n    """Return the {noun} values from items '
            f"whose running total stays below k, in their original order.\n"
            f'    >>> {name}([{example}], {rng.randrange(5, 20)})\n    """\n'
        )
    if suite == "ifeval_like":
        return (
            f"Write a {rng.choice(['letter', 'story', 'product review', 'poem', 'blog post'])} about "
            f"{rng.choice(FOODS)} in exactly {rng.randrange(3, 8)} paragraphs. "
            f"{rng.choice(IFEVAL_RULES)}"
        )
    raise ValueError(suite)
