"""The analytics tables in PostgreSQL: every Rasa event once, whatever the broker redelivers.

Why a key and not the broker's ids: Rasa's pika broker keeps failed publishes in memory and
sends them again after a reconnect, and the consumer acknowledges only after a commit, so the
same event can arrive twice (and an event lost in a crashed server never arrives: gaps are
possible and reports must tolerate them). An event is identified by conversation, timestamp,
type and a digest of its canonical JSON: a redelivery is dropped by the unique index, while
two different events that share a timestamp and type (two `slot` events of one action) are
both kept. Messages that are not Rasa events are kept in `analytics_rejected`, never dropped.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS analytics_events (
    id BIGSERIAL PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    ts DOUBLE PRECISION NOT NULL,
    type TEXT NOT NULL,
    digest TEXT NOT NULL,
    data JSONB NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS analytics_events_identity
    ON analytics_events (conversation_id, ts, type, digest);
CREATE TABLE IF NOT EXISTS analytics_rejected (
    id BIGSERIAL PRIMARY KEY,
    body TEXT NOT NULL,
    reason TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
"""


@dataclass(frozen=True)
class Event:
    conversation_id: str
    ts: float
    type: str
    digest: str
    data: str  # canonical JSON


class NotAnEvent(ValueError):
    """A message without the fields every Rasa event carries."""


def parse_event(body: bytes) -> Event:
    """One broker message -> Event; NotAnEvent when it is not a Rasa tracker event."""
    try:
        event: Any = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise NotAnEvent(f"not JSON: {error}") from error
    if not isinstance(event, dict):
        raise NotAnEvent("not a JSON object")
    sender, ts, kind = event.get("sender_id"), event.get("timestamp"), event.get("event")
    if not isinstance(sender, str) or not sender:
        raise NotAnEvent("no sender_id")
    if not isinstance(ts, (int, float)) or isinstance(ts, bool):
        raise NotAnEvent("no numeric timestamp")
    if not isinstance(kind, str) or not kind:
        raise NotAnEvent("no event type")
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:32]
    return Event(sender, float(ts), kind, digest, canonical)


class AnalyticsStore:
    """One psycopg connection; `write` commits a batch atomically or not at all."""

    def __init__(self, url: str, timeout_s: float = 10.0) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self._conn: Any = None

    def connect(self) -> None:
        import psycopg

        self.close()
        self._conn = psycopg.connect(self.url, connect_timeout=int(self.timeout_s))
        with self._conn.transaction():
            self._conn.execute("SELECT pg_advisory_xact_lock(4712)")  # consumers start together
            self._conn.execute(SCHEMA)

    def write(self, events: list[Event], rejected: list[tuple[str, str]]) -> int:
        """Insert; returns how many events were new (the rest were redeliveries)."""
        if self._conn is None:
            self.connect()
        new = 0
        with self._conn.transaction(), self._conn.cursor() as cur:
            for e in events:
                cur.execute(
                    "INSERT INTO analytics_events (conversation_id, ts, type, digest, data) "
                    "VALUES (%s, %s, %s, %s, %s::jsonb) ON CONFLICT DO NOTHING",
                    (e.conversation_id, e.ts, e.type, e.digest, e.data),
                )
                new += cur.rowcount
            for body, reason in rejected:
                cur.execute(
                    "INSERT INTO analytics_rejected (body, reason) VALUES (%s, %s)", (body, reason)
                )
        return new

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None
