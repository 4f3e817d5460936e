"""Persistent state of the email channel: which mail was answered, and which thread is which
conversation. In the state database (connectors/common/state_db.py), opened on first use: the
SQLite file `path` by default, PostgreSQL when `CUSTOMER_AGENT_STATE_DB` says so - a person's reply
from Slack is sent by whichever Rasa server got the Slack event, and it needs the thread.

Each inbound Message-ID walks `received -> composed -> sent -> done` (or `skipped`). The reply is
stored when composed, so a restart after a crash re-sends the same bytes (same Message-ID) instead
of asking the agent twice; `sent` is written right after SMTP accepted it, before the IMAP flag,
so a crash between the two never sends twice.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from connectors.common.sqlite import renamed_tables
from connectors.common.state_db import Database, Execute, open_database

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS email_inbound (
    message_id TEXT PRIMARY KEY,
    conversation_id TEXT,
    state TEXT NOT NULL,
    reply_id TEXT,
    reply_bytes {blob},
    sender TEXT,
    recipients TEXT,
    updated_at DOUBLE PRECISION NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS email_thread_ids (
    message_id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS email_conversations (
    conversation_id TEXT PRIMARY KEY,
    address TEXT NOT NULL,
    subject TEXT NOT NULL,
    last_message_id TEXT NOT NULL,
    refs TEXT NOT NULL,
    last_activity DOUBLE PRECISION NOT NULL
)""",
)
# files written before the shared state database
LEGACY_TABLES = {
    "inbound": "email_inbound",
    "thread_ids": "email_thread_ids",
    "conversations": "email_conversations",
}

# states of an inbound mail
RECEIVED, COMPOSED, SENT, DONE, SKIPPED = "received", "composed", "sent", "done", "skipped"
FINISHED = (SENT, DONE, SKIPPED)


@dataclass(frozen=True)
class InboundState:
    message_id: str
    conversation_id: str | None
    state: str
    reply_id: str | None
    reply_bytes: bytes | None
    sender: str | None
    recipients: list[str]


@dataclass(frozen=True)
class Conversation:
    conversation_id: str
    address: str
    subject: str
    last_message_id: str
    refs: list[str]
    last_activity: float


class EmailStore:
    """Thread-safe; call it from `asyncio.to_thread` in async code.

    `path` is the SQLite file used when no state database is configured; `db` overrides both.
    """

    def __init__(self, path: Path, *, db: Database | None = None) -> None:
        self.path = path
        self._db = db

    @property
    def db(self) -> Database:
        if self._db is None:
            from connectors.settings import get_settings

            url = get_settings().state_db
            self._db = open_database(url, self.path, SCHEMA, renamed_tables(LEGACY_TABLES))
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()

    # inbound mails
    def get(self, message_id: str) -> InboundState | None:
        _, rows = self.db.execute(
            "SELECT message_id, conversation_id, state, reply_id, reply_bytes, sender,"
            " recipients FROM email_inbound WHERE message_id = ?",
            (message_id,),
        )
        if not rows:
            return None
        row = rows[0]
        return InboundState(
            message_id=row[0],
            conversation_id=row[1],
            state=row[2],
            reply_id=row[3],
            reply_bytes=bytes(row[4]) if row[4] is not None else None,
            sender=row[5],
            recipients=[r for r in (row[6] or "").split("\n") if r],
        )

    def set_state(
        self,
        message_id: str,
        state: str,
        *,
        conversation_id: str | None = None,
        reply_id: str | None = None,
        reply_bytes: bytes | None = None,
        sender: str | None = None,
        recipients: Iterable[str] = (),
    ) -> None:
        """Upsert; fields left None keep their stored value."""
        values = (
            message_id,
            conversation_id,
            state,
            reply_id,
            reply_bytes,
            sender,
            "\n".join(recipients) or None,
            time.time(),
        )
        self.db.execute(
            "INSERT INTO email_inbound (message_id, conversation_id, state, reply_id, reply_bytes,"
            " sender, recipients, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(message_id) DO UPDATE SET state = excluded.state,"
            " conversation_id = COALESCE(excluded.conversation_id, email_inbound.conversation_id),"
            " reply_id = COALESCE(excluded.reply_id, email_inbound.reply_id),"
            " reply_bytes = COALESCE(excluded.reply_bytes, email_inbound.reply_bytes),"
            " sender = COALESCE(excluded.sender, email_inbound.sender),"
            " recipients = COALESCE(excluded.recipients, email_inbound.recipients),"
            " updated_at = excluded.updated_at",
            values,
        )

    # threads and conversations
    def conversation_for(self, message_ids: Iterable[str]) -> Conversation | None:
        """The conversation any of these Message-IDs belongs to (newest first wins)."""
        for message_id in reversed([m for m in message_ids if m]):
            _, rows = self.db.execute(
                "SELECT c.conversation_id, c.address, c.subject, c.last_message_id, c.refs,"
                " c.last_activity FROM email_thread_ids t JOIN email_conversations c"
                " ON c.conversation_id = t.conversation_id WHERE t.message_id = ?",
                (message_id,),
            )
            if rows:
                return _conversation(rows[0])
        return None

    def conversation(self, conversation_id: str) -> Conversation | None:
        _, rows = self.db.execute(
            "SELECT conversation_id, address, subject, last_message_id, refs, last_activity"
            " FROM email_conversations WHERE conversation_id = ?",
            (conversation_id,),
        )
        return _conversation(rows[0]) if rows else None

    def touch_conversation(
        self,
        conversation_id: str,
        *,
        address: str,
        subject: str,
        last_message_id: str,
        refs: list[str],
        at: float,
    ) -> None:
        """Record the latest mail of a conversation and map its Message-ID to it."""

        def touch(execute: Execute) -> None:
            execute(
                "INSERT INTO email_conversations (conversation_id, address, subject,"
                " last_message_id, refs, last_activity) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(conversation_id) DO UPDATE SET address = excluded.address,"
                " subject = excluded.subject, last_message_id = excluded.last_message_id,"
                " refs = excluded.refs, last_activity = excluded.last_activity",
                (conversation_id, address, subject, last_message_id, " ".join(refs), at),
            )
            execute(
                "INSERT INTO email_thread_ids (message_id, conversation_id) VALUES (?, ?)"
                " ON CONFLICT DO NOTHING",
                (last_message_id, conversation_id),
            )

        self.db.transaction(touch)

    def map_message(self, message_id: str, conversation_id: str, at: float) -> None:
        """Map an outbound Message-ID to its conversation and mark the conversation active."""

        def map_(execute: Execute) -> None:
            execute(
                "INSERT INTO email_thread_ids (message_id, conversation_id) VALUES (?, ?)"
                " ON CONFLICT DO NOTHING",
                (message_id, conversation_id),
            )
            execute(
                "UPDATE email_conversations SET last_activity = ?"
                " WHERE conversation_id = ? AND last_activity < ?",
                (at, conversation_id, at),
            )

        self.db.transaction(map_)


def _conversation(row: tuple) -> Conversation:
    return Conversation(
        conversation_id=row[0],
        address=row[1],
        subject=row[2],
        last_message_id=row[3],
        refs=[r for r in row[4].split() if r],
        last_activity=float(row[5]),
    )
