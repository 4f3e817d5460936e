"""Remembers which platform message ids were already processed, across restarts.

Why: Twilio, Meta and IMAP all redeliver (a slow webhook, a timeout, a restart between fetch
and send). A message id is *claimed* atomically before it reaches Rasa; a second claim of the
same id - from a retry, a concurrent request or another worker - fails, so the visitor gets
exactly one answer. Entries older than `keep_days` are pruned now and then.

Usage (async handlers):
    ids = ProcessedIds()  # $CUSTOMER_AGENT_DATA/connectors/processed_ids.sqlite3
    if not await ids.claim("whatsapp", sid):  # seen before: acknowledge, do nothing
        return ok
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

from connectors.common.sqlite import SQLiteFile, connectors_dir

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS processed ("
    " channel TEXT NOT NULL, message_id TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'claimed',"
    " at REAL NOT NULL, PRIMARY KEY (channel, message_id))",
    "CREATE INDEX IF NOT EXISTS processed_at ON processed (at)",
)
_PRUNE_EVERY = 500


class ProcessedIds:
    """A persistent set of `(channel, message_id)` pairs with an optional per-id state.

    `path` defaults to `$CUSTOMER_AGENT_DATA/connectors/processed_ids.sqlite3`, resolved on
    first use. Safe for concurrent requests (one lock per file, SQLite's own locking between
    processes).
    """

    def __init__(self, path: Path | None = None, *, keep_days: float = 30.0) -> None:
        self._path = path
        self._db: SQLiteFile | None = None
        self.keep_s = keep_days * 86400.0
        self._claims = 0

    @property
    def db(self) -> SQLiteFile:
        if self._db is None:
            self._db = SQLiteFile(self._path or connectors_dir() / "processed_ids.sqlite3", _SCHEMA)
        return self._db

    def claim_sync(self, channel: str, message_id: str, state: str = "claimed") -> bool:
        """True exactly once per `(channel, message_id)`; False for every later attempt."""
        if not message_id:
            raise ValueError("message_id must not be empty")
        now = time.time()

        def op(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "INSERT OR IGNORE INTO processed (channel, message_id, state, at) VALUES (?,?,?,?)",
                (channel, message_id, state, now),
            )
            return cur.rowcount == 1

        claimed = self.db.call(op)
        self._claims += 1
        if self._claims % _PRUNE_EVERY == 0:
            self.prune_sync(now - self.keep_s)
        return claimed

    async def claim(self, channel: str, message_id: str, state: str = "claimed") -> bool:
        """Async `claim_sync` (runs in a worker thread)."""
        return await asyncio.to_thread(self.claim_sync, channel, message_id, state)

    def release_sync(self, channel: str, message_id: str) -> None:
        """Forget a claim, so the platform's next retry is processed (use only when nothing was
        sent for it, e.g. the message could not be handed to Rasa at all)."""
        self.db.call(
            lambda c: c.execute(
                "DELETE FROM processed WHERE channel=? AND message_id=?", (channel, message_id)
            )
        )

    async def release(self, channel: str, message_id: str) -> None:
        await asyncio.to_thread(self.release_sync, channel, message_id)

    def state_sync(self, channel: str, message_id: str) -> str | None:
        """The recorded state of an id ("claimed" unless set otherwise), None if unseen."""
        row = self.db.call(
            lambda c: c.execute(
                "SELECT state FROM processed WHERE channel=? AND message_id=?",
                (channel, message_id),
            ).fetchone()
        )
        return None if row is None else str(row[0])

    async def state(self, channel: str, message_id: str) -> str | None:
        return await asyncio.to_thread(self.state_sync, channel, message_id)

    def set_state_sync(self, channel: str, message_id: str, state: str) -> None:
        """Record progress for an id (e.g. "replied"), claiming it if it was unseen."""
        now = time.time()
        self.db.call(
            lambda c: c.execute(
                "INSERT INTO processed (channel, message_id, state, at) VALUES (?,?,?,?)"
                " ON CONFLICT (channel, message_id) DO UPDATE SET state=excluded.state",
                (channel, message_id, state, now),
            )
        )

    async def set_state(self, channel: str, message_id: str, state: str) -> None:
        await asyncio.to_thread(self.set_state_sync, channel, message_id, state)

    def prune_sync(self, before: float) -> int:
        """Drop entries claimed before the epoch time `before`; returns how many."""
        return self.db.call(
            lambda c: c.execute("DELETE FROM processed WHERE at < ?", (before,)).rowcount
        )

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
