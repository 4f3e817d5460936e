"""The "Was this helpful?" prompt of the messaging channels (docs/architecture.md "Feedback").

WhatsApp and Messenger ask once per conversation, after its first AI answer (custom `kind:
answer`; never after a clarification, a handoff notice or small talk): Messenger as two quick
replies whose payloads are the feedback shortcut, WhatsApp (no quick replies without Twilio
Content templates) as a text asking for "1" or "2". The prompt's two choices are kept as the
visitor's remembered options, so the next message picks one by number or title, or by a yes/no
word or thumb (`vote_of`); anything else is a normal message and the options are forgotten.

A conversation here is what the report counts on chat channels: it ends after 24 h without the
visitor writing. `PromptBook` remembers per visitor when they last wrote and whether this
conversation was prompted. Every Rasa worker must see the same answer, so the book lives in the
shared state database (connectors/common/state_db.py): `feedback.sqlite3` under
`$CUSTOMER_AGENT_DATA/connectors/` by default, PostgreSQL with `CUSTOMER_AGENT_STATE_DB`.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path

from connectors.common.state_db import Database, SQLiteDatabase, connector_database
from connectors.common.text import Option

CONVERSATION_IDLE_S = 24 * 3600.0
FEEDBACK_INTENT = "feedback"

_QUESTION = {
    "en": "Was this helpful?",
    "nl": "Was dit nuttig?",
    "de": "War das hilfreich?",
    "fr": "Cette réponse vous a-t-elle aidé ?",
    "es": "¿Te ha sido útil?",
}
_REPLY_HINT = {
    "en": "Reply 1 (yes) or 2 (no).",
    "nl": "Antwoord 1 (ja) of 2 (nee).",
    "de": "Antworte 1 (ja) oder 2 (nein).",
    "fr": "Répondez 1 (oui) ou 2 (non).",
    "es": "Responde 1 (sí) o 2 (no).",
}
_YES_NO = {
    "en": ("Yes", "No"),
    "nl": ("Ja", "Nee"),
    "de": ("Ja", "Nein"),
    "fr": ("Oui", "Non"),
    "es": ("Sí", "No"),
}
_UP = {"yes", "y", "ja", "j", "oui", "si", "sí", "yep", "jep", "👍", "+1"}
_DOWN = {"no", "n", "nee", "nein", "non", "nope", "👎", "-1"}
_TRIM = re.compile(r"^[\s.!]+|[\s.!]+$")
_SKIN_TONES = re.compile("[\U0001f3fb-\U0001f3ff\ufe0f]")


def _lang(language: str | None) -> str:
    code = (language or "en").split("-")[0].split("_")[0].lower()
    return code if code in _QUESTION else "en"


def shortcut(helpful: bool, answer_id: str | None = None) -> str:
    """The user message Rasa parses as intent `feedback` (RegexMessageHandler)."""
    values = {"helpful": "up" if helpful else "down"}
    if answer_id:
        values["answer_id"] = answer_id
    return "/" + FEEDBACK_INTENT + json.dumps(values, separators=(",", ":"))


def is_shortcut(text: str) -> bool:
    """Whether a visitor message is a vote on an answer rather than words."""
    return text.strip().startswith("/" + FEEDBACK_INTENT + "{")


def is_feedback_option(options: tuple[Option, ...] | list[Option]) -> bool:
    return bool(options) and all(is_shortcut(o.payload) for o in options)


def prompt_options(answer_id: str | None, language: str | None) -> list[Option]:
    """Yes (1) and No (2), localized, whose payloads are the feedback shortcut."""
    yes, no = _YES_NO[_lang(language)]
    return [
        Option(f"👍 {yes}", shortcut(True, answer_id)),
        Option(f"👎 {no}", shortcut(False, answer_id)),
    ]


def question(language: str | None) -> str:
    return _QUESTION[_lang(language)]


def text_prompt(language: str | None) -> str:
    """WhatsApp's prompt: the question and how to answer it by text."""
    lang = _lang(language)
    return f"{_QUESTION[lang]} {_REPLY_HINT[lang]}"


def vote_of(reply: str, options: tuple[Option, ...] | list[Option]) -> str | None:
    """The feedback shortcut a reply to the prompt means ("1"/"2", yes/no words in the five
    languages, a thumb), or None: the reply is a normal message."""
    if not is_feedback_option(options) or len(options) != 2:
        return None
    word = _SKIN_TONES.sub("", _TRIM.sub("", reply.strip().casefold()))
    if word in ("1", *_UP) or word == options[0].title.casefold():
        return options[0].payload
    if word in ("2", *_DOWN) or word == options[1].title.casefold():
        return options[1].payload
    return None


_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS feedback_prompts ("
    " channel TEXT NOT NULL, sender_id TEXT NOT NULL, last_inbound DOUBLE PRECISION,"
    " prompted INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (channel, sender_id))",
)


class PromptBook:
    """Whether a visitor's current conversation has had its feedback prompt.

    `path` (a SQLite file) or `db` choose the storage; neither = the configured state database,
    resolved on first use. The claim is one conditional UPDATE, so two workers never both prompt.
    """

    def __init__(self, path: Path | None = None, *, db: Database | None = None) -> None:
        self._path = path
        self._db = db

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = (
                SQLiteDatabase(self._path, _SCHEMA)
                if self._path is not None
                else connector_database("feedback.sqlite3", _SCHEMA)
            )
        return self._db

    def visitor_wrote_sync(self, channel: str, sender_id: str, at: float | None = None) -> None:
        """A message from the visitor; after 24 h of silence it starts a new conversation."""
        now = time.time() if at is None else at
        self.db.execute(
            "INSERT INTO feedback_prompts (channel, sender_id, last_inbound) VALUES (?,?,?)"
            " ON CONFLICT (channel, sender_id) DO UPDATE SET"
            " prompted = CASE WHEN feedback_prompts.last_inbound IS NULL"
            "   OR excluded.last_inbound - feedback_prompts.last_inbound > ?"
            "   THEN 0 ELSE feedback_prompts.prompted END,"
            " last_inbound = excluded.last_inbound",
            (channel, sender_id, now, CONVERSATION_IDLE_S),
        )

    async def visitor_wrote(self, channel: str, sender_id: str, at: float | None = None) -> None:
        await asyncio.to_thread(self.visitor_wrote_sync, channel, sender_id, at)

    def claim_sync(self, channel: str, sender_id: str) -> bool:
        """True once per conversation: the caller sends the prompt."""
        count, _ = self.db.execute(
            "UPDATE feedback_prompts SET prompted = 1"
            " WHERE channel=? AND sender_id=? AND prompted = 0",
            (channel, sender_id),
        )
        return count == 1

    async def claim(self, channel: str, sender_id: str) -> bool:
        return await asyncio.to_thread(self.claim_sync, channel, sender_id)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
