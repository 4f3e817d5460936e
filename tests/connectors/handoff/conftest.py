"""The handoff store on both backends: a SQLite file, and the local PostgreSQL (127.0.0.1:5432,
database `test`, one fresh schema per test) skipped only when that server is unreachable."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from connectors.handoff.db import PostgresDatabase, SQLiteDatabase
from connectors.handoff.store import HandoffStore

PG_URL = os.environ.get("CUSTOMER_AGENT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_schema() -> Iterator[str]:
    psycopg2 = pytest.importorskip("psycopg2")
    try:
        conn = psycopg2.connect(PG_URL, connect_timeout=3)
    except psycopg2.OperationalError as exc:
        pytest.skip(f"PostgreSQL unreachable at {PG_URL}: {exc}")
    conn.autocommit = True
    schema = "handoff_test_" + uuid.uuid4().hex[:12]
    with conn.cursor() as cur:
        cur.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP SCHEMA {schema} CASCADE")
        conn.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[HandoffStore]:
    if request.param == "sqlite":
        s = HandoffStore(SQLiteDatabase(tmp_path / "handoff.sqlite3"))
        yield s
        s.close()
        return
    for url in _pg_schema():
        s = HandoffStore(PostgresDatabase(url))
        yield s
        s.close()
