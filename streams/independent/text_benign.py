"""Prompts of ordinary API customers: chat, coding, RAG, pipelines, moderation, translation, ...

Each builder returns the final user turn (or the text a pipeline sends). Products wrap user input
in their own fixed instruction, so pipeline builders take that instruction as an argument: one
customer's prompts share it, different customers differ. Templates are filled from slot tables
(text_common.fill), so two users rarely send the same words.
"""

from __future__ import annotations

import random

from .text_common import (
    clip,
    code_snippet,
    diff,
    file_path,
    fill,
    identifier,
    number,
    review,
    ticket,
    tool_output,
    traceback,
    typo,
    user_post,
)
from .vocab import (
    AUDIENCES,
    CITIES,
    CODE_NOUNS,
    COMPANIES,
    CONCEPTS,
    DOC_KINDS,
    FIRST_NAMES,
    FOODS,
    FRAMEWORKS,
    HOBBIES,
    JOBS,
    LANGUAGES,
    PRODUCTS,
    PROG_LANGS,
    RAG_DOMAINS,
    TONES,
    UI_STRINGS,
)

SLOTS = {
    "lang": PROG_LANGS,
    "framework": FRAMEWORKS,
    "concept": CONCEPTS,
    "tone": TONES,
    "doc": DOC_KINDS,
    "audience": AUDIENCES,
    "food": FOODS,
    "city": CITIES,
    "job": JOBS,
    "hobby": HOBBIES,
    "product": PRODUCTS,
    "company": COMPANIES,
    "language": LANGUAGES,
    "name": FIRST_NAMES,
    "noun": CODE_NOUNS,
    "list_op": ["reverse", "deduplicate", "sort", "flatten", "chunk"],
    "without": ["extra memory", "a library", "mutating it"],
    "project": ["side project", "startup MVP", "large team", "data pipeline"],
    "level": ["five", "12", "a busy executive", "new to this"],
    "news": ["a delayed launch", "our new pricing", "a team offsite", "my career change", "a charity run"],
    "month": ["March", "June", "October", "December"],
    "budget": ["tight", "moderate", "generous"],
    "venture": ["podcast", "bakery", "SaaS tool", "band", "newsletter"],
    "person": ["landlord", "coworker", "sister", "neighbour", "manager"],
    "habit": ["ignoring my messages", "taking credit for my work", "parking in my spot", "borrowing money"],
    "debate": ["remote work", "a four-day week", "nuclear power", "school uniforms", "rent control"],
    "bake": ["sourdough", "bread", "cake", "pizza dough"],
    "bake_fail": ["dense", "flat", "gummy", "too sour"],
    "gift": ["gift", "book", "board game", "weekend activity"],
    "weeks": ["4", "6", "8", "12"],
    "rate": ["3", "4", "5", "7"],
    "minutes": ["20", "30", "45"],
    "n2_8": number(2, 8),
    "n1_6": number(1, 6),
    "n5_21": number(5, 21),
    "n3_30": number(3, 30),
    "price": number(40, 900),
    "saving": number(100, 2000),
    "order": number(100000, 999999),
    "date": lambda r: f"{r.randrange(1, 29)}/{r.randrange(1, 13)}",
    "ui": lambda r: r.choice(UI_STRINGS).format(n=r.randrange(2, 30)),
    "traceback": traceback,
    "snippet": code_snippet,
    "path": file_path,
    "ident": identifier,
    "prod_issue": ["500s on checkout", "duplicate emails", "stale cache", "timeouts on login"],
    "edit": ["shorten", "expand", "simplify", "rewrite", "double-check", "reformat", "translate", "justify",
             "give sources for", "add examples to", "make a table of", "turn into bullet points"],
    "part": ["the second paragraph", "the code", "the intro", "that list", "the last step", "the email",
             "your answer", "point 3", "the conclusion", "the SQL", "the plan", "the first option"],
    "failure": ["KeyError", "a 404", "permission denied", "a blank page", "a timeout"],
    "when": ["run it", "deploy", "open the page", "call it twice"],
    "why": ["is that", "did you pick that", "does step 2 work", "not the other way around"],
    "words": ["50", "100", "150", "300"],
    "ack": ["thanks!", "perfect", "hmm not quite", "go on", "and then?", "ok", "wait, really?"],
    "length": ["800-word", "1500-word", "2000-word", "long", "detailed"],
    "extra": ["", " Include a catchy title.", " Use H2 headings.", " End with a call to action.",
              " Avoid jargon."],
    "place": ["tavern", "lighthouse", "library", "space station", "night market", "abandoned mall",
              "castle kitchen", "train to Vienna", "desert camp", "underwater lab", "rooftop garden",
              "detective's office"],
    "role": ["retired detective", "starship captain", "grumpy wizard", "barista with secrets", "rogue AI",
             "court bard", "vampire accountant", "ship's doctor", "teenage inventor", "exiled queen"],
    "action": ["pushes open the door", "sits down across from you", "draws a sword",
               "hands over a sealed letter", "laughs nervously", "checks the map again", "whispers",
               "lights a cigarette", "slams the table"],
    "line": ["So... what now?", "Is anyone here?", "You owe me.", "We need to leave. Now.",
             "tell me the truth", "I did not expect you here", "how long has it been?"],
    "found": ["a letter", "a key", "a body", "a map", "an old photo"],
    "moment": ["at dawn", "during the storm", "after the fire", "on festival night"],
    "skip": ["the trial", "the wedding", "the heist", "the next morning"],
    "my": ["my", "the"],
    "step": ["no, keep the old behaviour for admins", "looks good, commit it", "also update the changelog",
             "run the full test suite", "don't touch the migrations", "try a simpler approach"],
}

CHAT = ["How do I {list_op} a list in {lang} without {without}?",
        "What's the difference between {framework} and {framework} for a {project}?",
        "Can you explain {concept} like I'm {level}?", "Write a {tone} {doc} for {audience} about {news}.",
        "I have {food} and {food} in the fridge. Dinner ideas for {n1_6} people in under {minutes} minutes?",
        "Plan a {n2_8}-day trip to {city} in {month} on a {budget} budget.",
        "I'm a {job} thinking about becoming a {job}. What skills transfer and what should I learn first?",
        "Give me {n5_21} name ideas for a {venture} about {hobby}.",
        "Is {product} worth it at around ${price}? What should I look for?",
        "My {person} keeps {habit}. How do I bring it up without a fight?",
        "Help me understand this error: {traceback}",
        "Summarize the main arguments for and against {debate}.",
        "I'm starting {hobby}. Make me a {weeks}-week beginner plan.",
        "If I save ${saving} a month at {rate}% for {n3_30} years, how much will I have? Show the formula.",
        'Rewrite this so it sounds more {tone}: "{ui}"',
        "What are good questions to ask at the end of a {job} interview at {company}?",
        "Why does my {bake} come out {bake_fail}?",
        "Review this function and suggest improvements:\n{snippet}", 'Translate "{ui}" into {language}.',
        "what's a good {gift} for someone into {hobby}"]
CHAT_FOREIGN = ["¿Cómo puedo mejorar mi currículum para un puesto de {job}?",
                "Explícame {concept} con un ejemplo sencillo.",
                "Escribe un correo formal para pedir un día libre el {date}.",
                "¿Qué puedo cocinar con {food}?",
                "Wie formuliere ich eine höfliche Absage an einen Bewerber für {job}?",
                "Erkläre mir {concept} in einfachen Worten.",
                "Schreib eine kurze E-Mail an meinen Vermieter wegen der Heizung.",
                "Was kann ich heute Abend mit {food} kochen?", "Peux-tu m'expliquer {concept} simplement ?",
                "Rédige une lettre de motivation pour un poste de {job}.",
                "Quelles sont les étapes pour créer une micro-entreprise ?",
                "Une recette rapide avec {food} ?", "Como posso explicar {concept} para meus alunos?",
                "Quais perguntas fazer numa entrevista para {job}?",
                "Escreva uma mensagem educada cobrando um cliente atrasado.",
                "{concept}について分かりやすく説明してください。", "上司へのお礼のメールを書いてください。",
                "週末に{city}で行くべき場所は？", "请用简单的话解释一下{concept}。",
                "帮我写一封请假邮件，时间是{date}。", "如何准备{job}的面试？", "推荐几个{city}的旅游景点。",
                "{concept}에 대해 쉽게 설명해 주세요.", "회의 일정 변경을 알리는 이메일을 써 주세요.",
                "{city} 여행 일정을 짜 주세요.", "{concept} को आसान भाषा में समझाइए।",
                "नौकरी के लिए एक छोटा परिचय लिखिए।"]
CHAT_PREFIXES = ["Quick question: ", "Hey! ", "I need help. ", "For work: ", "Be brief. "]
CHAT_SUFFIXES = [" Keep it under 200 words.", " Use bullet points.", " Be specific.",
                 " Explain your reasoning.", " No fluff please.", " Include an example."]
FOLLOWUPS = ["Can you {edit} {part}?", "ok now {edit} {part} for {audience}",
             "That didn't work, I get {failure} when I {when}", "What if I don't have {food}?",
             "Make it more {tone} and under {words} words.", "Why {why}?", "Now do the same in {lang}.",
             "Great. What about {concept}?", "Great. What about {hobby}?", "{ack}"]
CODING_TASKS = ["Fix the failing test in tests/test_{noun}.py",
                "Add pagination to the {noun}s endpoint and update the tests",
                "Refactor {path} to use dependency injection for the db session",
                "Why is {ident} so slow on large inputs? Profile it and propose a fix",
                "Migrate the {noun} module from {framework} to {framework}",
                "Write a CLI command that exports {noun}s to CSV",
                "We get this in prod, find the cause: {prod_issue}",
                "Add type hints to {path} and make mypy pass", "Implement the TODO in {path}",
                "Bump {framework} to the latest major version and fix what breaks"]
WRITING = [
    "Write a {length} {doc} about {concept} for {audience}. Tone: {tone}.{extra}",
    "Write a {length} {doc} about {hobby} for {audience}. Tone: {tone}.{extra}",
]
ROLEPLAY = ["*{name} {action} in the {place}* {line}",
            "Continue the story: {name} finds {found} in the {place}.",
            "You are {name}, a {role}. Stay in character. We meet at the {place}.", "*{action}* {line}",
            "Describe the {place} from {name}'s point of view, {moment}.",
            "ooc: can we skip ahead to {skip}?"]
SUPPORT = ["where is my order #{order}", "I want to return {product}", "how do I change my delivery address",
           "cancel my subscription please", "{my} promo code doesn't work", "do you ship to {city}?",
           "I was charged twice", "talk to a human", "is {product} back in stock?", "my account is locked"]
TRIAL = ["hello", "test", "Hi! What can you do?", "ping", "What model are you?", "Say hello in French",
         "write a haiku about coffee", "2+2?", "tell me a joke"]


def chat_message(rng: random.Random, foreign_share: float = 0.15) -> str:
    """An opening message to a general assistant, in English or another language."""
    if rng.random() < foreign_share:
        return fill(rng, rng.choice(CHAT_FOREIGN), SLOTS)
    text = fill(rng, rng.choice(CHAT), SLOTS)
    if rng.random() < 0.3:
        text = rng.choice(CHAT_PREFIXES) + text
    if rng.random() < 0.25:
        text += rng.choice(CHAT_SUFFIXES)
    return typo(rng, text, 0.2)


def chat_followup(rng: random.Random) -> str:
    """A later turn: a short request about the last answer, or a new question altogether."""
    if rng.random() < 0.4:
        return chat_message(rng, 0.1)
    return typo(rng, fill(rng, rng.choice(FOLLOWUPS), SLOTS), 0.25)


def coding_task(rng: random.Random) -> str:
    """The instruction that opens a coding-agent session."""
    return typo(rng, fill(rng, rng.choice(CODING_TASKS), SLOTS), 0.3)


def agent_turn(rng: random.Random) -> str:
    """A later turn of a coding-agent session: mostly tool results, sometimes the user steering."""
    if rng.random() < 0.08:
        return typo(rng, rng.choice(SLOTS["step"]), 0.3)
    return tool_output(rng)


def rag_prompt(rng: random.Random, domain: str) -> str:
    """A question plus the start of the retrieved passages (the rest is in context tokens)."""
    topics, questions = RAG_DOMAINS[domain]
    topic = rng.choice(topics)
    passages = "\n".join(
        f"[{i + 1}] ...{topic} {rng.choice(['is', 'must be', 'may be', 'is not'])} "
        f"{rng.choice(['approved by', 'limited to', 'reviewed by', 'available for'])} "
        f"{rng.choice(['the department head', 'full-time staff', 'enterprise plans', 'the data controller'])}"
        f" as described in section {rng.randrange(1, 20)}.{rng.randrange(1, 9)}..."
        for i in range(rng.randrange(2, 5))
    )
    return clip(
        f"Answer using only the context below. If the answer is not there, say so.\n\n{passages}\n\n"
        f"Question: {rng.choice(questions).format(x=topic)}"
    )


def pipeline_input(rng: random.Random, kind: str) -> str:
    """One record a pipeline processes: tickets, reviews, user posts, UI text, invoices."""
    if kind == "ticket":
        return ticket(rng)
    if kind == "review":
        return review(rng)
    if kind == "post":
        return user_post(rng)
    if kind == "ui":  # a screen's worth of interface strings
        strings = rng.sample(UI_STRINGS, rng.randrange(1, 4))
        return "\n".join(text.format(n=rng.randrange(2, 60)) for text in strings)
    if kind == "invoice":
        lines = "\n".join(
            f"{rng.choice(PRODUCTS)}  x{rng.randrange(1, 9)}  {rng.uniform(5, 900):.2f}"
            for _ in range(rng.randrange(1, 5))
        )
        return (
            f"INVOICE {rng.randrange(10000, 99999)}\n{rng.choice(COMPANIES)} Ltd\n"
            f"Date: 2026-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}\n{lines}\n"
            f"TOTAL {rng.uniform(20, 5000):.2f} {rng.choice(['EUR', 'USD', 'GBP'])}"
        )
    raise ValueError(kind)


def ci_prompt(rng: random.Random, instruction: str) -> str:
    return clip(f"{instruction}\n\n{diff(rng) if rng.random() < 0.7 else tool_output(rng)}")


def writing_request(rng: random.Random) -> str:
    return fill(rng, rng.choice(WRITING), SLOTS)


def roleplay_turn(rng: random.Random) -> str:
    return typo(rng, fill(rng, rng.choice(ROLEPLAY), SLOTS), 0.3)


def support_message(rng: random.Random) -> str:
    return typo(rng, fill(rng, rng.choice(SUPPORT), SLOTS), 0.4)


def tool_result_json(rng: random.Random) -> str:
    status = rng.choice(["shipped", "processing", "delivered", "refunded", "on_hold"])
    return (
        f'{{"order_id": "{rng.randrange(100000, 999999)}", "status": "{status}", '
        f'"eta_days": {rng.randrange(0, 9)}, "carrier": "{rng.choice(["UPS", "DHL", "USPS", "DPD"])}"}}'
    )


def synthetic_data_request(rng: random.Random, task: str) -> str:
    """A labelling or synthetic-data team generating training examples for its own model."""
    subject = rng.choice(CODE_NOUNS + HOBBIES + PRODUCTS + CONCEPTS)
    covered = ", ".join(rng.sample(CODE_NOUNS + FOODS, 3))
    return (
        f"Generate {rng.choice([5, 10, 20])} diverse, realistic examples of {task} about {subject} for a "
        f"{rng.choice(JOBS)} persona. Vary tone and length; avoid these already covered: {covered}. "
        f'Return JSON lines with fields "input" and "label".'
    )


def trial_prompt(rng: random.Random) -> str:
    return chat_message(rng, 0.2) if rng.random() < 0.1 else rng.choice(TRIAL)
