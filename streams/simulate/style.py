"""How one distiller works, drawn per client: what it asks about, how it phrases it, its settings and hours.

Scenarios set what is specific to them (rate range, keys, addresses, bursts); everything else about a
distiller is drawn here, so a detector trained on the simulator meets many shapes of extraction rather
than one: templated or not, temperature 0 or not, ``max_tokens`` sent or not, long or medium answers,
around the clock or office hours with weekends off.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from streams.simulate import hours, text
from streams.simulate.client import Client, RatePerHour, library_agent
from streams.simulate.hours import Activity
from streams.simulate.knobs import Knobs
from streams.simulate.templates import ANSWER_LOG_MEAN, MODES, Phrasing

# temperature 0 is usual for templated harvesting (one canonical answer per input), less so otherwise
ZERO_TEMPERATURE = {True: 0.6, False: 0.3}
TOOL_USE_STOP = 0.5  # share of tool-use traces that end in a tool call


@dataclass(frozen=True)
class DistillationStyle:
    topics: tuple[str, ...]
    phrasing: Phrasing
    knobs: Knobs
    context_tokens: int  # system prompt, tool definitions or examples sent with every prompt
    agent: str
    active: Activity

    @classmethod
    def draw(
        cls,
        rng: random.Random,
        topics: tuple[int, int] = (8, 30),
        modes: tuple[float, float, float] = MODES,
        active: Activity | None = None,
    ) -> DistillationStyle:
        """A distiller's ways; ``modes`` weighs no template / one / several, ``active`` fixes its hours."""
        phrasing = Phrasing.draw(rng, modes)
        templated = bool(phrasing.templates)
        return cls(
            topics=tuple(rng.sample(text.TOPICS, rng.randint(*topics))),
            phrasing=phrasing,
            knobs=Knobs.draw(rng, ZERO_TEMPERATURE[templated], ANSWER_LOG_MEAN[phrasing.aim]),
            context_tokens=rng.choice([0, 0, rng.randint(50, 400), rng.randint(400, 3000)]),
            agent=library_agent(rng),
            active=active or hours.draw(rng),
        )

    def rate(self, rate: float) -> RatePerHour:
        """``rate`` requests an hour while active."""
        active = self.active
        return lambda ts: rate * active(ts)

    def prompt(self, rng: random.Random) -> str:
        return self.phrasing.prompt(rng, rng.choice(self.topics))

    def event(self, c: Client, seq: int, ts: float, prompt: str | None = None, **fields) -> dict:
        """One request; ``prompt`` given by the scenario, or asked the distiller's own way."""
        rng = c.rng
        settings = self.knobs.fields(rng)
        if prompt is None:
            prompt = self.prompt(rng)
            if self.phrasing.aim == "tool_use" and rng.random() < TOOL_USE_STOP:
                settings["stop_reason"] = "tool_use"
        defaults = {
            "prompt": prompt,
            "prompt_tokens": len(prompt) // 4 + self.context_tokens + rng.randint(0, 20),
            "user_agent": self.agent,
            **settings,
        }
        return c.event(seq, ts, **{**defaults, **fields})
