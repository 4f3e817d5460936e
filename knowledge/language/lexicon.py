"""Words of a text and the per-language word lists, from one place.

Two tokenisers, for two jobs: `words` for term matching (letters and digits, with inner
apostrophes and hyphens: "e-bike", "l'article", "mp3"), `tokens` for phrase rules that need
case, numbers and punctuation ("the actor Tom Hanks", quotes around a title). The word lists are
data (`data/<lang>.yml`, keys explained in `data/en.yml`), read on first use; a language without a
file uses English's, as spaCy's stop words do.
"""

from __future__ import annotations

import importlib
import re
from functools import cache, lru_cache
from pathlib import Path

import yaml

_DATA = Path(__file__).with_name("data")
SUPPORTED = ("en", "nl", "de", "fr", "es")  # the files in data/, in override order
# what a question opening with one of these words asks for (knowledge.answer.answerability)
KINDS = ("reason", "place", "time", "person", "thing")
_KEYS = frozenset(
    {"pronouns", "demonstratives", "follow_up", "question_words", "short_words"}
    | {f"asks_{kind}" for kind in KINDS}
)

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+|[\"“”«»]|[,.;:?!()]", re.UNICODE)


def words(text: str) -> list[str]:
    """Lower-cased words of `text`, for matching terms and counting function words."""
    return [w.lower() for w in _WORD.findall(text)]


def tokens(text: str) -> list[str]:
    """Words (letters only, case kept), numbers, quote marks and punctuation, in order."""
    return _TOKEN.findall(text)


@cache
def _lists(language: str) -> dict[str, frozenset[str]]:
    """The word lists of `language` (English's when there is no file); a bad file is one error."""
    code = language if language in SUPPORTED else "en"
    path = _DATA / f"{code}.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of word lists")
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise ValueError(f"{path}: unknown key(s) {unknown}; expected {sorted(_KEYS)}")
    lists: dict[str, frozenset[str]] = {}
    for key in _KEYS:
        value = data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
            raise ValueError(f"{path}: {key} must be a list of words")
        lists[key] = frozenset(w.strip().lower() for w in value)
    return lists


def referring_pronouns(language: str) -> frozenset[str]:
    """Pronouns that, opening a first message, leave it pointing at nothing ("Did it win?")."""
    return _lists(language)["pronouns"]


def demonstratives(language: str) -> frozenset[str]:
    """Determiners that point at something ("this plan", "diese Bestellung")."""
    return _lists(language)["demonstratives"]


@cache
def pronouns(language: str) -> frozenset[str]:
    """Every word that makes a follow-up lean on the earlier question: pronouns,
    demonstratives and the looser follow-up words ("het", "das", "ça", "eso")."""
    lists = _lists(language)
    return lists["pronouns"] | lists["demonstratives"] | lists["follow_up"]


def question_openers(language: str) -> dict[str, str]:
    """Opening word (or two: "por qué") -> what the question asks for, one of `KINDS`."""
    lists = _lists(language)
    return {w: kind for kind in KINDS for w in lists[f"asks_{kind}"]}


@cache
def question_words() -> frozenset[str]:
    """Words that ask rather than name a topic, in every supported language together."""
    return frozenset().union(*(_lists(code)["question_words"] for code in SUPPORTED))


@cache
def short_words() -> dict[str, str]:
    """Word -> language for words that settle a one- or two-word message ("bedankt" -> nl).

    A word in two files goes to the later one in `SUPPORTED`; keep the lists disjoint.
    """
    return {word: code for code in SUPPORTED for word in _lists(code)["short_words"]}


@lru_cache(maxsize=32)
def function_words(language: str) -> frozenset[str]:
    """spaCy's stop words for `language` alone (English's when spaCy has none): what tells
    languages apart. spaCy's lists are data: no pipeline is loaded."""
    try:
        module = importlib.import_module(f"spacy.lang.{language}.stop_words")
    except ModuleNotFoundError:
        module = importlib.import_module("spacy.lang.en.stop_words")
    return frozenset(w.lower() for w in module.STOP_WORDS)


@lru_cache(maxsize=32)
def stop_words(language: str) -> frozenset[str]:
    """Words that name no topic, for term matching: `function_words(language)` plus the
    question words of every language."""
    return function_words(language) | question_words()
