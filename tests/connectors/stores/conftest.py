"""Fixtures on the real local services (scripts/services.sh starts them for `make test`):
Redis 127.0.0.1:6379 and PostgreSQL 127.0.0.1:5432. An unreachable service fails the test:
these are the production backends, nothing here is skipped."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

REDIS_HOST = os.environ.get("CUSTOMER_AGENT_TEST_REDIS_HOST", "127.0.0.1")
REDIS_DB = 14  # apart from the lock store's default (1) of a locally running agent
PG_ADMIN_URL = os.environ.get(
    "CUSTOMER_AGENT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(autouse=True)
def no_backend_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts from the embedded defaults, whatever the caller's environment says."""
    for name in list(os.environ):
        if name.startswith(("CUSTOMER_AGENT_", "POSTGRES_", "REDIS_", "RABBITMQ_")) or name in {
            "SANIC_WORKERS",
            "TICKET_LOCK_LIFETIME",
        }:
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def key_prefix() -> str:
    """A fresh alphanumeric lock-key prefix: tests never see each other's locks."""
    return "t" + uuid.uuid4().hex[:12]


@pytest.fixture
def redis_client() -> Iterator[object]:
    import redis

    client = redis.StrictRedis(host=REDIS_HOST, port=6379, db=REDIS_DB, socket_timeout=5)
    client.ping()  # fails the test when Redis is down
    yield client
    client.close()


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database (name) for one test, dropped afterwards."""
    import psycopg2

    name = "stores_" + uuid.uuid4().hex[:12]
    conn = psycopg2.connect(PG_ADMIN_URL, connect_timeout=5)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name}")
    try:
        yield name
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.close()


def pg_schema_url(admin_url: str, schema: str) -> str:
    """`admin_url` with `schema` first on the search path (tables land in that schema)."""
    sep = "&" if "?" in admin_url else "?"
    return f"{admin_url}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A URL on the local PostgreSQL whose tables go to a fresh schema, dropped afterwards:
    parallel runs and tests never see each other's rows."""
    import psycopg2

    schema = "state_" + uuid.uuid4().hex[:12]
    conn = psycopg2.connect(PG_ADMIN_URL, connect_timeout=5)  # fails when PostgreSQL is down
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"CREATE SCHEMA {schema}")
    try:
        yield pg_schema_url(PG_ADMIN_URL, schema)
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def state_db(
    request: pytest.FixtureRequest, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Each shared-state test on both backends, chosen the way a deployment chooses them:
    `CUSTOMER_AGENT_STATE_DB` unset (SQLite files under `$CUSTOMER_AGENT_DATA/connectors`) or a
    postgresql:// URL. Yields the variable's value ("" for SQLite)."""
    from connectors import settings

    monkeypatch.setenv("CUSTOMER_AGENT_DATA", str(tmp_path / "data"))
    if request.param == "sqlite":
        settings.get_settings.cache_clear()
        yield ""
        return
    url = request.getfixturevalue("pg_schema")
    monkeypatch.setenv("CUSTOMER_AGENT_STATE_DB", url)
    settings.get_settings.cache_clear()
    yield url
