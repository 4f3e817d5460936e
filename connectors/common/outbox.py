"""Messages pushed to a web chat visitor outside their own request, kept until the widget
confirms it has them.

Why persistent: a person's reply from Slack is pushed by whichever Rasa process handled the
Slack event, while the widget's poll may be served by another process (several workers, a
restart in between). The rows live in `$CUSTOMER_AGENT_DATA/connectors/webchat_outbox.sqlite3`
(SQLite's own locking between processes, WAL mode, opened on first use).

Why acknowledged rather than drained: a poll answer lost on the way (a closed tab, a flaky
mobile connection) must not lose the person's message. Each message has an increasing id; the
widget sends the last id it has shown (`after`), which deletes everything up to it and returns
what is newer. Messages nobody collects expire after `keep_days`; a conversation keeps at most
`max_messages` (the oldest go first).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from connectors.common.sqlite import SQLiteFile, connectors_dir

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS outbox ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, conversation_id TEXT NOT NULL,"
    " message TEXT NOT NULL, at REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS outbox_conversation ON outbox (conversation_id, id)",
    "CREATE INDEX IF NOT EXISTS outbox_at ON outbox (at)",
)


class Outbox:
    """Per-conversation queues of pushed messages shared by every process on this data dir.

    Every method blocks on SQLite; async code calls the `*_async` twins (worker thread)."""

    def __init__(
        self,
        path: Path | None = None,
        *,
        max_messages: int = 50,
        keep_days: float = 7.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._path = path
        self._db: SQLiteFile | None = None
        self.max_messages = max_messages
        self.keep_s = keep_days * 86400.0
        self.clock = clock

    @property
    def db(self) -> SQLiteFile:
        if self._db is None:
            self._db = SQLiteFile(
                self._path or connectors_dir() / "webchat_outbox.sqlite3", _SCHEMA
            )
        return self._db

    def put(self, conversation_id: str, message: dict[str, Any]) -> int:
        """Queue `message` (JSON-serialisable) for `conversation_id`; returns its id."""
        now = float(self.clock())
        data = json.dumps(message, ensure_ascii=False)

        def op(conn: sqlite3.Connection) -> int:
            conn.execute("BEGIN IMMEDIATE")
            try:
                cur = conn.execute(
                    "INSERT INTO outbox (conversation_id, message, at) VALUES (?,?,?)",
                    (conversation_id, data, now),
                )
                new_id = int(cur.lastrowid or 0)
                conn.execute(
                    "DELETE FROM outbox WHERE conversation_id=? AND id NOT IN ("
                    " SELECT id FROM outbox WHERE conversation_id=? ORDER BY id DESC LIMIT ?)",
                    (conversation_id, conversation_id, self.max_messages),
                )
                conn.execute("DELETE FROM outbox WHERE at < ?", (now - self.keep_s,))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            return new_id

        return self.db.call(op)

    def fetch(self, conversation_id: str, after: int = 0) -> list[dict[str, Any]]:
        """Messages newer than `after`, oldest first, each with its `id`; the ones up to
        `after` (already shown by the widget) are deleted."""

        def op(conn: sqlite3.Connection) -> list[tuple[int, str]]:
            conn.execute("BEGIN IMMEDIATE")
            try:
                if after > 0:
                    conn.execute(
                        "DELETE FROM outbox WHERE conversation_id=? AND id<=?",
                        (conversation_id, after),
                    )
                rows = conn.execute(
                    "SELECT id, message FROM outbox WHERE conversation_id=? AND id>? ORDER BY id",
                    (conversation_id, after),
                ).fetchall()
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            return [(int(r[0]), str(r[1])) for r in rows]

        return [{**json.loads(message), "id": row_id} for row_id, message in self.db.call(op)]

    async def put_async(self, conversation_id: str, message: dict[str, Any]) -> int:
        return await asyncio.to_thread(self.put, conversation_id, message)

    async def fetch_async(self, conversation_id: str, after: int = 0) -> list[dict[str, Any]]:
        return await asyncio.to_thread(self.fetch, conversation_id, after)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
