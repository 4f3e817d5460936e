"""How common a word is in the language at large: the corpus-independent half of specificity.

Which of a question's words carry what was asked? Within one help centre, a word most passages
contain is generic there ("screen" on a display help site); but a conversational word is generic
everywhere ("able", "sure", "mean", "heard", "kunnen"), and a small or one-topic index cannot
tell, because few of its passages say such words at all. `wordfreq` carries word frequencies of
each supported language, built from many sources (Wikipedia, subtitles, news, web text), inside
its wheel (no download), so "how common is this word in Dutch" has an answer for any company's
content. The decision combines both views (knowledge/answer/answerability.py, terms.py).

`specificity()` maps a word's Zipf frequency (log10 of uses per billion words: "the" ~7.7,
"change" 5.5, "screen" 4.9, "brightness" 3.6) onto [0, 1]: 1 for rare or unknown words (product
names, error codes), 0 for the most common ones. wordfreq's "small" tables suffice: they hold
every word down to Zipf 3, and anything rarer than `RARE_ZIPF` counts as fully specific anyway
(English: 14 MB and 0.1 s to read, against 48 MB for the large table). Nothing is loaded at
import time; a language's table is read on its first lookup, and lookups are cached.
"""

from __future__ import annotations

import functools
import logging

log = logging.getLogger(__name__)

# Zipf frequency at or below which a word counts as fully specific, and at or above which it
# counts as not specific at all (wordfreq's scale; English examples: "password" 4.1,
# "screen" 4.9, "able"/"change" 5.4-5.5, "sure" 5.7).
RARE_ZIPF = 3.5
COMMON_ZIPF = 6.0


@functools.lru_cache(maxsize=65536)
def zipf(word: str, language: str) -> float | None:
    """Zipf frequency of `word` in `language` (0.0 = unseen), None when no table is available."""
    try:
        from wordfreq import zipf_frequency
    except ImportError:  # pragma: no cover - wordfreq is a locked dependency of the agent env
        return None
    try:
        return float(zipf_frequency(word, language, wordlist="small"))
    except LookupError:
        log.debug("no word frequencies", extra={"fields": {"language": language}})
        return None


def specificity(word: str, language: str) -> float:
    """1.0 for a rare or unknown word, 0.0 for a very common one, linear in between.

    Numbers and words with digits ("2fa", "v24") are fully specific; without a frequency table
    for `language` every word is (the caller's corpus evidence then decides alone).
    """
    if any(ch.isdigit() for ch in word):
        return 1.0
    z = zipf(word.lower(), language)
    if z is None or z <= RARE_ZIPF:
        return 1.0
    if z >= COMMON_ZIPF:
        return 0.0
    return (COMMON_ZIPF - z) / (COMMON_ZIPF - RARE_ZIPF)
