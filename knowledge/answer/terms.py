"""Key terms of a question and their coverage in passages: one of the decision's three signals.

Words and stop words (spaCy's per-language lists plus question words) come from
`knowledge.language`. Matching is on a 5-character prefix so "installing" covers "install"
without a stemmer per language (after a plural -s, which a prefix alone misses in words of up to
five letters: "years" vs "year").
"""

from __future__ import annotations

from collections.abc import Iterable

from knowledge.language import stop_words, words
from knowledge.language.frequency import specificity

__all__ = ["coverage", "key_terms", "stem", "stop_words", "words"]


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


# least weight of a term in coverage, however common ("sure", "kunnen" have specificity 0): a
# common word can still be what the visitor means ("the blue thing" after "How do I reset it?"
# must not count as covered by the password page; at 0.1 it did)
COMMON_TERM_WEIGHT = 0.3


def coverage(terms: Iterable[str], passages: Iterable[str], language: str | None = None) -> float:
    """Share of `terms` whose 5-letter prefix occurs among the passages' words (1.0 if no terms).

    With `language`, each term counts by how specific it is in that language at large
    (knowledge/language/frequency.py): a missing "constellation" costs far more than a missing
    "able" or "heard", which a visitor's phrasing adds and no passage needs to repeat.
    """
    terms = list(terms)
    if not terms:
        return 1.0
    vocab = {stem(w) for p in passages for w in words(p)}
    if language is None:
        return sum(stem(t) in vocab for t in terms) / len(terms)
    weights = [max(COMMON_TERM_WEIGHT, specificity(t, language)) for t in terms]
    found = sum(w for t, w in zip(terms, weights, strict=True) if stem(t) in vocab)
    return found / sum(weights)
