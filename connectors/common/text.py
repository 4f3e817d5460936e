"""Plain-text rendering for channels without rich widgets (WhatsApp, Messenger, email).

Used when a bot message must fit a platform's size limit (split at sentence boundaries, never
inside a word or link unless a single word is longer than the limit) and when sources and
buttons have to be shown as text: sources as plain links, buttons as numbered options the
visitor can answer with a number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# A sentence ends at . ! ? … (optionally followed by closing quotes/brackets) before whitespace;
# a line break is always a boundary.
_ENDS_SENTENCE = re.compile(r"[.!?…。！？][\"'”’)\]]*$")
_SPACE = re.compile(r"\s+")

PHRASES: dict[str, dict[str, str]] = {
    "sources": {
        "en": "Sources:",
        "nl": "Bronnen:",
        "de": "Quellen:",
        "fr": "Sources :",
        "es": "Fuentes:",
    },
    "choose": {
        "en": "Reply with the number of your choice.",
        "nl": "Antwoord met het nummer van je keuze.",
        "de": "Antworte mit der Nummer deiner Wahl.",
        "fr": "Répondez avec le numéro de votre choix.",
        "es": "Responde con el número de tu elección.",
    },
    "text_only": {
        "en": "Sorry, I can only read text messages. Please type your question.",
        "nl": "Sorry, ik kan alleen tekstberichten lezen. Typ je vraag alsjeblieft.",
        "de": "Entschuldigung, ich kann nur Textnachrichten lesen. Bitte tippe deine Frage.",
        "fr": "Désolé, je ne peux lire que des messages texte. Merci d'écrire votre question.",
        "es": "Lo siento, solo puedo leer mensajes de texto. Por favor, escribe tu pregunta.",
    },
}


def phrase(key: str, language: str | None) -> str:
    """The canned `key` phrase in `language` (a tag like "nl" or "nl-BE"), English if unknown."""
    table = PHRASES[key]
    lang = (language or "en").split("-")[0].split("_")[0].lower()
    return table.get(lang, table["en"])


@dataclass(frozen=True)
class Option:
    """A choice shown as a numbered line; `payload` is what goes back to Rasa when chosen."""

    title: str
    payload: str


def options_from_buttons(buttons: Iterable[Mapping[str, Any]] | None) -> list[Option]:
    """Rasa buttons (`{"title", "payload"}`) or plain strings -> options; title is the fallback
    payload so a button without one still sends something meaningful."""
    out: list[Option] = []
    for b in buttons or ():
        if isinstance(b, str):
            if b.strip():
                out.append(Option(b.strip(), b.strip()))
            continue
        title = str(b.get("title") or b.get("payload") or "").strip()
        if not title:
            continue
        payload = str(b.get("payload") or title)
        out.append(Option(title, payload))
    return out


@dataclass(frozen=True)
class BotMessage:
    """The parts of one Rasa bot utterance a plain-text channel renders."""

    text: str
    options: list[Option]
    sources: list[Mapping[str, Any]]
    language: str | None
    media: list[str]
    kind: str | None = None  # answer, clarify, handoff, or human (a person's words)

    @classmethod
    def from_rasa(cls, message: Mapping[str, Any]) -> BotMessage:
        """From the dict Rasa passes to `OutputChannel.send_response` (text, buttons or
        quick_replies, image/attachment, and our custom payload {kind, sources, language,
        options}); buttons win over `custom.options` so choices are not listed twice."""
        raw_custom = message.get("custom")
        custom: Mapping[str, Any] = raw_custom if isinstance(raw_custom, Mapping) else {}
        language = custom.get("language")
        kind = custom.get("kind")
        buttons = message.get("buttons") or message.get("quick_replies") or custom.get("options")
        sources = custom.get("sources")
        return cls(
            text=str(message.get("text") or ""),
            options=options_from_buttons(buttons if isinstance(buttons, list) else None),
            sources=[s for s in sources if isinstance(s, Mapping)]
            if isinstance(sources, list)
            else [],
            language=language if isinstance(language, str) and language else None,
            media=[m for k in ("image", "attachment") if isinstance(m := message.get(k), str)],
            kind=kind if isinstance(kind, str) else None,
        )


def split_text(text: str, limit: int) -> list[str]:
    """Split `text` into parts of at most `limit` characters.

    Parts break at sentence ends and line breaks (line breaks and blank lines inside a part are
    kept); a sentence longer than `limit` breaks between words, and only a single word longer
    than `limit` is cut. Units are packed greedily, so a short answer stays one message.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    text = text.strip()
    if not text:
        return []
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for unit, sep in _units(text):
        for piece in _fit(unit, limit):
            candidate = f"{current}{sep}{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                parts.append(current)
                current = piece
            sep = " "
    if current:
        parts.append(current)
    return parts


def _units(text: str) -> list[tuple[str, str]]:
    """Sentences and lines, each with the whitespace that joined it to the previous one
    (normalised to a blank line, a line break or a space), so line structure such as option
    lists and source lines survives splitting."""
    units: list[tuple[str, str]] = []
    start = 0
    sep = ""
    for m in _SPACE.finditer(text):
        gap = m.group()
        if "\n" not in gap and not _ENDS_SENTENCE.search(
            text, max(start, m.start() - 4), m.start()
        ):
            continue
        units.append((text[start : m.start()], sep))
        sep = "\n\n" if gap.count("\n") > 1 else "\n" if "\n" in gap else " "
        start = m.end()
    units.append((text[start:], sep))
    return [(u, s) for u, s in units if u]


def _fit(sentence: str, limit: int) -> list[str]:
    """A sentence longer than `limit` split between words (a too-long word is cut)."""
    if len(sentence) <= limit:
        return [sentence]
    pieces: list[str] = []
    current = ""
    for word in sentence.split():
        while len(word) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(word[:limit])
            word = word[limit:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= limit:
            current = candidate
        else:
            pieces.append(current)
            current = word
    if current:
        pieces.append(current)
    return pieces


def render_sources(sources: Iterable[Mapping[str, Any]] | None, language: str | None) -> str:
    """Sources as plain links ("Title: URL" lines under a heading); "" when there are none.

    A source without a URL (a file added without one) is cited by its title alone.
    """
    lines: list[str] = []
    seen: set[str] = set()
    for s in sources or ():
        url = str(s.get("url") or "").strip()
        title = str(s.get("title") or "").strip()
        key = url or f"title:{title}"
        if not (url or title) or key in seen:
            continue
        seen.add(key)
        if not url:
            lines.append(f"- {title}")
        else:
            lines.append(f"- {title}: {url}" if title and title != url else f"- {url}")
    if not lines:
        return ""
    return "\n".join([phrase("sources", language), *lines])


def render_options(options: Sequence[Option], language: str | None) -> str:
    """Options as "1. Title" lines plus an instruction; "" when there are none."""
    if not options:
        return ""
    lines = [f"{i}. {o.title}" for i, o in enumerate(options, start=1)]
    return "\n".join([*lines, phrase("choose", language)])


_NUMBER_REPLY = re.compile(r"^\s*[#(]?\s*(\d{1,2})\s*[.)]?\s*$")


def match_option(reply: str, options: Sequence[Option]) -> str | None:
    """The payload of the option the visitor picked ("2", "2.", "(2)" or the exact title), or
    None when the reply is something else and should go to Rasa as typed."""
    if not options:
        return None
    m = _NUMBER_REPLY.match(reply)
    if m:
        index = int(m.group(1)) - 1
        return options[index].payload if 0 <= index < len(options) else None
    folded = reply.strip().casefold()
    for o in options:
        if o.title.casefold() == folded:
            return o.payload
    return None


def join_blocks(*blocks: str) -> str:
    """Non-empty blocks separated by a blank line."""
    return "\n\n".join(b.strip() for b in blocks if b and b.strip())


def chat_markup(text: str, *, bold: str = "") -> str:
    """Markdown from the answer composers, for chat apps that don't render it (see
    `connectors.common.markdown`): `**x**` becomes `bold + x + bold` (WhatsApp's own bold is
    `*x*`; Messenger has none), `[title](url)` becomes `title (url)` so the link stays tappable,
    list items become "• item" lines, numbered steps keep their numbers, and each table row
    becomes one line of "Column: value" pairs (a pipe table is unreadable on a phone)."""
    from connectors.common.markdown import to_plain

    return to_plain(text, bold=bold)
