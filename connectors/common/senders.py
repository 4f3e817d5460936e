"""What a messaging connector remembers about each visitor between webhooks.

- `last_inbound`: when the visitor last wrote (WhatsApp only allows free-form replies within
  24 h of it; outside that window a message needs an approved template).
- `language`: the conversation language last seen in a bot reply, so the connector's own canned
  texts ("I can only read text") are in the visitor's language.
- `options`: the numbered choices last shown, so a reply like "2" maps back to its payload.

Stored in the state database (connectors/common/state_db.py), opened on first use:
`$CUSTOMER_AGENT_DATA/connectors/senders.sqlite3` by default, PostgreSQL with
`CUSTOMER_AGENT_STATE_DB` - the webhook of a visitor's next message may reach another machine,
which must see the same window timestamp.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from connectors.common.sqlite import renamed_tables
from connectors.common.state_db import Database, SQLiteDatabase, connector_database
from connectors.common.text import Option

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS sender_book ("
    " channel TEXT NOT NULL, sender_id TEXT NOT NULL, last_inbound DOUBLE PRECISION,"
    " language TEXT, options TEXT, PRIMARY KEY (channel, sender_id))",
)
LEGACY_TABLES = {"senders": "sender_book"}  # files written before the shared state database


@dataclass(frozen=True)
class SenderRecord:
    last_inbound: float | None = None
    language: str | None = None
    options: tuple[Option, ...] = field(default=())


class SenderBook:
    """Per-(channel, sender) state; every method has an async twin running in a thread."""

    def __init__(self, path: Path | None = None, *, db: Database | None = None) -> None:
        self._path = path
        self._db = db

    @property
    def db(self) -> Database:
        """`db`, else the SQLite file `path`, else the configured state database."""
        if self._db is None:
            migrate = renamed_tables(LEGACY_TABLES)
            self._db = (
                SQLiteDatabase(self._path, SCHEMA, migrate)
                if self._path is not None
                else connector_database("senders.sqlite3", SCHEMA, migrate)
            )
        return self._db

    def get_sync(self, channel: str, sender_id: str) -> SenderRecord:
        _, rows = self.db.execute(
            "SELECT last_inbound, language, options FROM sender_book"
            " WHERE channel=? AND sender_id=?",
            (channel, sender_id),
        )
        if not rows:
            return SenderRecord()
        last, language, options = rows[0]
        parsed = tuple(Option(o["title"], o["payload"]) for o in json.loads(str(options or "[]")))
        return SenderRecord(
            last_inbound=float(last) if last is not None else None,
            language=str(language) if language else None,
            options=parsed,
        )

    async def get(self, channel: str, sender_id: str) -> SenderRecord:
        return await asyncio.to_thread(self.get_sync, channel, sender_id)

    def _upsert(self, channel: str, sender_id: str, column: str, value: object) -> None:
        assert column in {"last_inbound", "language", "options"}
        self.db.execute(
            f"INSERT INTO sender_book (channel, sender_id, {column}) VALUES (?,?,?)"  # noqa: S608
            f" ON CONFLICT (channel, sender_id) DO UPDATE SET {column}=excluded.{column}",
            (channel, sender_id, value),
        )

    def touch_inbound_sync(self, channel: str, sender_id: str, at: float | None = None) -> None:
        """Record that the visitor wrote now (or at the epoch time `at`)."""
        self._upsert(channel, sender_id, "last_inbound", time.time() if at is None else at)

    async def touch_inbound(self, channel: str, sender_id: str, at: float | None = None) -> None:
        await asyncio.to_thread(self.touch_inbound_sync, channel, sender_id, at)

    def set_language_sync(self, channel: str, sender_id: str, language: str) -> None:
        self._upsert(channel, sender_id, "language", language)

    async def set_language(self, channel: str, sender_id: str, language: str) -> None:
        await asyncio.to_thread(self.set_language_sync, channel, sender_id, language)

    def set_options_sync(self, channel: str, sender_id: str, options: list[Option]) -> None:
        """Remember the options just shown (an empty list forgets them)."""
        data = json.dumps([{"title": o.title, "payload": o.payload} for o in options])
        self._upsert(channel, sender_id, "options", data)

    async def set_options(self, channel: str, sender_id: str, options: list[Option]) -> None:
        await asyncio.to_thread(self.set_options_sync, channel, sender_id, options)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
