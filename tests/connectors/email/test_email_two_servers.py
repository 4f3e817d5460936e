"""Two servers polling one mailbox (README "Shared state"): every mail answered exactly once.

Real Dovecot and SMTP (email_servers.py), and the shared state database on both backends: the
SQLite file of one host, and the real PostgreSQL at 127.0.0.1:5432 (CUSTOMER_AGENT_TEST_PG), as in
tests/connectors/stores. A server is a poller process (email_crash_worker.py) or, where a test
needs to steer its agent, a poller in this process with its own store and connections.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from email_crash_worker import config_json
from email_mails import visitor_mail

from connectors.common.state_db import open_database
from connectors.email.channel import EmailInput
from connectors.email.config import EmailConfig
from connectors.email.poller import EmailPoller
from connectors.email.smtp import SmtpSender
from connectors.email.store import (
    COMPOSED,
    DONE,
    RECEIVED,
    SCHEMA,
    ClaimLost,
    EmailStore,
    Lease,
)
from tests.connectors.stores.conftest import pg_schema  # noqa: F401 (a fixture, used by state_db)

REPO = Path(__file__).resolve().parents[3]
WORKER = Path(__file__).with_name("email_crash_worker.py")


@pytest.fixture(params=["sqlite", "postgresql"])
def state_db(request: pytest.FixtureRequest) -> str:
    """CUSTOMER_AGENT_STATE_DB for both servers: "" (the SQLite file under the data dir) or a
    PostgreSQL URL whose tables go to a fresh schema, dropped afterwards (stores' pg_schema)."""
    if request.param == "sqlite":
        return ""
    return request.getfixturevalue("pg_schema")


def open_store(config: EmailConfig, state_db: str) -> EmailStore:
    """A server's store on the shared database: its own connections."""
    return EmailStore(config.state_path, db=open_database(state_db, config.state_path, SCHEMA))


def worker_env(state_db: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "CUSTOMER_AGENT_STATE_DB"}
    env["PYTHONPATH"] = str(REPO)
    if state_db:
        env["CUSTOMER_AGENT_STATE_DB"] = state_db
    return env


async def start_worker(
    config: EmailConfig, state_db: str, mode: str, server_id: str = "", start_at: float = 0.0
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(WORKER),
        config_json(config),
        mode,
        server_id,
        str(start_at),
        env=worker_env(state_db),
        cwd=REPO,
    )


async def kill(worker: asyncio.subprocess.Process) -> None:
    if worker.returncode is None:
        worker.send_signal(signal.SIGKILL)
    await asyncio.wait_for(worker.wait(), 10)


async def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.05)


def without_message_id(body: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Bob Visitor <bob@visitor.test>"
    msg["To"] = "support@example.test"
    msg["Subject"] = "No id"
    msg.set_content(body)
    return msg.as_bytes()


def in_process_poller(
    config: EmailConfig, state_db: str, handler, server_id: str | None = None
) -> EmailPoller:
    return EmailPoller(
        config,
        open_store(config, state_db),
        SmtpSender(config, retry_base_s=0.01),
        handler,
        reconnect_base_s=0.05,
        server_id=server_id,
    )


@pytest.fixture
async def tasks() -> AsyncIterator[list[tuple[EmailPoller, asyncio.Task]]]:
    """Pollers started in this process, stopped (and their stores closed) after the test."""
    started: list[tuple[EmailPoller, asyncio.Task]] = []
    yield started
    for poller, task in started:
        poller.stop()
        await asyncio.wait_for(task, 10)
        poller.store.close()


async def test_two_servers_answer_every_mail_once(dovecot, smtp, config, state_db):
    config = dataclasses.replace(config, poll_interval_s=0.2)
    expected = []
    for i in range(8):
        raw, message_id = visitor_mail(f"Question {i}")
        dovecot.deliver(raw)
        expected.append(message_id)
    raw = without_message_id("A question without a Message-ID")
    dovecot.deliver(raw)  # claimed by its place in the mailbox (folder, UIDVALIDITY, UID)

    start_at = time.time() + 3.0  # both past their imports and connected: a real race
    workers = [
        await start_worker(config, state_db, "slow", server, start_at)
        for server in ("server-a", "server-b")
    ]
    try:
        await wait_for(
            lambda: (
                all("$CustomerAgent" in f for _, f in dovecot.flags())
                and len(smtp.received) >= len(expected) + 1
            )
        )
        await asyncio.sleep(1.5)  # a second answer would arrive in this time
    finally:
        for worker in workers:
            await kill(worker)
    answered = Counter(c.message["In-Reply-To"] for c in smtp.received)
    # the id-less mail's reply names the hash of the bytes Dovecot stored
    no_id = [m for m in answered if m.startswith("<sha256-")]
    assert len(no_id) == 1
    expected.append(no_id[0])
    assert answered == Counter(expected)  # each mail once, none twice
    assert all("\\Answered" in f for _, f in dovecot.flags())
    store = open_store(config, state_db)
    try:
        assert {store.get(m).state for m in expected} == {DONE}
    finally:
        store.close()


async def test_a_dead_servers_claim_is_taken_over_after_its_lease(
    dovecot, smtp, config, agent, state_db, tasks
):
    lease_s = 3.0
    config = dataclasses.replace(config, poll_interval_s=0.2, claim_lease_s=lease_s)
    raw, message_id = visitor_mail("Can I return a jacket?")
    dovecot.deliver(raw)
    store = open_store(config, state_db)
    # another machine: its pid says nothing here, only the lease frees its claim
    worker = await start_worker(config, state_db, "hang", "other-server")
    try:
        await wait_for(lambda: (s := store.get(message_id)) is not None and s.state == RECEIVED)
    finally:
        await kill(worker)
    _, rows = store.db.execute(
        "SELECT owner, lease_until FROM email_claims WHERE claim_key = ?", (message_id,)
    )
    store.close()
    assert rows and rows[0][0].startswith("other-server/")
    lease_until = float(rows[0][1])

    asked_at: list[float] = []

    async def timed(message) -> None:
        asked_at.append(time.time())
        await agent(message)

    poller = in_process_poller(config, state_db, EmailInput(config).make_handler(timed))
    tasks.append((poller, asyncio.create_task(poller.run())))
    await wait_for(lambda: (s := poller.store.get(message_id)) is not None and s.state == DONE)
    # nobody touched the mail while the dead server's lease ran; then it was answered once
    assert len(asked_at) == 1 and asked_at[0] >= lease_until
    assert [c.message["In-Reply-To"] for c in smtp.received] == [message_id]
    assert "\\Answered" in dovecot.flags()[0][1]


def test_a_server_whose_claim_was_taken_over_can_neither_write_nor_send(config, state_db):
    """Two servers' stores: A claims, its lease runs out (A stuck, not dead), B takes over and
    finishes; A's late writes fail as a whole and its go-ahead for SMTP (renew) is refused."""
    a, b = open_store(config, state_db), open_store(config, state_db)
    try:
        lease_a = Lease("<m1@visitor.test>", "host-a/1/a", 10.0)
        lease_b = Lease("<m1@visitor.test>", "host-b/2/b", 10.0)
        now = 1_000_000.0
        assert a.claim(lease_a, now).won
        held = b.claim(lease_b, now + 5)
        assert not held.won and not held.done and held.holder == "host-a/1/a"
        a.set_state(lease_a.key, RECEIVED, conversation_id="c1", lease=lease_a, now=now + 6)
        assert not b.claim(lease_b, now + 15).won  # the write renewed A's lease to now + 16
        assert b.claim(lease_b, now + 17).won  # expired: taken over
        b.set_state(lease_b.key, DONE, lease=lease_b, now=now + 18)
        b.release(lease_b, done=True)

        with pytest.raises(ClaimLost):
            a.set_state(lease_a.key, COMPOSED, reply_bytes=b"late", lease=lease_a, now=now + 19)
        assert a.get(lease_a.key).state == DONE and a.get(lease_a.key).reply_bytes is None
        assert not a.renew(lease_a, now + 19)
        finished = a.claim(lease_a, now + 100)  # long after: done stays done
        assert not finished.won and finished.done
    finally:
        a.close()
        b.close()
