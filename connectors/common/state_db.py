"""The one small SQL interface behind all state that several workers must share: SQLite or
PostgreSQL, chosen by `CUSTOMER_AGENT_STATE_DB` (docs/architecture.md, "State and production").

- unset: one SQLite file per store under `$CUSTOMER_AGENT_DATA/connectors/` (or the data dir),
  as `make run` has always done; SQLite's own locking lets the processes of one machine share it.
- `postgresql://...`: tables in that database, created idempotently on first use, so Rasa
  servers and action servers on several machines share them.
- `sqlite:///path`: every store's tables in that one file.

Every store writes its statements once, with `?` placeholders and SQL both engines accept
(`INSERT ... ON CONFLICT DO NOTHING`, `RETURNING`); schemas use `{serial}` and `{blob}` for the
two column types that differ. Calls block: async code runs them in a worker thread. Nothing
connects before the first statement.

PostgreSQL connections: a small pool per process and URL (`POOL_SIZE`), shared by the stores of
that process. Why a pool and not a connection per call: a webhook makes several statements, and
each fresh connection would add a TCP handshake, authentication and session set-up to them
(a round trip on a pooled connection is 0.03 ms here, benchmarks/bench_state.py); why small:
the budget is servers x workers x `POOL_SIZE` connections. Every connection has a
connect timeout, a statement timeout and an idle-in-transaction timeout; waiting for a free
connection times out too. Either driver works: psycopg2 (the Rasa env) or psycopg 3 (the agent
env), imported on first use.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

from connectors.common.sqlite import SQLiteFile

Row = tuple[Any, ...]
Execute = Callable[[str, Sequence[Any]], tuple[int, list[Row]]]
T = TypeVar("T")

POOL_SIZE = 4  # connections per process and URL at most
CONNECT_TIMEOUT_S = 5
STATEMENT_TIMEOUT_MS = 10_000
POOL_WAIT_S = 10.0
_COLUMN_TYPES = {
    "sqlite": {"serial": "INTEGER PRIMARY KEY AUTOINCREMENT", "blob": "BLOB"},
    "postgresql": {"serial": "BIGSERIAL PRIMARY KEY", "blob": "BYTEA"},
}
_SCHEMA_LOCK = 72010  # pg advisory lock: two processes creating the tables at once


class StateDBError(RuntimeError):
    """The state database is misconfigured or out of connections."""


def render_schema(statements: Sequence[str], dialect: str) -> list[str]:
    """Fill `{serial}` / `{blob}` with the column types of `dialect`."""
    types = _COLUMN_TYPES[dialect]
    return [
        s.replace("{serial}", types["serial"]).replace("{blob}", types["blob"]) for s in statements
    ]


class Database(Protocol):
    """Blocking SQL: `execute` returns (rowcount, rows); every call is its own transaction."""

    dialect: str

    def execute(self, sql: str, params: Sequence[Any] = ()) -> tuple[int, list[Row]]: ...

    def transaction(self, fn: Callable[[Execute], T]) -> T:
        """Run `fn(execute)` as one transaction: all of it or (on an exception) none."""
        ...

    def close(self) -> None: ...


def is_postgresql(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def open_database(
    url: str,
    default_file: Path,
    schema: Sequence[str],
    migrate: Callable[[sqlite3.Connection], None] | None = None,
) -> Database:
    """The store's database for a `CUSTOMER_AGENT_STATE_DB` value (`url`, "" = `default_file`)."""
    if is_postgresql(url):
        return PostgresDatabase(url, schema)
    if url.startswith("sqlite:///"):
        return SQLiteDatabase(Path(url.removeprefix("sqlite:///")), schema, migrate)
    if url:
        raise StateDBError(
            "CUSTOMER_AGENT_STATE_DB must be a postgresql:// or sqlite:/// URL (or unset)"
        )
    return SQLiteDatabase(default_file, schema, migrate)


def connector_database(
    file_name: str,
    schema: Sequence[str],
    migrate: Callable[[sqlite3.Connection], None] | None = None,
) -> Database:
    """`open_database` for a Rasa-side store, from `connectors.settings` (read when called)."""
    from connectors.settings import get_settings

    settings = get_settings()
    return open_database(settings.state_db, settings.connectors_dir / file_name, schema, migrate)


class SQLiteDatabase:
    dialect = "sqlite"

    def __init__(
        self,
        path: Path,
        schema: Sequence[str],
        migrate: Callable[[sqlite3.Connection], None] | None = None,
    ) -> None:
        self.file = SQLiteFile(path, render_schema(schema, self.dialect), migrate)

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

            conn.execute("BEGIN IMMEDIATE")  # writers queue here, so reads inside see a snapshot
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


def _driver() -> Any:
    try:
        import psycopg2
        import psycopg2.errors  # QueryCanceled, below

        return psycopg2
    except ImportError:
        import psycopg

        return psycopg


class _Pool:
    """At most `size` autocommit connections to one URL; idle ones are reused."""

    def __init__(self, url: str, size: int) -> None:
        self.url = url
        self.users = 0
        self._idle: list[Any] = []
        self._slots = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()

    def _connect(self) -> Any:
        driver = _driver()
        conn = driver.connect(self.url, connect_timeout=CONNECT_TIMEOUT_S)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
            cur.execute(f"SET idle_in_transaction_session_timeout = {STATEMENT_TIMEOUT_MS * 3}")
        return conn

    @contextlib.contextmanager
    def connection(self) -> Iterator[Any]:
        """A connection for one call; dropped (not reused) when it failed at the network level."""
        if not self._slots.acquire(timeout=POOL_WAIT_S):
            raise StateDBError(f"no free state-database connection within {POOL_WAIT_S:.0f} s")
        try:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            if conn is None or conn.closed:
                conn = self._connect()
            driver = _driver()
            try:
                yield conn
            except (driver.OperationalError, driver.InterfaceError):
                _close_quietly(conn)
                raise
            finally:
                if not conn.closed:
                    with self._lock:
                        self._idle.append(conn)
        finally:
            self._slots.release()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            _close_quietly(conn)


def _close_quietly(conn: Any) -> None:
    with contextlib.suppress(Exception):
        conn.close()


_pools: dict[str, _Pool] = {}
_pools_lock = threading.Lock()


def _run(cur: Any, sql: str, params: Sequence[Any]) -> tuple[int, list[Row]]:
    cur.execute(sql.replace("?", "%s"), tuple(params))
    rows = cur.fetchall() if cur.description else []
    return cur.rowcount, [tuple(r) for r in rows]


class PostgresDatabase:
    """A store's tables in PostgreSQL, over the process-wide pool of its URL (see above)."""

    dialect = "postgresql"

    def __init__(self, url: str, schema: Sequence[str], pool_size: int = POOL_SIZE) -> None:
        self.url = url
        self.pool_size = pool_size
        self._schema = render_schema(schema, self.dialect)
        self._pool: _Pool | None = None
        self._ready = False
        self._lock = threading.Lock()

    def _acquire(self) -> _Pool:
        with self._lock:
            if self._pool is None:
                with _pools_lock:
                    pool = _pools.get(self.url) or _pools.setdefault(
                        self.url, _Pool(self.url, self.pool_size)
                    )
                    pool.users += 1
                self._pool = pool
            pool = self._pool
        if not self._ready:
            with pool.connection() as conn, conn.cursor() as cur:
                cur.execute("BEGIN")
                try:
                    cur.execute(f"SELECT pg_advisory_xact_lock({_SCHEMA_LOCK})")
                    for statement in self._schema:
                        cur.execute(statement)
                except BaseException:
                    cur.execute("ROLLBACK")
                    raise
                cur.execute("COMMIT")
            self._ready = True
        return pool

    def execute(self, sql: str, params: Sequence[Any] = ()) -> tuple[int, list[Row]]:
        driver = _driver()
        for attempt in (1, 2):
            try:
                with self._acquire().connection() as conn, conn.cursor() as cur:
                    return _run(cur, sql, params)
            except (driver.OperationalError, driver.InterfaceError) as error:
                # a pooled connection the server closed (restart, idle cut): retry once on a
                # fresh one; a statement cancelled by its timeout is not retried
                if attempt == 2 or isinstance(error, driver.errors.QueryCanceled):
                    raise
        raise AssertionError("unreachable")

    def transaction(self, fn: Callable[[Execute], T]) -> T:
        with self._acquire().connection() as conn, conn.cursor() as cur:

            def execute(sql: str, params: Sequence[Any] = ()) -> tuple[int, list[Row]]:
                return _run(cur, sql, params)

            cur.execute("BEGIN")
            try:
                result = fn(execute)
            except BaseException:
                if not conn.closed:
                    cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")
            return result

    def close(self) -> None:
        """Give the pool back; its connections close when no store of the process uses it."""
        with self._lock:
            pool, self._pool, self._ready = self._pool, None, False
        if pool is None:
            return
        with _pools_lock:
            pool.users -= 1
            if pool.users == 0 and _pools.get(self.url) is pool:
                del _pools[self.url]
            else:
                return
        pool.close()
