"""The handoff store: one record per handoff, its Slack thread, the claim, an outbox of Slack
posts and the Slack dedupe keys, shared by every Rasa process (see `connectors/handoff/db.py`).

Why one store: the conversation <-> thread mapping, the claim and the outbox must survive a
restart and agree between workers. The claim is one conditional UPDATE (queued -> assigned), so
of two simultaneous clicks exactly one wins; an outbox row is leased before it is posted, so two
workers never post it twice, and it is marked done only once Slack has answered.

Usage: `store = HandoffStore.from_env()`; blocking methods end in `_sync`; the async ones run
them in a worker thread (`await store.run(store.claim_sync, ...)` for the rest).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from connectors.common.sqlite import connectors_dir
from connectors.handoff.db import Database, Execute, PostgresDatabase, Row, SQLiteDatabase

T = TypeVar("T")
OPEN_STATES = ("queued", "assigned")
_COLUMNS = (
    "id, sender_id, input_channel, state, reason, language, summary, last_question, visitor_name,"
    " route, out_of_hours, slack_channel, thread_ts, assignee_id, assignee_name, created_at,"
    " updated_at"
)
_ENQUEUE = (
    "INSERT INTO handoff_outbox (handoff_id, kind, payload, not_before, created_at)"
    " VALUES (?,?,?,?,?)"
)


@dataclass(frozen=True)
class Handoff:
    """One handoff: who, why, where it was routed, and its state in Slack."""

    id: str
    sender_id: str
    input_channel: str
    state: str  # queued | assigned | resolved | handed_back
    reason: str
    language: str
    summary: str
    last_question: str
    visitor_name: str
    route: Mapping[str, Any]  # {"rule", "users", "usergroup", "next_open"}
    out_of_hours: bool
    slack_channel: str
    thread_ts: str | None = None
    assignee_id: str | None = None
    assignee_name: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @classmethod
    def from_row(cls, row: Row) -> Handoff:
        values = list(row)
        values[9] = json.loads(values[9] or "{}")
        values[10] = bool(values[10])
        return cls(*values)


@dataclass(frozen=True)
class OutboxItem:
    """A Slack call waiting to be made: `kind` root | thread | update, `payload` its arguments."""

    id: int
    handoff_id: str
    kind: str
    payload: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0


class HandoffStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    @classmethod
    def from_env(cls) -> HandoffStore:
        """PostgreSQL when `CUSTOMER_AGENT_STATE_DB` is a postgresql URL, else the SQLite file
        `$CUSTOMER_AGENT_DATA/connectors/handoff.sqlite3` (read when called, opened when used)."""
        from connectors.settings import get_settings

        url = get_settings().state_db
        if url.startswith(("postgresql://", "postgres://")):
            return cls(PostgresDatabase(url))
        if url:
            return cls(SQLiteDatabase(Path(url.removeprefix("sqlite:///"))))
        return cls(SQLiteDatabase(connectors_dir() / "handoff.sqlite3"))

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a blocking store method in a worker thread (never block the event loop)."""
        return await asyncio.to_thread(fn, *args)

    def close(self) -> None:
        self.db.close()

    def _one(self, where: str, params: tuple[Any, ...]) -> Handoff | None:
        # `where` is one of this module's constant conditions; values are bound parameters
        sql = f"SELECT {_COLUMNS} FROM handoffs WHERE {where}"  # noqa: S608
        _, rows = self.db.execute(sql, params)
        return Handoff.from_row(rows[0]) if rows else None

    # handoffs ------------------------------------------------------------------------------

    def open_sync(self, handoff: Handoff, first_posts: list[tuple[str, dict[str, Any]]]) -> bool:
        """Record `handoff` (its id is kept) and queue its first Slack posts.

        False when the conversation already has an open handoff (nothing is written): the
        unique index on open handoffs decides, so two workers cannot open two.
        """
        now = time.time()
        values = (
            handoff.id,
            handoff.sender_id,
            handoff.input_channel,
            handoff.state,
            handoff.reason,
            handoff.language,
            handoff.summary,
            handoff.last_question,
            handoff.visitor_name,
            json.dumps(dict(handoff.route)),
            int(handoff.out_of_hours),
            handoff.slack_channel,
            None,
            None,
            None,
            now,
            now,
        )

        def tx(execute: Execute) -> bool:
            count, _ = execute(
                f"INSERT INTO handoffs ({_COLUMNS}) VALUES ({','.join('?' * 17)})"  # noqa: S608
                " ON CONFLICT DO NOTHING",
                values,
            )
            if count != 1:
                return False
            for kind, payload in first_posts:
                execute(_ENQUEUE, (handoff.id, kind, json.dumps(payload), now, now))
            return True

        return self.db.transaction(tx)

    def get_sync(self, handoff_id: str) -> Handoff | None:
        return self._one("id = ?", (handoff_id,))

    def open_for_sync(self, sender_id: str) -> Handoff | None:
        """The conversation's open handoff, if any."""
        return self._one("sender_id = ? AND state IN ('queued', 'assigned')", (sender_id,))

    def by_thread_sync(self, channel: str, thread_ts: str) -> Handoff | None:
        """The handoff whose root message is `thread_ts` in `channel` (open or not)."""
        return self._one("slack_channel = ? AND thread_ts = ?", (channel, thread_ts))

    def set_thread_sync(self, handoff_id: str, thread_ts: str) -> bool:
        """Remember the root message's ts once; False if it was already set."""
        count, _ = self.db.execute(
            "UPDATE handoffs SET thread_ts = ?, updated_at = ? WHERE id = ? AND thread_ts IS NULL",
            (thread_ts, time.time(), handoff_id),
        )
        return count == 1

    def claim_sync(self, handoff_id: str, user_id: str, user_name: str) -> tuple[bool, Handoff]:
        """Atomically assign a queued handoff; (won, the record as it now is)."""
        count, _ = self.db.execute(
            "UPDATE handoffs SET state = 'assigned', assignee_id = ?, assignee_name = ?,"
            " updated_at = ? WHERE id = ? AND state = 'queued'",
            (user_id, user_name, time.time(), handoff_id),
        )
        current = self.get_sync(handoff_id)
        if current is None:
            raise KeyError(handoff_id)
        return count == 1, current

    def finish_sync(self, handoff_id: str, state: str, user_id: str, user_name: str) -> bool:
        """Close an open handoff as `resolved` or `handed_back`; False if it was not open."""
        if state not in ("resolved", "handed_back"):
            raise ValueError(f"not a final state: {state}")
        count, _ = self.db.execute(
            "UPDATE handoffs SET state = ?, assignee_id = COALESCE(assignee_id, ?),"
            " assignee_name = COALESCE(assignee_name, ?), updated_at = ?"
            " WHERE id = ? AND state IN ('queued', 'assigned')",
            (state, user_id, user_name, time.time(), handoff_id),
        )
        return count == 1

    # outbox --------------------------------------------------------------------------------

    def enqueue_sync(self, handoff_id: str, kind: str, payload: Mapping[str, Any]) -> None:
        now = time.time()
        self.db.execute(_ENQUEUE, (handoff_id, kind, json.dumps(dict(payload)), now, now))

    def due_sync(self, limit: int = 50, now: float | None = None) -> list[OutboxItem]:
        """Pending rows, oldest first, whose retry time has come and that nobody leases."""
        now = time.time() if now is None else now
        _, rows = self.db.execute(
            "SELECT id, handoff_id, kind, payload, attempts FROM handoff_outbox"
            " WHERE done_at IS NULL AND not_before <= ?"
            " AND (lease_until IS NULL OR lease_until < ?) ORDER BY id LIMIT ?",
            (now, now, limit),
        )
        return [OutboxItem(int(r[0]), r[1], r[2], json.loads(r[3]), int(r[4])) for r in rows]

    def blocked_sync(self, item: OutboxItem) -> bool:
        """True while an older row of the same handoff is not done (posts keep their order)."""
        _, rows = self.db.execute(
            "SELECT 1 FROM handoff_outbox WHERE handoff_id = ? AND id < ? AND done_at IS NULL"
            " LIMIT 1",
            (item.handoff_id, item.id),
        )
        return bool(rows)

    def lease_sync(self, item_id: int, seconds: float = 60.0) -> bool:
        """Take a row for `seconds`; False if another worker holds it or it is done."""
        now = time.time()
        count, _ = self.db.execute(
            "UPDATE handoff_outbox SET lease_until = ?, attempts = attempts + 1"
            " WHERE id = ? AND done_at IS NULL AND (lease_until IS NULL OR lease_until < ?)",
            (now + seconds, item_id, now),
        )
        return count == 1

    def done_sync(self, item_id: int, result: Mapping[str, Any] | None = None) -> None:
        self.db.execute(
            "UPDATE handoff_outbox SET done_at = ?, lease_until = NULL, result = ? WHERE id = ?",
            (time.time(), json.dumps(dict(result or {})), item_id),
        )

    def retry_later_sync(self, item_id: int, error: str, delay_s: float) -> None:
        self.db.execute(
            "UPDATE handoff_outbox SET lease_until = NULL, last_error = ?, not_before = ?"
            " WHERE id = ?",
            (error[:500], time.time() + delay_s, item_id),
        )

    def pending_count_sync(self) -> int:
        _, rows = self.db.execute("SELECT COUNT(*) FROM handoff_outbox WHERE done_at IS NULL")
        return int(rows[0][0])

    # Slack dedupe --------------------------------------------------------------------------

    def first_seen_sync(self, key: str, keep_s: float = 7 * 86400.0) -> bool:
        """True exactly once per key (e.g. "C123:1700000000.000100"), across processes."""
        now = time.time()
        count, _ = self.db.execute(
            "INSERT INTO handoff_seen (key, at) VALUES (?, ?) ON CONFLICT DO NOTHING", (key, now)
        )
        if count == 1 and uuid.uuid4().int % 500 == 0:  # prune now and then
            self.db.execute("DELETE FROM handoff_seen WHERE at < ?", (now - keep_s,))
        return count == 1


def new_id() -> str:
    return uuid.uuid4().hex
