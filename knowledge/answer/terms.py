"""Key terms of a question and their coverage in passages: one of the decision's three signals.

Stop words come from spaCy's per-language lists (offline, no pipeline needed). Matching is on a
5-character prefix so "installing" covers "install" without a stemmer per language (after a
plural -s, which a prefix alone misses in words of up to five letters: "years" vs "year").
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)
# words that ask rather than name a topic, across languages (on top of spaCy's lists)
_EXTRA_STOP = {
    "how",
    "what",
    "which",
    "can",
    "could",
    "would",
    "should",
    "please",
    "tell",
    "know",
    "want",
    "need",
    "help",
    "hoe",
    "wat",
    "welke",
    "kan",
    "kun",
    "graag",
    "wie",
    "was",
    "comment",
    "quoi",
    "cómo",
    "qué",
    "puedo",
    "thanks",
    "hi",
    "hello",
    "hey",
    "like",
    "get",
    "use",
}


@lru_cache(maxsize=8)
def stop_words(language: str) -> frozenset[str]:
    """spaCy's stop words for `language` (English's when spaCy has none)."""
    try:
        module = importlib.import_module(f"spacy.lang.{language}.stop_words")
    except ModuleNotFoundError:
        module = importlib.import_module("spacy.lang.en.stop_words")
    return frozenset(w.lower() for w in module.STOP_WORDS) | _EXTRA_STOP


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def key_terms(text: str, language: str) -> list[str]:
    """Content words of a question, in order, without duplicates."""
    stops = stop_words(language)
    seen: dict[str, None] = {}
    for w in words(text):
        if len(w) > 2 and w not in stops and not w.isdigit():
            seen.setdefault(w, None)
    return list(seen)


def stem(word: str) -> str:
    """5-letter prefix; a plural -s goes first so short nouns match ("year" / "years", "day")."""
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word[:5]


def coverage(terms: Iterable[str], passages: Iterable[str]) -> float:
    """Share of `terms` whose 5-letter prefix occurs among the passages' words (1.0 if no terms)."""
    terms = list(terms)
    if not terms:
        return 1.0
    vocab = {stem(w) for p in passages for w in words(p)}
    return sum(stem(t) in vocab for t in terms) / len(terms)
