"""Remembers which platform message ids were already processed, across restarts.

Why: Twilio, Meta and IMAP all redeliver (a slow webhook, a timeout, a restart between fetch
and send). A message id is *claimed* atomically before it reaches Rasa; a second claim of the
same id - from a retry, a concurrent request or another worker - fails, so the visitor gets
exactly one answer: the claim is one `INSERT ... ON CONFLICT DO NOTHING`, atomic on SQLite and
on PostgreSQL alike. Entries older than `keep_days` are pruned now and then. The ids live in the
state database (connectors/common/state_db.py): `processed_ids.sqlite3` under
`$CUSTOMER_AGENT_DATA/connectors/` by default, PostgreSQL with `CUSTOMER_AGENT_STATE_DB`, which
several machines must share.

Usage (async handlers):
    ids = ProcessedIds()  # the configured state database, opened on first use
    if not await ids.claim("whatsapp", sid):  # seen before: acknowledge, do nothing
        return ok
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from connectors.common.sqlite import renamed_tables
from connectors.common.state_db import Database, SQLiteDatabase, connector_database

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS processed_ids ("
    " channel TEXT NOT NULL, message_id TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'claimed',"
    " at DOUBLE PRECISION NOT NULL, PRIMARY KEY (channel, message_id))",
    "CREATE INDEX IF NOT EXISTS processed_ids_at ON processed_ids (at)",
)
LEGACY_TABLES = {"processed": "processed_ids"}  # files written before the shared state database
_PRUNE_EVERY = 500


class ProcessedIds:
    """A persistent set of `(channel, message_id)` pairs with an optional per-id state.

    `path` (a SQLite file) or `db` choose the storage; neither = the configured state database,
    resolved on first use. Safe for concurrent requests, processes and machines.
    """

    def __init__(
        self, path: Path | None = None, *, db: Database | None = None, keep_days: float = 30.0
    ) -> None:
        self._path = path
        self._db = db
        self.keep_s = keep_days * 86400.0
        self._claims = 0

    @property
    def db(self) -> Database:
        if self._db is None:
            migrate = renamed_tables(LEGACY_TABLES)
            self._db = (
                SQLiteDatabase(self._path, SCHEMA, migrate)
                if self._path is not None
                else connector_database("processed_ids.sqlite3", SCHEMA, migrate)
            )
        return self._db

    def claim_sync(self, channel: str, message_id: str, state: str = "claimed") -> bool:
        """True exactly once per `(channel, message_id)`; False for every later attempt."""
        if not message_id:
            raise ValueError("message_id must not be empty")
        now = time.time()

        count, _ = self.db.execute(
            "INSERT INTO processed_ids (channel, message_id, state, at) VALUES (?,?,?,?)"
            " ON CONFLICT DO NOTHING",
            (channel, message_id, state, now),
        )
        claimed = count == 1
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
        self.db.execute(
            "DELETE FROM processed_ids WHERE channel=? AND message_id=?", (channel, message_id)
        )

    async def release(self, channel: str, message_id: str) -> None:
        await asyncio.to_thread(self.release_sync, channel, message_id)

    def state_sync(self, channel: str, message_id: str) -> str | None:
        """The recorded state of an id ("claimed" unless set otherwise), None if unseen."""
        _, rows = self.db.execute(
            "SELECT state FROM processed_ids WHERE channel=? AND message_id=?",
            (channel, message_id),
        )
        return str(rows[0][0]) if rows else None

    async def state(self, channel: str, message_id: str) -> str | None:
        return await asyncio.to_thread(self.state_sync, channel, message_id)

    def set_state_sync(self, channel: str, message_id: str, state: str) -> None:
        """Record progress for an id (e.g. "replied"), claiming it if it was unseen."""
        now = time.time()
        self.db.execute(
            "INSERT INTO processed_ids (channel, message_id, state, at) VALUES (?,?,?,?)"
            " ON CONFLICT (channel, message_id) DO UPDATE SET state=excluded.state",
            (channel, message_id, state, now),
        )

    async def set_state(self, channel: str, message_id: str, state: str) -> None:
        await asyncio.to_thread(self.set_state_sync, channel, message_id, state)

    def prune_sync(self, before: float) -> int:
        """Drop entries claimed before the epoch time `before`; returns how many."""
        count, _ = self.db.execute("DELETE FROM processed_ids WHERE at < ?", (before,))
        return count

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
