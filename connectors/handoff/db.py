"""The two SQL backends of the handoff store: one SQLite file (default) or PostgreSQL.

Why two: the embedded default needs no server (`$CUSTOMER_AGENT_DATA/connectors/handoff.sqlite3`),
while several Rasa instances behind a load balancer must share one database; PostgreSQL is used
when `CUSTOMER_AGENT_STATE_DB` is a `postgresql://` URL (the same server the production tracker
store uses). Both run the same statements, written with `?` placeholders; calls are blocking and
the store runs them in a worker thread. Nothing connects before the first statement.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

from connectors.common.sqlite import SQLiteFile

Row = tuple[Any, ...]
Execute = Callable[[str, Sequence[Any]], tuple[int, list[Row]]]
T = TypeVar("T")

_TABLES = {
    "handoffs": (
        "CREATE TABLE IF NOT EXISTS handoffs ("
        " id TEXT PRIMARY KEY, sender_id TEXT NOT NULL, input_channel TEXT NOT NULL,"
        " state TEXT NOT NULL, reason TEXT NOT NULL, language TEXT NOT NULL,"
        " summary TEXT NOT NULL, last_question TEXT NOT NULL, visitor_name TEXT NOT NULL,"
        " route TEXT NOT NULL, out_of_hours INTEGER NOT NULL, slack_channel TEXT NOT NULL,"
        " thread_ts TEXT, assignee_id TEXT, assignee_name TEXT,"
        " created_at DOUBLE PRECISION NOT NULL, updated_at DOUBLE PRECISION NOT NULL)"
    ),
    # at most one open handoff per conversation; one conversation per Slack thread
    "handoffs_open": (
        "CREATE UNIQUE INDEX IF NOT EXISTS handoffs_open ON handoffs (sender_id)"
        " WHERE state IN ('queued', 'assigned')"
    ),
    "handoffs_thread": (
        "CREATE UNIQUE INDEX IF NOT EXISTS handoffs_thread ON handoffs (slack_channel, thread_ts)"
    ),
    "outbox": (
        "CREATE TABLE IF NOT EXISTS handoff_outbox ("
        " id {serial}, handoff_id TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL,"
        " not_before DOUBLE PRECISION NOT NULL, lease_until DOUBLE PRECISION,"
        " attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, result TEXT,"
        " done_at DOUBLE PRECISION, created_at DOUBLE PRECISION NOT NULL)"
    ),
    "outbox_pending": (
        "CREATE INDEX IF NOT EXISTS handoff_outbox_pending ON handoff_outbox (done_at, id)"
    ),
    "dedupe": (
        "CREATE TABLE IF NOT EXISTS handoff_seen ("
        " key TEXT PRIMARY KEY, at DOUBLE PRECISION NOT NULL)"
    ),
}


def schema(serial: str) -> list[str]:
    return [sql.replace("{serial}", serial) for sql in _TABLES.values()]


class Database(Protocol):
    """Blocking SQL: `execute` returns (rowcount, rows); every call is its own transaction."""

    dialect: str

    def execute(self, sql: str, params: Sequence[Any] = ()) -> tuple[int, list[Row]]: ...

    def transaction(self, fn: Callable[[Execute], T]) -> T:
        """Run `fn(execute)` as one transaction: all of it or (on an exception) none."""
        ...

    def close(self) -> None: ...


class SQLiteDatabase:
    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.file = SQLiteFile(path, schema("INTEGER PRIMARY KEY AUTOINCREMENT"))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> tuple[int, list[Row]]:
        def op(conn: sqlite3.Connection) -> tuple[int, list[Row]]:
            cur = conn.execute(sql, tuple(params))
            rows = cur.fetchall()
            return cur.rowcount, rows

        return self.file.call(op)

    def transaction(self, fn: Callable[[Execute], T]) -> T:
        def op(conn: sqlite3.Connection) -> T:
            def execute(sql: str, params: Sequence[Any] = ()) -> tuple[int, list[Row]]:
                cur = conn.execute(sql, tuple(params))
                return cur.rowcount, cur.fetchall()

            conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(execute)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return result

        return self.file.call(op)

    def close(self) -> None:
        self.file.close()


class PostgresDatabase:
    """One autocommit psycopg2 connection per process, reopened after a lost connection."""

    dialect = "postgresql"

    def __init__(self, url: str, connect_timeout_s: int = 5) -> None:
        self.url = url
        self.connect_timeout_s = connect_timeout_s
        self._conn: Any = None
        self._lock = threading.Lock()

    def _connect(self) -> Any:
        import psycopg2

        if self._conn is None or self._conn.closed:
            conn = psycopg2.connect(self.url, connect_timeout=self.connect_timeout_s)
            conn.autocommit = True
            with conn.cursor() as cur:
                # two processes creating the schema at once must not collide
                cur.execute("SELECT pg_advisory_lock(72010)")
                try:
                    for statement in schema("BIGSERIAL PRIMARY KEY"):
                        cur.execute(statement)
                finally:
                    cur.execute("SELECT pg_advisory_unlock(72010)")
            self._conn = conn
        return self._conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> tuple[int, list[Row]]:
        import psycopg2

        with self._lock:
            for attempt in (1, 2):
                conn = self._connect()
                try:
                    with conn.cursor() as cur:
                        cur.execute(sql.replace("?", "%s"), tuple(params))
                        rows = cur.fetchall() if cur.description else []
                        return cur.rowcount, [tuple(r) for r in rows]
                except (psycopg2.OperationalError, psycopg2.InterfaceError):
                    self.close_locked()
                    if attempt == 2:
                        raise
        raise AssertionError("unreachable")

    def transaction(self, fn: Callable[[Execute], T]) -> T:
        with self._lock:
            conn = self._connect()
            conn.autocommit = False
            try:

                def execute(sql: str, params: Sequence[Any] = ()) -> tuple[int, list[Row]]:
                    with conn.cursor() as cur:
                        cur.execute(sql.replace("?", "%s"), tuple(params))
                        rows = cur.fetchall() if cur.description else []
                        return cur.rowcount, [tuple(r) for r in rows]

                with conn:  # commit, or roll back on an exception
                    return fn(execute)
            finally:
                if not conn.closed:
                    conn.autocommit = True

    def close_locked(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def close(self) -> None:
        with self._lock:
            self.close_locked()
