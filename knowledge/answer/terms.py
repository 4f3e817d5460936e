"""Key terms of a question and their coverage in passages: one of the decision's three signals.

Words and stop words (spaCy's per-language lists plus question words) come from
`knowledge.language`. Matching is on a 5-character prefix so "installing" covers "install"
without a stemmer per language (after a plural -s, which a prefix alone misses in words of up to
five letters: "years" vs "year").
"""

from __future__ import annotations

from collections.abc import Iterable

from knowledge.language import stop_words, words

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


def coverage(terms: Iterable[str], passages: Iterable[str]) -> float:
    """Share of `terms` whose 5-letter prefix occurs among the passages' words (1.0 if no terms)."""
    terms = list(terms)
    if not terms:
        return 1.0
    vocab = {stem(w) for p in passages for w in words(p)}
    return sum(stem(t) in vocab for t in terms) / len(terms)
