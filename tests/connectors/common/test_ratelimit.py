"""The web chat rate limits: the in-memory limiter, and the shared one on SQLite
(CUSTOMER_AGENT_STATE_DB unset) and on the real local PostgreSQL, built the way the web chat
builds it (no path, no db) so the backend comes from the environment as in a deployment."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from connectors.common.ratelimit import CHECK_TIMEOUT_MS, SCHEMA, RateLimiter, SharedRateLimiter
from connectors.common.state_db import Database, PostgresDatabase, SQLiteDatabase
from tests.connectors.stores import conftest as stores

# the shared-state fixtures: each test on both backends, from a clean environment
no_backend_env = stores.no_backend_env
pg_schema = stores.pg_schema
state_db = stores.state_db

T0 = 600_000.0  # epoch seconds at the start of a 60 s window


def rows(limiter: SharedRateLimiter) -> list[tuple[Any, ...]]:
    _, found = limiter.db.execute(
        "SELECT window_index, rate_key, hits FROM rate_limit_windows WHERE scope = ?"
        " ORDER BY window_index, rate_key",
        (limiter.scope,),
    )
    return found


def second_server_db(state_db: str, tmp_path: Path) -> Database:
    """The state database over connections of its own, as another server would have: another
    SQLite connection to the same file, or another PostgreSQL pool (another URL, same tables)."""
    if not state_db:
        return SQLiteDatabase(
            tmp_path / "data" / "connectors" / "webchat_ratelimit.sqlite3", SCHEMA
        )
    return PostgresDatabase(f"{state_db}&application_name=second_server", SCHEMA)


def test_memory_limiter_window_slides() -> None:
    limiter = RateLimiter(limit=2, window_s=60)
    assert limiter.allow("a", now=0) and limiter.allow("a", now=1)
    assert not limiter.allow("a", now=59)
    assert limiter.allow("a", now=60.5)


def test_shared_limiter_contract(state_db: str) -> None:
    limiter = SharedRateLimiter(2, 60.0, scope="conversation")
    try:
        assert limiter.db.dialect == ("postgresql" if state_db else "sqlite")
        assert limiter.allow("a", now=T0) and limiter.allow("a", now=T0 + 1)
        assert not limiter.allow("a", now=T0 + 59)
        assert limiter.allow("b", now=T0 + 59)  # every key has its own budget
        # the previous window still counts for the part of it inside the last 60 s
        assert not limiter.allow("a", now=T0 + 60.5)  # 2 x 0.99 + 1 > 2
        # half of it: 2 x 0.5 + 1 = 2; the refusals above were not counted
        assert limiter.allow("a", now=T0 + 90)
        assert not limiter.allow("a", now=T0 + 91)
        assert limiter.allow("a", now=T0 + 180.5)  # the window before was empty
        other = SharedRateLimiter(1, 60.0, scope="ip", db=limiter.db)
        assert other.allow("a", now=T0 + 91)  # another scope, another count
        assert not other.allow("a", now=T0 + 92)
        assert SharedRateLimiter(0, 60.0, scope="off", db=limiter.db).allow("a", now=T0)
        # windows before the previous one are pruned
        assert [(w, k) for w, k, _ in rows(limiter)] == [(10_003, "a")]
    finally:
        limiter.close()


def test_two_servers_share_one_count(state_db: str, tmp_path: Path) -> None:
    first = SharedRateLimiter(25, 60.0, scope="conversation")
    second = SharedRateLimiter(
        25, 60.0, scope="conversation", db=second_server_db(state_db, tmp_path)
    )
    results: list[bool] = []
    lock = threading.Lock()

    def worker(db: Database) -> None:  # a worker of that server: its own limiter, the server's db
        limiter = SharedRateLimiter(25, 60.0, scope="conversation", db=db)
        for _ in range(10):
            allowed = limiter.allow("c1", now=T0 + 30)
            with lock:
                results.append(allowed)

    try:
        assert first.allow("c1", now=T0) and second.allow("c1", now=T0)
        servers = (first.db, second.db) * 3
        threads = [threading.Thread(target=worker, args=(db,)) for db in servers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # 2 + 60 checks, at once, on two servers: exactly the limit got through
        assert results.count(True) == 23
        assert not first.allow("c1", now=T0 + 31) and not second.allow("c1", now=T0 + 31)
        assert rows(second) == [(10_000, "c1", 25)]
    finally:
        first.close()
        second.close()


class FlakyDatabase:
    """A real SQLite state database that fails while `down` is set, as an unreachable one does."""

    def __init__(self, path: Path) -> None:
        self.real = SQLiteDatabase(path, SCHEMA)
        self.dialect = self.real.dialect
        self.down = False

    def execute(self, sql: str, params: Any = ()) -> tuple[int, list[tuple[Any, ...]]]:
        if self.down:
            raise ConnectionError("state database unreachable")
        return self.real.execute(sql, params)

    def transaction(self, fn: Any) -> Any:
        raise AssertionError("the limiter needs no transaction")

    def close(self) -> None:
        self.real.close()


def test_database_failure_falls_back_to_this_process_count(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = FlakyDatabase(tmp_path / "rate.sqlite3")
    limiter = SharedRateLimiter(3, 60.0, scope="conversation", db=db, retry_s=1.0)
    caplog.set_level(logging.INFO, logger="connectors.common.ratelimit")
    try:
        assert limiter.allow("a", now=T0) and limiter.allow("a", now=T0 + 1)
        db.down = True
        # this process saw two hits already: one more, then refused, never an exception
        assert limiter.allow("a", now=T0 + 2)
        assert not limiter.allow("a", now=T0 + 3)
        assert limiter.allow("b", now=T0 + 3)
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1 and "counting in this process" in warnings[0].getMessage()
        # recovered, but not retried before retry_s: still the memory count
        db.down = False
        assert not limiter.allow("a", now=T0 + 4)
        time.sleep(1.1)  # retry_s later the database is asked again
        assert limiter.allow("c", now=T0 + 5)
        assert "answers again" in caplog.records[-1].getMessage()
        assert rows(limiter) == [(10_000, "a", 2), (10_000, "c", 1)]
    finally:
        limiter.close()


def test_a_locked_postgresql_row_fails_over_within_the_check_timeout(
    pg_schema: str, caplog: pytest.LogCaptureFixture
) -> None:
    # the check runs on the web chat's event loop: a blocked database must not hold every
    # visitor for the stores' 10 s statement timeout
    import psycopg2

    limiter = SharedRateLimiter(
        5, 60.0, scope="conversation", db=PostgresDatabase(pg_schema, SCHEMA)
    )
    other = psycopg2.connect(pg_schema, connect_timeout=5)
    try:
        assert limiter.allow("a", now=T0)
        with other.cursor() as cur:  # another session holds the row's lock (a transaction open)
            cur.execute("UPDATE rate_limit_windows SET hits = hits WHERE rate_key = 'a'")
        started = time.monotonic()
        assert limiter.allow("a", now=T0 + 1)  # the memory count: 2 of 5
        waited = time.monotonic() - started
        assert CHECK_TIMEOUT_MS / 1000 * 0.9 <= waited < 5.0
        assert any("counting in this process" in r.getMessage() for r in caplog.records)
        other.rollback()
        assert rows(limiter) == [(10_000, "a", 1)]  # the cancelled check counted nothing
    finally:
        other.close()
        limiter.close()
