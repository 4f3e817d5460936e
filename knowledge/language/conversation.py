"""Which language a conversation is in.

Called on every visitor message (by the Rasa slot-mapping action `action_detect_language`) and
by the CLI and eval for a question without a language. fastText's bundled "lite" model is
reliable on sentences and unreliable on single words ("bedankt!" scores nl 0.43 / de 0.41), so
the policy is: the browser's language or a confident read of the first message sets the
language; later messages only switch it on strong evidence (a real sentence, detected with high
confidence, in a supported language).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.language.detector import guesses
from knowledge.language.lexicon import SUPPORTED, function_words, short_words, tokens

__all__ = [
    "DEFAULT_LANGUAGE",
    "SUPPORTED",
    "Detection",
    "choose_language",
    "detect",
    "from_browser",
]

DEFAULT_LANGUAGE = "en"

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


def _stop_word_vote(words: list[str], candidates: Sequence[str]) -> str | None:
    """The candidate whose function words the text uses most; None on a tie."""
    counts = {lang: sum(w in function_words(lang) for w in words) for lang in candidates}
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] == 0 or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def detect(text: str) -> Detection:
    """Best supported language of `text` with the model's probability."""
    words = [t.lower() for t in tokens(text) if t[:1].isalpha()]
    if not words:
        return Detection("", 0.0, 0)
    if len(words) <= 2:
        settled = short_words()
        votes = [settled[w] for w in words if w in settled]
        if votes:
            return Detection(max(set(votes), key=votes.count), 0.6, len(words))
    found = guesses(text, k=5)
    supported = [(code, score) for code, score in found if code in SUPPORTED]
    if not supported:
        return Detection("", 0.0, len(words))
    code, score = supported[0]
    runner_up = max((sc for c, sc in found if c != code), default=0.0)
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
