"""Fixtures on the real local PostgreSQL / Redis / RabbitMQ (scripts/services.sh starts them for
`make test`). Nothing is skipped: an unreachable service fails the test."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import pytest

PG_ADMIN = os.environ.get("CUSTOMER_AGENT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def pg_url(database: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + database


@contextlib.contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield name
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def database() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    with fresh_database("prod") as name:
        yield name


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "production: several servers on the local PostgreSQL, Redis and RabbitMQ"
    )
