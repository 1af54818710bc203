"""The settings a client sends with each request and the answers it gets back.

Temperature 0 is common when harvesting through templates (one canonical answer per input), but not
universal; benign batch jobs and classifiers use it too. ``max_tokens`` is sent by some integrations and
left to the server's default by others. Answers are long for explanations and reasoning, medium for code
and tool calls, whoever asks. So each of these is drawn per client, from ranges shared by both labels.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

SERVER_LIMIT = 8192  # the cap on an answer when the request names none
MAX_TOKENS = (1024, 2048, 4096, 8192, 16384)
NONZERO_TEMPERATURES = (0.2, 0.3, 0.5, 0.7, 0.8, 1.0)
VARIES_SHARE = 0.15  # clients that vary the temperature from request to request


@dataclass(frozen=True)
class Knobs:
    temperatures: tuple[float | None, ...]  # one value for most clients; None: not sent
    max_tokens: int | None  # None: not sent, the server's limit applies
    answer_log_mean: float  # of completion tokens, lognormal
    answer_sigma: float

    @classmethod
    def draw(
        cls,
        rng: random.Random,
        zero_share: float,
        answer_log_mean: tuple[float, float],
        max_tokens: tuple[int, ...] = MAX_TOKENS,
        sent_share: float = 0.75,
        varies: float = VARIES_SHARE,
    ) -> Knobs:
        """Temperature 0 with chance ``zero_share`` (of clients that keep one temperature; ``varies`` of
        them change it from request to request); ``max_tokens`` sent with chance ``sent_share``.

        >>> k = Knobs.draw(random.Random(0), zero_share=1.0, answer_log_mean=(5.0, 5.0), sent_share=1.0)
        >>> k.temperature(random.Random(0)) == 0.0 or len(k.temperatures) > 1
        True
        """
        if rng.random() < varies:
            temperatures = tuple(rng.sample(NONZERO_TEMPERATURES, rng.randint(2, 3)))
        elif rng.random() < zero_share:
            temperatures = (0.0,)
        else:
            temperatures = (rng.choice((None, *NONZERO_TEMPERATURES)),)
        return cls(
            temperatures=temperatures,
            max_tokens=rng.choice(max_tokens) if rng.random() < sent_share else None,
            answer_log_mean=rng.uniform(*answer_log_mean),
            answer_sigma=rng.uniform(0.3, 0.8),
        )

    def temperature(self, rng: random.Random) -> float | None:
        return self.temperatures[0] if len(self.temperatures) == 1 else rng.choice(self.temperatures)

    def answer(self, rng: random.Random) -> tuple[int, str]:
        """Completion tokens and stop reason: cut at the limit when the answer would run past it."""
        limit = self.max_tokens or SERVER_LIMIT
        wanted = int(rng.lognormvariate(self.answer_log_mean, self.answer_sigma))
        return (limit, "max_tokens") if wanted >= limit else (wanted, "end_turn")

    def fields(self, rng: random.Random) -> dict:
        """The request's settings and its answer, as event fields."""
        completion, stop = self.answer(rng)
        return {
            "completion_tokens": completion,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature(rng),
            "stop_reason": stop,
        }
