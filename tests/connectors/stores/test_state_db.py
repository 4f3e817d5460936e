"""The state database itself (connectors/common/state_db.py) on SQLite and the real local
PostgreSQL: transactions, idempotent tables, the bounded pool, timeouts on every connection,
recovery from a connection the server dropped, and the rename of pre-existing SQLite tables."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from connectors.common import state_db
from connectors.common.dedupe import ProcessedIds
from connectors.common.outbox import Outbox
from connectors.common.senders import SenderBook
from connectors.common.state_db import (
    PostgresDatabase,
    SQLiteDatabase,
    StateDBError,
    connector_database,
    open_database,
)

SCHEMA = ("CREATE TABLE IF NOT EXISTS items (id {serial}, name TEXT NOT NULL UNIQUE)",)


def database(state_db: str, tmp_path: Path):
    return open_database(state_db, tmp_path / "items.sqlite3", SCHEMA)


def test_transaction_is_all_or_nothing(state_db: str, tmp_path: Path) -> None:
    db = database(state_db, tmp_path)
    try:
        db.execute("INSERT INTO items (name) VALUES (?)", ("kept",))

        def half(execute):
            execute("INSERT INTO items (name) VALUES (?)", ("lost",))
            execute("INSERT INTO items (name) VALUES (?)", ("kept",))  # unique violation

        with pytest.raises(Exception, match=r"(?i)unique"):
            db.transaction(half)
        _, rows = db.execute("SELECT name FROM items ORDER BY id")
        assert rows == [("kept",)]
        count, rows = db.execute(
            "INSERT INTO items (name) VALUES (?) ON CONFLICT DO NOTHING RETURNING id", ("kept",)
        )
        assert (count, rows) == (0, [])
        # the connection that saw the failed transaction still works
        assert db.transaction(lambda ex: ex("SELECT COUNT(*) FROM items", ())[1]) == [(1,)]
    finally:
        db.close()


def test_tables_are_created_once_by_concurrent_openers(state_db: str, tmp_path: Path) -> None:
    dbs = [database(state_db, tmp_path) for _ in range(4)]
    errors: list[BaseException] = []

    def first_use(db) -> None:
        try:
            db.execute("INSERT INTO items (name) VALUES (?)", (str(id(db)),))
        except BaseException as error:  # collected, asserted below
            errors.append(error)

    threads = [threading.Thread(target=first_use, args=(db,)) for db in dbs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        assert dbs[0].execute("SELECT COUNT(*) FROM items")[1] == [(4,)]
    finally:
        for db in dbs:
            db.close()


def test_the_variable_chooses_the_backend(state_db: str, tmp_path: Path) -> None:
    db = connector_database("items.sqlite3", SCHEMA)
    try:
        assert db.dialect == ("postgresql" if state_db else "sqlite")
        db.execute("INSERT INTO items (name) VALUES (?)", ("x",))
    finally:
        db.close()
    if not state_db:
        assert (tmp_path / "data" / "connectors" / "items.sqlite3").exists()


def test_a_sqlite_url_puts_every_store_in_one_file(tmp_path: Path, monkeypatch) -> None:
    from connectors import settings

    target = tmp_path / "all-state.sqlite3"
    monkeypatch.setenv("CUSTOMER_AGENT_STATE_DB", f"sqlite:///{target}")
    settings.get_settings.cache_clear()
    stores = [Outbox(), ProcessedIds(), SenderBook()]
    stores[0].put("c", {"text": "hi"})
    stores[1].claim_sync("whatsapp", "1")
    stores[2].touch_inbound_sync("whatsapp", "+31")
    for store in stores:
        store.close()
    with sqlite3.connect(target) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"webchat_outbox", "processed_ids", "sender_book"} <= tables


def test_a_bad_url_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StateDBError, match="postgresql:// or sqlite:///"):
        open_database("mysql://db/x", tmp_path / "x.sqlite3", SCHEMA)


def test_sqlite_files_of_earlier_versions_keep_their_rows(tmp_path: Path) -> None:
    path = tmp_path / "webchat_outbox.sqlite3"
    with sqlite3.connect(path) as old:  # the schema before the shared state database
        old.execute(
            "CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT,"
            " conversation_id TEXT NOT NULL, message TEXT NOT NULL, at REAL NOT NULL)"
        )
        old.execute("CREATE INDEX outbox_conversation ON outbox (conversation_id, id)")
        old.execute(
            "INSERT INTO outbox (conversation_id, message, at) VALUES ('c', '{\"text\": \"kept\"}',"
            " ?)",
            (time.time(),),
        )
    outbox = Outbox(path)
    try:
        assert [m["text"] for m in outbox.fetch("c")] == ["kept"]
        assert outbox.put("c", {"text": "new"}) == 2
    finally:
        outbox.close()


def test_postgres_connections_have_timeouts_and_a_bounded_pool(pg_schema: str, monkeypatch) -> None:
    monkeypatch.setattr(state_db, "POOL_WAIT_S", 0.5)
    db = PostgresDatabase(pg_schema, SCHEMA, pool_size=1)
    try:
        _, rows = db.execute("SHOW statement_timeout")
        assert rows == [(f"{state_db.STATEMENT_TIMEOUT_MS // 1000}s",)]
        _, rows = db.execute("SHOW idle_in_transaction_session_timeout")
        assert rows == [(f"{state_db.STATEMENT_TIMEOUT_MS * 3 // 1000}s",)]
        # the one connection is busy inside a transaction: a second caller waits, then gives up
        entered, release = threading.Event(), threading.Event()

        def hold(execute):
            entered.set()
            release.wait(10)

        holder = threading.Thread(target=db.transaction, args=(hold,))
        holder.start()
        assert entered.wait(10)
        started = time.monotonic()
        with pytest.raises(StateDBError, match="no free state-database connection"):
            db.execute("SELECT 1")
        assert time.monotonic() - started < 5
        release.set()
        holder.join(10)
        assert db.execute("SELECT 1")[1] == [(1,)]
    finally:
        db.close()


def test_postgres_stores_of_one_process_share_one_pool(pg_schema: str) -> None:
    a = PostgresDatabase(pg_schema, SCHEMA)
    b = PostgresDatabase(pg_schema, ("CREATE TABLE IF NOT EXISTS other (x INTEGER)",))
    try:
        pid_a = a.execute("SELECT pg_backend_pid()")[1]
        pid_b = b.execute("SELECT pg_backend_pid()")[1]
        assert pid_a == pid_b  # sequential calls reuse the one idle connection
        a.close()
        assert b.execute("SELECT COUNT(*) FROM other")[1] == [(0,)]  # b's pool is still open
    finally:
        a.close()
        b.close()
    assert pg_schema not in state_db._pools


def test_postgres_recovers_a_connection_the_server_closed(pg_schema: str) -> None:
    import psycopg2

    from tests.connectors.stores.conftest import PG_ADMIN_URL

    db = PostgresDatabase(pg_schema, SCHEMA)
    try:
        db.execute("INSERT INTO items (name) VALUES (?)", ("before",))
        (pid,) = db.execute("SELECT pg_backend_pid()")[1][0]
        admin = psycopg2.connect(PG_ADMIN_URL, connect_timeout=5)
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(%s)", (pid,))
        admin.close()
        db.execute("INSERT INTO items (name) VALUES (?)", ("after",))  # a fresh connection
        assert db.execute("SELECT name FROM items ORDER BY id")[1] == [("before",), ("after",)]
        assert db.execute("SELECT pg_backend_pid()")[1][0][0] != pid
    finally:
        db.close()


def test_postgres_statements_time_out(pg_schema: str, monkeypatch) -> None:
    import psycopg2

    monkeypatch.setattr(state_db, "STATEMENT_TIMEOUT_MS", 200)
    db = PostgresDatabase(pg_schema, SCHEMA)
    try:
        started = time.monotonic()
        with pytest.raises(psycopg2.errors.QueryCanceled):
            db.execute("SELECT pg_sleep(3)")
        assert time.monotonic() - started < 2.5  # cancelled long before the 3 s sleep ends
    finally:
        db.close()


def test_sqlite_database_keeps_the_handoff_names(tmp_path: Path) -> None:
    from connectors.handoff import db as handoff_db

    db = handoff_db.SQLiteDatabase(tmp_path / "handoff.sqlite3")
    try:
        assert isinstance(db, SQLiteDatabase)
        assert db.execute("SELECT COUNT(*) FROM handoffs")[1] == [(0,)]
    finally:
        db.close()
