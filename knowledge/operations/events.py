"""Rasa tracker events, read from the SQL tracker store the Rasa server writes.

The table is Rasa 3.6's `SQLTrackerStore.SQLEvent` (`events`: id, sender_id, type_name,
timestamp, intent_name, action_name, data as JSON text); the Rasa server picks the engine with
`CUSTOMER_AGENT_TRACKER_STORE` (connectors/stores/, endpoints.yml). The agent env has no Rasa,
so the same variables are read here: SQLite at `CUSTOMER_AGENT_TRACKER_DB`, else
`$CUSTOMER_AGENT_DATA/tracker.db`; PostgreSQL from `POSTGRES_*` through psycopg. Only the event
types the report uses are read, in (sender_id, timestamp, id) order, so a conversation's events
arrive together and one pass over the rows is enough.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# user, bot, slot: what the visitor and the agent said and what the actions decided;
# action: `action_handoff` marks a handoff even when its utterance is missing
TYPES = ("user", "bot", "slot", "action")
_COLUMNS = "sender_id, type_name, timestamp, action_name, data"


@dataclass(frozen=True)
class TrackerEvent:
    sender_id: str
    type_name: str
    timestamp: float
    action_name: str | None
    data: dict[str, Any]


@dataclass(frozen=True)
class TrackerSource:
    """Where the events are: a SQLite file or a PostgreSQL connection (password never printed)."""

    dialect: str  # "sqlite" | "postgresql"
    path: Path | None = None
    conninfo: Mapping[str, Any] | None = None

    def describe(self) -> str:
        if self.dialect == "sqlite":
            return f"sqlite:{self.path}"
        info = self.conninfo or {}
        return f"postgresql://{info.get('host')}:{info.get('port')}/{info.get('dbname')}"


def tracker_source(env: Mapping[str, str] | None = None) -> TrackerSource:
    """The tracker store the Rasa server uses, from the same variables (.env.example)."""
    env = os.environ if env is None else env
    backend = (env.get("CUSTOMER_AGENT_TRACKER_STORE") or "sqlite").strip().lower()
    if backend == "sqlite":
        explicit = (env.get("CUSTOMER_AGENT_TRACKER_DB") or "").strip()
        data = (env.get("CUSTOMER_AGENT_DATA") or "var").strip() or "var"
        return TrackerSource(
            "sqlite", path=Path(explicit) if explicit else Path(data) / "tracker.db"
        )
    if backend != "postgresql":
        raise ValueError(
            f"CUSTOMER_AGENT_TRACKER_STORE={backend!r}: expected one of sqlite, postgresql"
        )
    try:
        port = int(env.get("POSTGRES_PORT") or 5432)
    except ValueError as error:
        raise ValueError(f"POSTGRES_PORT={env.get('POSTGRES_PORT')!r}: not a number") from error
    info = {
        "host": env.get("POSTGRES_HOST") or "localhost",
        "port": port,
        "dbname": env.get("POSTGRES_DB") or "rasa",
        "user": env.get("POSTGRES_USER") or "postgres",
        "password": env.get("POSTGRES_PASSWORD") or None,
        "connect_timeout": 10,
    }
    return TrackerSource("postgresql", conninfo=info)


def _row(sender: str, type_name: str, ts: float, action: str | None, raw: str) -> TrackerEvent:
    try:
        data = json.loads(raw) if raw else {}
    except json.JSONDecodeError:
        data = {}  # a damaged row costs its details, not the report
    return TrackerEvent(sender, type_name, float(ts or 0.0), action, data or {})


def read_events(source: TrackerSource, *, since: float = 0.0) -> Iterator[TrackerEvent]:
    """Events at or after `since` (epoch seconds), grouped by conversation, oldest first.

    `since` is applied to the conversation's events as stored, so a conversation that began
    before it is cut at the boundary; callers pass a margin (lifecycle windows) and drop the
    conversations that started before the period."""
    marks = ", ".join("?" * len(TYPES))
    query = (
        f"SELECT {_COLUMNS} FROM events WHERE type_name IN ({marks}) AND timestamp >= ? "  # noqa: S608
        "ORDER BY sender_id, timestamp, id"
    )
    if source.dialect == "sqlite":
        if source.path is None or not source.path.exists():
            raise FileNotFoundError(f"no tracker store at {source.path} (has the agent run yet?)")
        db = sqlite3.connect(f"file:{source.path}?mode=ro", uri=True, timeout=10.0)
        try:
            for row in db.execute(query, (*TYPES, since)):
                yield _row(*row)
        finally:
            db.close()
        return
    import psycopg

    with psycopg.connect(**dict(source.conninfo or {})) as conn, conn.cursor() as cur:
        cur.execute(query.replace("?", "%s"), (*TYPES, since))
        for row in cur:
            yield _row(*row)
