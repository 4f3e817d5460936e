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
from collections.abc import Iterable, Iterator, Mapping
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


# Visitor feedback (docs/architecture.md "Feedback"): the widget, a Messenger quick reply or the
# WhatsApp connector send the intent shortcut `/feedback{"helpful":"up","answer_id":"<id>"}`, so
# the tracker holds a `user` event whose parse_data has intent `feedback` and the entities
# `helpful` (up | down) and `answer_id` (absent on WhatsApp: the last AI answer is meant).
FEEDBACK_INTENT = "feedback"
_HELPFUL = {"up": True, "down": False}


@dataclass(frozen=True)
class Feedback:
    """One visitor's verdict on one AI answer, with what the answer was about."""

    ts: float
    helpful: bool
    answer_id: str  # the answer it refers to ("" when no answer preceded it)
    question: str  # the visitor's (masked) question the answer replied to
    sources: tuple[str, ...]  # the answer's cited URLs (or titles)
    language: str
    channel: str
    sender_id: str = ""


def feedback_vote(event: TrackerEvent) -> tuple[bool, str] | None:
    """(helpful, answer_id) when `event` is a visitor's feedback message, else None."""
    if event.type_name != "user":
        return None
    parse = event.data.get("parse_data") or {}
    if ((parse.get("intent") or {}).get("name")) != FEEDBACK_INTENT:
        return None
    values = {
        str(e.get("entity")): e.get("value")
        for e in parse.get("entities") or []
        if isinstance(e, dict)
    }
    helpful = _HELPFUL.get(str(values.get("helpful") or "").strip().lower())
    if helpful is None:
        return None
    return helpful, str(values.get("answer_id") or "")


def _label(source: Any) -> str:
    if isinstance(source, dict):
        return str(source.get("url") or source.get("title") or "")
    return str(source or "")


def feedback_of(events: Iterable[TrackerEvent]) -> list[Feedback]:
    """One sender's feedback (events oldest first), each tied to the answer it names.

    The question of an answer is the visitor's message before it; after a clarification, the
    question that was clarified plus the reply (as the answer chain reads it)."""
    answers: dict[str, tuple[str, tuple[str, ...], str]] = {}
    last_id = ""
    out: list[Feedback] = []
    channel = language = text = pending = ""
    for event in events:
        data = event.data
        if event.type_name == "slot" and data.get("name") == "language" and data.get("value"):
            language = str(data["value"])
        elif event.type_name == "user":
            channel = channel or str(data.get("input_channel") or "")
            vote = feedback_vote(event)
            if vote is None:
                text = str(data.get("text") or "")
                continue
            helpful, answer_id = vote
            answer_id = answer_id if answer_id in answers else last_id
            question, sources, lang = answers.get(answer_id, ("", (), language))
            out.append(
                Feedback(
                    event.timestamp,
                    helpful,
                    "" if answer_id.startswith("@") else answer_id,
                    question,
                    sources,
                    lang,
                    channel,
                    event.sender_id,
                )
            )
        elif event.type_name == "bot" and not (data.get("metadata") or {}).get("human"):
            custom = (data.get("data") or {}).get("custom") or {}
            if not isinstance(custom, dict):
                continue
            kind = custom.get("kind")
            if kind == "clarify":
                pending = pending or text
            elif kind == "answer":
                answer_id = str(custom.get("answer_id") or f"@{event.timestamp}")
                question = f"{pending} {text}".strip() if pending else text
                labels = tuple(filter(None, map(_label, custom.get("sources") or [])))
                answers[answer_id] = (question, labels, str(custom.get("language") or language))
                last_id, pending = answer_id, ""
    return out


def read_feedback(source: TrackerSource, *, since: float = 0.0) -> Iterator[Feedback]:
    """Every conversation's feedback in the tracker store, at or after `since`."""
    batch: list[TrackerEvent] = []
    for event in read_events(source, since=since):
        if batch and event.sender_id != batch[0].sender_id:
            yield from feedback_of(batch)
            batch = []
        batch.append(event)
    yield from feedback_of(batch)
