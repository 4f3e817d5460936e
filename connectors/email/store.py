"""Persistent state of the email channel: which mail was answered, and which thread is which
conversation. In the state database (connectors/common/state_db.py), opened on first use: the
SQLite file `path` by default, PostgreSQL when `CUSTOMER_AGENT_STATE_DB` says so - a person's reply
from Slack is sent by whichever Rasa server got the Slack event, and it needs the thread.

Each inbound Message-ID walks `received -> composed -> sent -> done` (or `skipped`). The reply is
stored when composed, so a restart after a crash re-sends the same bytes (same Message-ID) instead
of asking the agent twice; `sent` is written right after SMTP accepted it, before the IMAP flag,
so a crash between the two never sends twice.

Several servers polling one mailbox (README "Shared state") each fetch the same new mail, so a
mail is *claimed* before the agent is asked (`email_claims`): one atomic upsert per mail, won by
exactly one server. A claim records its owner and a lease (`EMAIL_CLAIM_LEASE_S`, 10 min); a
server that dies holding one loses it when the lease runs out and the next server to fetch the
mail resumes it from its stored state. Every write that leads to the reply (the composed bytes,
the go-ahead for SMTP) renews the lease in the same transaction, so a server whose claim was
taken over never sends. A finished mail's claim is marked `done`: later fetches only flag it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from connectors.common.sqlite import renamed_tables
from connectors.common.state_db import Database, Execute, open_database

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS email_inbound (
    message_id TEXT PRIMARY KEY,
    conversation_id TEXT,
    state TEXT NOT NULL,
    reply_id TEXT,
    reply_bytes {blob},
    sender TEXT,
    recipients TEXT,
    updated_at DOUBLE PRECISION NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS email_claims (
    claim_key TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    state TEXT NOT NULL,
    lease_until DOUBLE PRECISION NOT NULL,
    claimed_at DOUBLE PRECISION NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS email_thread_ids (
    message_id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS email_conversations (
    conversation_id TEXT PRIMARY KEY,
    address TEXT NOT NULL,
    subject TEXT NOT NULL,
    last_message_id TEXT NOT NULL,
    refs TEXT NOT NULL,
    last_activity DOUBLE PRECISION NOT NULL
)""",
)
# files written before the shared state database
LEGACY_TABLES = {
    "inbound": "email_inbound",
    "thread_ids": "email_thread_ids",
    "conversations": "email_conversations",
}

# states of an inbound mail
RECEIVED, COMPOSED, SENT, DONE, SKIPPED = "received", "composed", "sent", "done", "skipped"
FINISHED = (SENT, DONE, SKIPPED)
# states of a claim
CLAIMED = "claimed"


class ClaimLost(RuntimeError):
    """Another server took this mail's claim over (ours expired): stop working on the mail."""


@dataclass(frozen=True)
class Lease:
    """One server's claim on one mail: `key` is the Message-ID (or the mailbox position of a
    mail without one), `owner` the claiming poller, renewed for `seconds` at each step."""

    key: str
    owner: str
    seconds: float


@dataclass(frozen=True)
class ClaimResult:
    won: bool
    done: bool = False  # finished by some server: only the IMAP flags may be missing
    holder: str | None = None  # who holds it otherwise


@dataclass(frozen=True)
class InboundState:
    message_id: str
    conversation_id: str | None
    state: str
    reply_id: str | None
    reply_bytes: bytes | None
    sender: str | None
    recipients: list[str]


@dataclass(frozen=True)
class Conversation:
    conversation_id: str
    address: str
    subject: str
    last_message_id: str
    refs: list[str]
    last_activity: float


class EmailStore:
    """Thread-safe; call it from `asyncio.to_thread` in async code.

    `path` is the SQLite file used when no state database is configured; `db` overrides both.
    """

    def __init__(self, path: Path, *, db: Database | None = None) -> None:
        self.path = path
        self._db = db

    @property
    def db(self) -> Database:
        if self._db is None:
            from connectors.settings import get_settings

            url = get_settings().state_db
            self._db = open_database(url, self.path, SCHEMA, renamed_tables(LEGACY_TABLES))
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()

    # inbound mails
    def get(self, message_id: str) -> InboundState | None:
        _, rows = self.db.execute(
            "SELECT message_id, conversation_id, state, reply_id, reply_bytes, sender,"
            " recipients FROM email_inbound WHERE message_id = ?",
            (message_id,),
        )
        if not rows:
            return None
        row = rows[0]
        return InboundState(
            message_id=row[0],
            conversation_id=row[1],
            state=row[2],
            reply_id=row[3],
            reply_bytes=bytes(row[4]) if row[4] is not None else None,
            sender=row[5],
            recipients=[r for r in (row[6] or "").split("\n") if r],
        )

    def set_state(
        self,
        message_id: str,
        state: str,
        *,
        conversation_id: str | None = None,
        reply_id: str | None = None,
        reply_bytes: bytes | None = None,
        sender: str | None = None,
        recipients: Iterable[str] = (),
        lease: Lease | None = None,
        now: float = 0.0,
    ) -> None:
        """Upsert; fields left None keep their stored value. With `lease`, only while that
        claim is still ours (renewed to `now` + its seconds in the same transaction): raises
        ClaimLost, writing nothing, once another server took it over."""
        values = (
            message_id,
            conversation_id,
            state,
            reply_id,
            reply_bytes,
            sender,
            "\n".join(recipients) or None,
            time.time(),
        )
        upsert = (
            "INSERT INTO email_inbound (message_id, conversation_id, state, reply_id, reply_bytes,"
            " sender, recipients, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(message_id) DO UPDATE SET state = excluded.state,"
            " conversation_id = COALESCE(excluded.conversation_id, email_inbound.conversation_id),"
            " reply_id = COALESCE(excluded.reply_id, email_inbound.reply_id),"
            " reply_bytes = COALESCE(excluded.reply_bytes, email_inbound.reply_bytes),"
            " sender = COALESCE(excluded.sender, email_inbound.sender),"
            " recipients = COALESCE(excluded.recipients, email_inbound.recipients),"
            " updated_at = excluded.updated_at"
        )
        if lease is None:
            self.db.execute(upsert, values)
            return

        def guarded(execute: Execute) -> None:
            # the lease row is locked by this UPDATE until commit: a takeover waits for us
            count, _ = execute(
                "UPDATE email_claims SET lease_until = ? WHERE claim_key = ? AND owner = ?"
                " AND state = ?",
                (now + lease.seconds, lease.key, lease.owner, CLAIMED),
            )
            if count != 1:
                raise ClaimLost(lease.key)
            execute(upsert, values)

        self.db.transaction(guarded)

    # claims (several servers on one mailbox)
    def claim(self, lease: Lease, now: float, *, replacing: str | None = None) -> ClaimResult:
        """Claim a mail: won when nobody claimed it, its lease expired, it is already ours, or
        its holder is `replacing` (a poller the caller knows is dead). One statement, so two
        servers claiming at once cannot both win."""
        count, _ = self.db.execute(
            "INSERT INTO email_claims (claim_key, owner, state, lease_until, claimed_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT(claim_key) DO UPDATE SET"
            " owner = excluded.owner, lease_until = excluded.lease_until,"
            " claimed_at = excluded.claimed_at"
            " WHERE email_claims.state = ? AND (email_claims.lease_until < ?"
            " OR email_claims.owner = ? OR email_claims.owner = ?)",
            (
                lease.key,
                lease.owner,
                CLAIMED,
                now + lease.seconds,
                now,
                CLAIMED,
                now,
                lease.owner,
                replacing or lease.owner,
            ),
        )
        if count == 1:
            return ClaimResult(won=True)
        _, rows = self.db.execute(
            "SELECT owner, state FROM email_claims WHERE claim_key = ?", (lease.key,)
        )
        if not rows:  # released and pruned in between: the next poll claims it
            return ClaimResult(won=False)
        return ClaimResult(won=False, done=rows[0][1] == DONE, holder=str(rows[0][0]))

    def renew(self, lease: Lease, now: float) -> bool:
        """Extend our claim; False when it is no longer ours (taken over, or finished)."""
        count, _ = self.db.execute(
            "UPDATE email_claims SET lease_until = ? WHERE claim_key = ? AND owner = ?"
            " AND state = ?",
            (now + lease.seconds, lease.key, lease.owner, CLAIMED),
        )
        return count == 1

    def release(self, lease: Lease, *, done: bool) -> None:
        """Finish our claim (`done`: nobody answers this mail again) or give it up at once
        (not done: the next server to fetch it may try, e.g. after the agent failed)."""
        if done:
            sql = "UPDATE email_claims SET state = ? WHERE claim_key = ? AND owner = ?"
            params: tuple = (DONE, lease.key, lease.owner)
        else:
            sql = (
                "UPDATE email_claims SET lease_until = 0 WHERE claim_key = ? AND owner = ?"
                " AND state = ?"
            )
            params = (lease.key, lease.owner, CLAIMED)
        self.db.execute(sql, params)

    # threads and conversations
    def conversation_for(self, message_ids: Iterable[str]) -> Conversation | None:
        """The conversation any of these Message-IDs belongs to (newest first wins)."""
        for message_id in reversed([m for m in message_ids if m]):
            _, rows = self.db.execute(
                "SELECT c.conversation_id, c.address, c.subject, c.last_message_id, c.refs,"
                " c.last_activity FROM email_thread_ids t JOIN email_conversations c"
                " ON c.conversation_id = t.conversation_id WHERE t.message_id = ?",
                (message_id,),
            )
            if rows:
                return _conversation(rows[0])
        return None

    def conversation(self, conversation_id: str) -> Conversation | None:
        _, rows = self.db.execute(
            "SELECT conversation_id, address, subject, last_message_id, refs, last_activity"
            " FROM email_conversations WHERE conversation_id = ?",
            (conversation_id,),
        )
        return _conversation(rows[0]) if rows else None

    def touch_conversation(
        self,
        conversation_id: str,
        *,
        address: str,
        subject: str,
        last_message_id: str,
        refs: list[str],
        at: float,
    ) -> None:
        """Record the latest mail of a conversation and map its Message-ID to it."""

        def touch(execute: Execute) -> None:
            execute(
                "INSERT INTO email_conversations (conversation_id, address, subject,"
                " last_message_id, refs, last_activity) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(conversation_id) DO UPDATE SET address = excluded.address,"
                " subject = excluded.subject, last_message_id = excluded.last_message_id,"
                " refs = excluded.refs, last_activity = excluded.last_activity",
                (conversation_id, address, subject, last_message_id, " ".join(refs), at),
            )
            execute(
                "INSERT INTO email_thread_ids (message_id, conversation_id) VALUES (?, ?)"
                " ON CONFLICT DO NOTHING",
                (last_message_id, conversation_id),
            )

        self.db.transaction(touch)

    def map_message(self, message_id: str, conversation_id: str, at: float) -> None:
        """Map an outbound Message-ID to its conversation and mark the conversation active."""

        def map_(execute: Execute) -> None:
            execute(
                "INSERT INTO email_thread_ids (message_id, conversation_id) VALUES (?, ?)"
                " ON CONFLICT DO NOTHING",
                (message_id, conversation_id),
            )
            execute(
                "UPDATE email_conversations SET last_activity = ?"
                " WHERE conversation_id = ? AND last_activity < ?",
                (at, conversation_id, at),
            )

        self.db.transaction(map_)


def _conversation(row: tuple) -> Conversation:
    return Conversation(
        conversation_id=row[0],
        address=row[1],
        subject=row[2],
        last_message_id=row[3],
        refs=[r for r in row[4].split() if r],
        last_activity=float(row[5]),
    )
