"""Persistent state of the email channel: which mail was answered, and which thread is which
conversation. SQLite under `$CUSTOMER_AGENT_DATA/connectors/`, opened on first use.

Each inbound Message-ID walks `received -> composed -> sent -> done` (or `skipped`). The reply is
stored when composed, so a restart after a crash re-sends the same bytes (same Message-ID) instead
of asking the agent twice; `sent` is written right after SMTP accepted it, before the IMAP flag,
so a crash between the two never sends twice.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from connectors.common.sqlite import SQLiteFile

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS inbound (
    message_id TEXT PRIMARY KEY,
    conversation_id TEXT,
    state TEXT NOT NULL,
    reply_id TEXT,
    reply_bytes BLOB,
    sender TEXT,
    recipients TEXT,
    updated_at REAL NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS thread_ids (
    message_id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS conversations (
    conversation_id TEXT PRIMARY KEY,
    address TEXT NOT NULL,
    subject TEXT NOT NULL,
    last_message_id TEXT NOT NULL,
    refs TEXT NOT NULL,
    last_activity REAL NOT NULL
)""",
)

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
    """Thread-safe (connectors.common.sqlite); call it from `asyncio.to_thread` in async code."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = SQLiteFile(path, SCHEMA)

    def close(self) -> None:
        self._file.close()

    # inbound mails
    def get(self, message_id: str) -> InboundState | None:
        row = self._file.call(
            lambda db: db.execute(
                "SELECT message_id, conversation_id, state, reply_id, reply_bytes, sender,"
                " recipients FROM inbound WHERE message_id = ?",
                (message_id,),
            ).fetchone()
        )
        if row is None:
            return None
        return InboundState(
            message_id=row[0],
            conversation_id=row[1],
            state=row[2],
            reply_id=row[3],
            reply_bytes=row[4],
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
        self._file.call(
            lambda db: db.execute(
                "INSERT INTO inbound (message_id, conversation_id, state, reply_id, reply_bytes,"
                " sender, recipients, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(message_id) DO UPDATE SET state = excluded.state,"
                " conversation_id = COALESCE(excluded.conversation_id, conversation_id),"
                " reply_id = COALESCE(excluded.reply_id, reply_id),"
                " reply_bytes = COALESCE(excluded.reply_bytes, reply_bytes),"
                " sender = COALESCE(excluded.sender, sender),"
                " recipients = COALESCE(excluded.recipients, recipients),"
                " updated_at = excluded.updated_at",
                values,
            )
        )

    # threads and conversations
    def conversation_for(self, message_ids: Iterable[str]) -> Conversation | None:
        """The conversation any of these Message-IDs belongs to (newest first wins)."""
        ids = [m for m in message_ids if m]

        def find(db: sqlite3.Connection) -> Conversation | None:
            for message_id in reversed(ids):
                row = db.execute(
                    "SELECT c.conversation_id, c.address, c.subject, c.last_message_id, c.refs,"
                    " c.last_activity FROM thread_ids t JOIN conversations c"
                    " ON c.conversation_id = t.conversation_id WHERE t.message_id = ?",
                    (message_id,),
                ).fetchone()
                if row is not None:
                    return _conversation(row)
            return None

        return self._file.call(find)

    def conversation(self, conversation_id: str) -> Conversation | None:
        row = self._file.call(
            lambda db: db.execute(
                "SELECT conversation_id, address, subject, last_message_id, refs, last_activity"
                " FROM conversations WHERE conversation_id = ?",
                (conversation_id,),
            ).fetchone()
        )
        return _conversation(row) if row else None

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

        def touch(db: sqlite3.Connection) -> None:
            with _transaction(db):
                db.execute(
                    "INSERT INTO conversations (conversation_id, address, subject,"
                    " last_message_id, refs, last_activity) VALUES (?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT(conversation_id) DO UPDATE SET address = excluded.address,"
                    " subject = excluded.subject, last_message_id = excluded.last_message_id,"
                    " refs = excluded.refs, last_activity = excluded.last_activity",
                    (conversation_id, address, subject, last_message_id, " ".join(refs), at),
                )
                db.execute(
                    "INSERT OR IGNORE INTO thread_ids (message_id, conversation_id) VALUES (?, ?)",
                    (last_message_id, conversation_id),
                )

        self._file.call(touch)

    def map_message(self, message_id: str, conversation_id: str, at: float) -> None:
        """Map an outbound Message-ID to its conversation and mark the conversation active."""

        def map_(db: sqlite3.Connection) -> None:
            with _transaction(db):
                db.execute(
                    "INSERT OR IGNORE INTO thread_ids (message_id, conversation_id) VALUES (?, ?)",
                    (message_id, conversation_id),
                )
                db.execute(
                    "UPDATE conversations SET last_activity = MAX(last_activity, ?)"
                    " WHERE conversation_id = ?",
                    (at, conversation_id),
                )

        self._file.call(map_)


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _conversation(row: tuple) -> Conversation:
    return Conversation(
        conversation_id=row[0],
        address=row[1],
        subject=row[2],
        last_message_id=row[3],
        refs=[r for r in row[4].split() if r],
        last_activity=row[5],
    )
