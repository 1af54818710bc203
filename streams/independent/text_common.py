"""Text pieces shared by benign and extraction prompts: token counts, code, documents, noise."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping, Sequence

from .vocab import (
    CODE_NOUNS,
    CODE_VERBS,
    COMPANIES,
    ERRORS,
    FIRST_NAMES,
    INSULTS,
    POST_PREDICATES,
    POST_SUBJECTS,
    POST_TAILS,
    PRODUCTS,
    REVIEW_ASPECTS,
    REVIEW_QUALITIES,
    SPAM,
    TICKET_ISSUES,
)

MAX_PROMPT_CHARS = 1500  # gateways commonly log a capped prefix of long prompts

Slots = Mapping[str, Sequence[object] | Callable[[random.Random], str]]
_SLOT = re.compile(r"\{(\w+)\}")


def fill(rng: random.Random, template: str, slots: Slots) -> str:
    """Replace every {name} by a draw from slots[name]: a list to choose from, or a function.

    >>> fill(random.Random(1), "a {x} b", {"x": ["y"]})
    'a y b'
    """

    def draw(match: re.Match[str]) -> str:
        source = slots[match.group(1)]
        return source(rng) if callable(source) else str(rng.choice(source))

    return _SLOT.sub(draw, template)


def number(low: int, high: int) -> Callable[[random.Random], str]:
    """A slot source drawing an integer in [low, high)."""
    return lambda rng: str(rng.randrange(low, high))


def estimate_tokens(text: str) -> int:
    """About 4 characters per token for Latin text, about one per CJK character.

    >>> estimate_tokens("a" * 400)
    100
    """
    chars = len(text)
    wide = (len(text.encode()) - chars) // 2  # 3-byte UTF-8 characters add two bytes each
    return max(1, (chars - wide) // 4 + wide)


def clip(text: str) -> str:
    return text if len(text) <= MAX_PROMPT_CHARS else text[:MAX_PROMPT_CHARS]


def identifier(rng: random.Random) -> str:
    return f"{rng.choice(CODE_VERBS)}_{rng.choice(CODE_NOUNS)}"


def code_snippet(rng: random.Random, lang: str | None = None) -> str:
    """A short, plausible function in one of a few languages."""
    lang = lang or rng.choice(["Python", "TypeScript", "Go"])
    name, noun, other = identifier(rng), rng.choice(CODE_NOUNS), rng.choice(CODE_NOUNS)
    limit = rng.choice([3, 5, 10, 50, 100, 1000])
    if lang == "TypeScript":
        camel = "".join(p.capitalize() if i else p for i, p in enumerate(name.split("_")))
        return (
            f"export async function {camel}({noun}Id: string): Promise<{other.capitalize()}[]> {{\n"
            f"  const rows = await db.{other}.findMany({{ where: {{ {noun}Id }}, take: {limit} }});\n"
            f"  return rows.filter((r) => r.status !== 'archived');\n}}"
        )
    if lang == "Go":
        camel = "".join(p.capitalize() for p in name.split("_"))
        return (
            f"func {camel}(ctx context.Context, id string) ([]{other.capitalize()}, error) {{\n"
            f"\trows, err := store.List{other.capitalize()}(ctx, id, {limit})\n"
            f'\tif err != nil {{\n\t\treturn nil, fmt.Errorf("{name}: %w", err)\n\t}}\n\treturn rows, nil\n}}'
        )
    return (
        f"def {name}({noun}_id: str, limit: int = {limit}) -> list[dict]:\n"
        f"    rows = session.query({other.capitalize()}).filter_by({noun}_id={noun}_id).limit(limit).all()\n"
        f'    return [r.to_dict() for r in rows if r.status != "archived"]'
    )


def file_path(rng: random.Random) -> str:
    top = rng.choice(["src", "app", "services", "pkg", "lib", "internal", "web"])
    ext = rng.choice([".py", ".ts", ".go", ".tsx", ".rs", ".py"])
    return f"{top}/{rng.choice(CODE_NOUNS)}/{identifier(rng)}{ext}"


def diff(rng: random.Random) -> str:
    path = file_path(rng)
    old, new = identifier(rng), identifier(rng)
    line = rng.randrange(10, 400)
    return (
        f"--- a/{path}\n+++ b/{path}\n@@ -{line},6 +{line},7 @@\n"
        f"-    result = {old}(payload)\n+    result = {new}(payload, timeout={rng.choice([5, 10, 30])})\n"
        f'+    if result is None:\n+        raise ValueError("empty {rng.choice(CODE_NOUNS)}")\n'
        f"     return result"
    )


def traceback(rng: random.Random) -> str:
    return (
        f'Traceback (most recent call last):\n  File "{file_path(rng)}", line {rng.randrange(5, 900)}, '
        f"in {identifier(rng)}\n{rng.choice(ERRORS)}"
    )


def tool_output(rng: random.Random) -> str:
    """What a coding agent feeds back: test runs, file reads, searches, command output."""
    kind = rng.randrange(6)
    if kind == 0:
        passed, failed = rng.randrange(3, 400), rng.randrange(0, 6)
        return (
            f"$ pytest -q tests/test_{rng.choice(CODE_NOUNS)}.py\n"
            + "." * min(passed, 60)
            + "F" * failed
            + f"\n{failed} failed, {passed} passed in {rng.uniform(0.4, 90):.2f}s"
            + (
                f"\nFAILED tests/test_{rng.choice(CODE_NOUNS)}.py::test_{identifier(rng)} - "
                f"{rng.choice(ERRORS)}"
                if failed
                else ""
            )
        )
    if kind == 1:
        return f"[read_file {file_path(rng)}]\n{code_snippet(rng)}"
    if kind == 2:
        hits = "\n".join(
            f"{file_path(rng)}:{rng.randrange(1, 500)}:    {identifier(rng)}(ctx)"
            for _ in range(rng.randrange(1, 6))
        )
        return f'$ rg -n "{identifier(rng)}"\n{hits}'
    if kind == 3:
        return traceback(rng)
    if kind == 4:
        return f"$ git diff\n{diff(rng)}"
    files = "  ".join(f"{identifier(rng)}.py" for _ in range(rng.randrange(3, 9)))
    return f"$ ls {file_path(rng).rsplit('/', 1)[0]}\n{files}"


def ticket(rng: random.Random) -> str:
    """A short customer-support conversation."""
    name, company = rng.choice(FIRST_NAMES), rng.choice(COMPANIES)
    issue = rng.choice(TICKET_ISSUES)
    order = rng.randrange(100000, 999999)
    nth = rng.choice(["first", "second", "third"])
    action = rng.choice(["escalated", "refunded", "checked", "reset"])
    reply = rng.choice(["Ok thanks.", "That is not acceptable.", "Great, appreciate it!", "Again?!"])
    return (
        f"Customer ({name}): Hi, {issue} (order #{order}). This is the {nth} time I'm writing.\n"
        f"Agent ({company}): Sorry about that, {name}. I've {action} it on our side; you should see an "
        f"update within {rng.randrange(1, 72)} hours.\nCustomer: {reply}"
    )


def user_post(rng: random.Random) -> str:
    """A social post or comment: mostly ordinary, some spam, some abuse."""
    roll = rng.random()
    if roll < 0.08:
        return rng.choice(SPAM).format(n=rng.randrange(2, 500), code=identifier(rng).replace("_", ""))
    if roll < 0.14:
        return f"@{rng.choice(FIRST_NAMES).lower()} you are {rng.choice(INSULTS)}{rng.choice(POST_TAILS)}"
    text = f"{rng.choice(POST_SUBJECTS)} {rng.choice(POST_PREDICATES)}{rng.choice(POST_TAILS)}"
    if rng.random() < 0.3:
        text += f" {rng.choice(POST_SUBJECTS)} {rng.choice(POST_PREDICATES)}"
    return typo(rng, text.capitalize(), 0.3)


def review(rng: random.Random) -> str:
    return (
        f"{rng.choice(PRODUCTS).capitalize()}: {rng.choice(REVIEW_ASPECTS)} {rng.choice(REVIEW_QUALITIES)}, "
        f"{rng.choice(REVIEW_ASPECTS).lower()} {rng.choice(REVIEW_QUALITIES)}. ({rng.randrange(1, 6)}/5)"
    )


def typo(rng: random.Random, text: str, rate: float) -> str:
    """Human noise: dropped letters, lower-case starts, missing final punctuation."""
    if rng.random() < rate and len(text) > 20:
        cut = rng.randrange(1, len(text) - 1)
        text = text[:cut] + text[cut + 1 :]
    if rng.random() < rate:
        text = text[0].lower() + text[1:]
    if rng.random() < rate and text[-1] in ".?":
        text = text[:-1]
    return text
