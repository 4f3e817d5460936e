"""A tiny thread-safe SQLite file for connector state under `$CUSTOMER_AGENT_DATA/connectors/`.

Why SQLite: platform retries must be recognised across restarts and across several Rasa
workers, and state this small needs no server. Calls run in a worker thread (`run`) so async
webhooks never block the event loop; WAL mode and a busy timeout let concurrent requests and
processes share the file. The file is opened on first use, never at import.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def connectors_dir() -> Path:
    """`$CUSTOMER_AGENT_DATA/connectors` (default `./var/connectors`): `connectors.settings`."""
    from connectors.settings import get_settings

    return get_settings().connectors_dir


class SQLiteFile:
    """One SQLite database file with a schema, opened lazily and shared by threads."""

    def __init__(
        self,
        path: Path,
        schema: Iterable[str],
        migrate: Callable[[sqlite3.Connection], None] | None = None,
    ) -> None:
        self.path = path
        self._schema = tuple(schema)
        self._migrate = migrate  # run before the schema (renaming tables of older files)
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.path, timeout=10.0, check_same_thread=False, isolation_level=None
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=10000")
            # WAL + NORMAL: commits survive a process crash; only a power loss may drop the
            # last few, at a fraction of the fsync cost of FULL.
            conn.execute("PRAGMA synchronous=NORMAL")
            if self._migrate is not None:
                self._migrate(conn)
            for statement in self._schema:
                conn.execute(statement)
            self._conn = conn
        return self._conn

    def call(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(connection)` under the file's lock (blocking; use `run` from async code)."""
        with self._lock:
            return fn(self._connect())

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """`call` in a worker thread, so the event loop keeps serving other requests."""
        return await asyncio.to_thread(self.call, fn)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def renamed_tables(tables: Mapping[str, str]) -> Callable[[sqlite3.Connection], None]:
    """A SQLite migration renaming tables of files written before they had their store's
    prefix (`{"outbox": "webchat_outbox"}`); their old indexes are dropped (the schema makes
    the new ones)."""

    def migrate(conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")  # another process may be migrating the same file
        try:
            names = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            for old, new in tables.items():
                if old in names and new not in names:
                    indexes = conn.execute(
                        "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name=?"
                        " AND sql IS NOT NULL",
                        (old,),
                    ).fetchall()
                    for (index,) in indexes:
                        conn.execute(f'DROP INDEX "{index}"')
                    conn.execute(f'ALTER TABLE "{old}" RENAME TO "{new}"')
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    return migrate
