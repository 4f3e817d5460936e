"""What a messaging connector remembers about each visitor between webhooks.

- `last_inbound`: when the visitor last wrote (WhatsApp only allows free-form replies within
  24 h of it; outside that window a message needs an approved template).
- `language`: the conversation language last seen in a bot reply, so the connector's own canned
  texts ("I can only read text") are in the visitor's language.
- `options`: the numbered choices last shown, so a reply like "2" maps back to its payload.

Stored in `$CUSTOMER_AGENT_DATA/connectors/senders.sqlite3` (opened on first use).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from connectors.common.sqlite import SQLiteFile, connectors_dir
from connectors.common.text import Option

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS senders ("
    " channel TEXT NOT NULL, sender_id TEXT NOT NULL, last_inbound REAL, language TEXT,"
    " options TEXT, PRIMARY KEY (channel, sender_id))",
)


@dataclass(frozen=True)
class SenderRecord:
    last_inbound: float | None = None
    language: str | None = None
    options: tuple[Option, ...] = field(default=())


class SenderBook:
    """Per-(channel, sender) state; every method has an async twin running in a thread."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        self._db: SQLiteFile | None = None

    @property
    def db(self) -> SQLiteFile:
        if self._db is None:
            self._db = SQLiteFile(self._path or connectors_dir() / "senders.sqlite3", _SCHEMA)
        return self._db

    def get_sync(self, channel: str, sender_id: str) -> SenderRecord:
        def op(conn: sqlite3.Connection) -> tuple[object, ...] | None:
            return conn.execute(
                "SELECT last_inbound, language, options FROM senders"
                " WHERE channel=? AND sender_id=?",
                (channel, sender_id),
            ).fetchone()

        row = self.db.call(op)
        if row is None:
            return SenderRecord()
        last, language, options = row
        parsed = tuple(Option(o["title"], o["payload"]) for o in json.loads(str(options or "[]")))
        return SenderRecord(
            last_inbound=float(last) if last is not None else None,  # type: ignore[arg-type]
            language=str(language) if language else None,
            options=parsed,
        )

    async def get(self, channel: str, sender_id: str) -> SenderRecord:
        return await asyncio.to_thread(self.get_sync, channel, sender_id)

    def _upsert(self, channel: str, sender_id: str, column: str, value: object) -> None:
        assert column in {"last_inbound", "language", "options"}
        self.db.call(
            lambda c: c.execute(
                f"INSERT INTO senders (channel, sender_id, {column}) VALUES (?,?,?)"  # noqa: S608
                f" ON CONFLICT (channel, sender_id) DO UPDATE SET {column}=excluded.{column}",
                (channel, sender_id, value),
            )
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
