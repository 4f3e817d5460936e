"""Messages pushed to a web chat visitor outside their own request, kept until the widget
confirms it has them.

Why shared: a person's reply from Slack is pushed by whichever Rasa process handled the
Slack event, while the widget's poll may be served by another process or machine (several
workers, a restart in between). The rows live in the state database (connectors/common/state_db.py):
`$CUSTOMER_AGENT_DATA/connectors/webchat_outbox.sqlite3` by default, PostgreSQL when
`CUSTOMER_AGENT_STATE_DB` says so.

Why acknowledged rather than drained: a poll answer lost on the way (a closed tab, a flaky
mobile connection) must not lose the person's message. Each message has an increasing id; the
widget sends the last id it has shown (`after`), which deletes everything up to it and returns
what is newer. Messages nobody collects expire after `keep_days`; a conversation keeps at most
`max_messages` (the oldest go first).

Why a per-conversation lock on PostgreSQL: ids come from a sequence, and two pushes committing
out of id order could let a poll see (and acknowledge) id 11 before id 10 is visible, deleting 10
unseen. A transaction-scoped advisory lock on the conversation makes its pushes take ids and
commit one after the other (SQLite's `BEGIN IMMEDIATE` already serialises all writers).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from connectors.common.sqlite import renamed_tables
from connectors.common.state_db import (
    Database,
    Execute,
    SQLiteDatabase,
    connector_database,
)

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS webchat_outbox ("
    " id {serial}, conversation_id TEXT NOT NULL,"
    " message TEXT NOT NULL, at DOUBLE PRECISION NOT NULL)",
    "CREATE INDEX IF NOT EXISTS webchat_outbox_conversation"
    " ON webchat_outbox (conversation_id, id)",
    "CREATE INDEX IF NOT EXISTS webchat_outbox_at ON webchat_outbox (at)",
)
LEGACY_TABLES = {"outbox": "webchat_outbox"}  # files written before the shared state database


class Outbox:
    """Per-conversation queues of pushed messages shared by every process on one state database.

    Every method blocks; async code calls the `*_async` twins (worker thread)."""

    def __init__(
        self,
        path: Path | None = None,
        *,
        db: Database | None = None,
        max_messages: int = 50,
        keep_days: float = 7.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._path = path
        self._db = db
        self.max_messages = max_messages
        self.keep_s = keep_days * 86400.0
        self.clock = clock

    @property
    def db(self) -> Database:
        """`db`, else the SQLite file `path`, else the configured state database."""
        if self._db is None:
            migrate = renamed_tables(LEGACY_TABLES)
            self._db = (
                SQLiteDatabase(self._path, SCHEMA, migrate)
                if self._path is not None
                else connector_database("webchat_outbox.sqlite3", SCHEMA, migrate)
            )
        return self._db

    def put(self, conversation_id: str, message: dict[str, Any]) -> int:
        """Queue `message` (JSON-serialisable) for `conversation_id`; returns its id."""
        now = float(self.clock())
        data = json.dumps(message, ensure_ascii=False)
        postgres = self.db.dialect == "postgresql"

        def tx(execute: Execute) -> int:
            if postgres:
                execute("SELECT pg_advisory_xact_lock(hashtext(?))", (conversation_id,))
            _, rows = execute(
                "INSERT INTO webchat_outbox (conversation_id, message, at) VALUES (?,?,?)"
                " RETURNING id",
                (conversation_id, data, now),
            )
            execute(
                "DELETE FROM webchat_outbox WHERE conversation_id=? AND id NOT IN ("
                " SELECT id FROM webchat_outbox WHERE conversation_id=?"
                " ORDER BY id DESC LIMIT ?)",
                (conversation_id, conversation_id, self.max_messages),
            )
            execute("DELETE FROM webchat_outbox WHERE at < ?", (now - self.keep_s,))
            return int(rows[0][0])

        return self.db.transaction(tx)

    def fetch(self, conversation_id: str, after: int = 0) -> list[dict[str, Any]]:
        """Messages newer than `after`, oldest first, each with its `id`; the ones up to
        `after` (already shown by the widget) are deleted."""

        def tx(execute: Execute) -> list[tuple[int, str]]:
            if after > 0:
                execute(
                    "DELETE FROM webchat_outbox WHERE conversation_id=? AND id<=?",
                    (conversation_id, after),
                )
            _, rows = execute(
                "SELECT id, message FROM webchat_outbox WHERE conversation_id=? AND id>?"
                " ORDER BY id",
                (conversation_id, after),
            )
            return [(int(r[0]), str(r[1])) for r in rows]

        return [{**json.loads(m), "id": row_id} for row_id, m in self.db.transaction(tx)]

    async def put_async(self, conversation_id: str, message: dict[str, Any]) -> int:
        return await asyncio.to_thread(self.put, conversation_id, message)

    async def fetch_async(self, conversation_id: str, after: int = 0) -> list[dict[str, Any]]:
        return await asyncio.to_thread(self.fetch, conversation_id, after)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
