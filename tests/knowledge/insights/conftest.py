"""The decision store on both backends: a SQLite file, and the local PostgreSQL (a fresh schema
per test, dropped afterwards; an unreachable server fails the test, as in tests/production)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.common.state_db import open_database
from knowledge.insights.store import SCHEMA, InsightsStore

PG_ADMIN = os.environ.get("CUSTOMER_AGENT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    import psycopg

    schema = "insights_" + uuid.uuid4().hex[:12]
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG_ADMIN}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[InsightsStore]:
    if request.param == "sqlite":
        s = InsightsStore(tmp_path / "i.sqlite3")
    else:
        url = request.getfixturevalue("pg_schema_url")
        s = InsightsStore(db=open_database(url, tmp_path / "unused.sqlite3", SCHEMA))
        assert s.db.dialect == "postgresql"
    yield s
    s.close()
