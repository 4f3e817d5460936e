"""The handoff store's tables on the shared state database (connectors/common/state_db.py):
one SQLite file (default) or PostgreSQL.

Why two: the embedded default needs no server (`$CUSTOMER_AGENT_DATA/connectors/handoff.sqlite3`),
while several Rasa instances behind a load balancer must share one database; PostgreSQL is used
when `CUSTOMER_AGENT_STATE_DB` is a `postgresql://` URL (the same server the production tracker
store uses). `SQLiteDatabase` / `PostgresDatabase` here are the shared ones bound to this schema.
"""

from __future__ import annotations

from pathlib import Path

from connectors.common import state_db
from connectors.common.state_db import Database, Execute, Row

__all__ = ["Database", "Execute", "PostgresDatabase", "Row", "SQLiteDatabase", "schema"]

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


def schema(serial: str = "{serial}") -> list[str]:
    return [sql.replace("{serial}", serial) for sql in _TABLES.values()]


class SQLiteDatabase(state_db.SQLiteDatabase):
    def __init__(self, path: Path) -> None:
        super().__init__(path, schema())


class PostgresDatabase(state_db.PostgresDatabase):
    def __init__(self, url: str) -> None:
        super().__init__(url, schema())
