"""Reduces prompt text to hashes at ingest, so the text itself never reaches state, logs or alerts.

- ``prompt_sha256``: exact repeats.
- ``prompt_simhash``: a 64-bit SimHash over word tokens; near-duplicates differ in few bits.
- ``template``: a signature of the prompt's first words with numbers and quoted spans masked, so
  "Translate 'x' to French" and "Translate 'y' to French" share one template.
- ``asks_reasoning``: whether the prompt asks for step-by-step reasoning or exhaustive detail.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

_TOKEN = re.compile(r"\w+", re.UNICODE)
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'|`[^`]*`")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# matched against lower-cased text (cheaper than IGNORECASE)
_REASONING = re.compile(
    r"step[- ]by[- ]step|show (?:your|all) (?:work|reasoning)|explain (?:your|the) reasoning"
    r"|think (?:carefully|through)|chain of thought|in (?:full|exhaustive|great) detail|exhaustive"
)
_CACHE_LIMIT = 50_000  # token hashes kept: words repeat, so most tokens are hashed once
_TEMPLATE_WORDS = 6
_MAX_TOKENS = 80
_BIT_WEIGHTS = (1 << np.arange(64, dtype=np.uint64)).astype(np.uint64)


_token_cache: dict[str, bytes] = {}


def _token_hash(token: str) -> bytes:
    digest = _token_cache.get(token)
    if digest is None:
        # blake2b is in the standard library and fast for short inputs; 8 bytes = one 64-bit lane.
        digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
        if len(_token_cache) >= _CACHE_LIMIT:
            _token_cache.clear()
        _token_cache[token] = digest
    return digest


def _token_hashes(tokens: list[str]) -> np.ndarray:
    return np.frombuffer(b"".join(map(_token_hash, tokens)), dtype="<u8")


def simhash(text: str) -> int:
    """64-bit SimHash over the first 80 lower-cased word tokens.

    >>> a = simhash("Explain the history of the Roman empire in detail please")
    >>> b = simhash("Explain the history of the Roman empire in detail, please!")
    >>> a == b
    True
    >>> bin(a ^ simhash("Write a haiku about autumn leaves")).count("1") > 10
    True
    """
    tokens = _TOKEN.findall(text.lower())[:_MAX_TOKENS]
    if not tokens:
        return 0
    hashes = _token_hashes(tokens)
    bits = (hashes[:, None] >> np.arange(64, dtype=np.uint64)) & np.uint64(1)
    votes = bits.sum(axis=0, dtype=np.int64) * 2 - len(tokens)
    return int((_BIT_WEIGHTS * (votes > 0).astype(np.uint64)).sum())


def template_signature(text: str) -> int:
    """A 63-bit signature of the prompt's leading words with quoted spans and numbers masked.

    >>> template_signature("Translate 'good morning' to French") == template_signature(
    ...     "Translate 'the cat sat' to French")
    True
    >>> template_signature("Summarise report 17") == template_signature("Summarise report 2024")
    True
    """
    masked = _NUMBER.sub("#", _QUOTED.sub("Q", text.lower()))
    words = _TOKEN.findall(masked)[:_TEMPLATE_WORDS]
    digest = hashlib.blake2b(" ".join(words).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def asks_reasoning(text: str) -> bool:
    """
    >>> asks_reasoning("Solve this Step by step: 2x+3=7")
    True
    >>> asks_reasoning("What is the capital of France?")
    False
    """
    return _REASONING.search(text.lower()) is not None
