"""A crash, an SMTP outage or a lost IMAP connection at any point: every mail answered once."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import socket
import sqlite3
import sys
import time
from pathlib import Path

import pytest
from email_crash_worker import config_json
from email_mails import visitor_mail

import connectors.email.poller as poller_module
from connectors.email.channel import EmailInput
from connectors.email.imap import ImapError, ImapMailbox
from connectors.email.poller import EmailPoller
from connectors.email.smtp import SmtpSender
from connectors.email.store import COMPOSED, DONE, RECEIVED, EmailStore

REPO = Path(__file__).resolve().parents[3]
WORKER = Path(__file__).with_name("email_crash_worker.py")


def stored_state(path: Path, message_id: str) -> str | None:
    if not path.exists():
        return None
    db = sqlite3.connect(path)
    try:
        row = db.execute(
            "SELECT state FROM email_inbound WHERE message_id = ?", (message_id,)
        ).fetchone()
    except sqlite3.OperationalError:  # the schema is being created right now
        return None
    finally:
        db.close()
    return row[0] if row else None


async def wait_state(path: Path, message_id: str, state: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while stored_state(path, message_id) != state:
        assert time.monotonic() < deadline, f"state never became {state}"
        await asyncio.sleep(0.05)


def make_poller(config, agent, **kwargs) -> EmailPoller:
    return EmailPoller(
        config,
        EmailStore(config.state_path),
        SmtpSender(config, retry_base_s=0.01),
        EmailInput(config).make_handler(agent),
        reconnect_base_s=0.05,
        **kwargs,
    )


async def run_until(poller: EmailPoller, condition, timeout: float = 15.0) -> None:
    task = asyncio.create_task(poller.run())
    try:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, "condition not reached"
            assert not task.done(), task
            await asyncio.sleep(0.05)
    finally:
        poller.stop()
        await asyncio.wait_for(task, 10)
        poller.store.close()


@pytest.fixture
def blackhole():
    """An SMTP 'server' that accepts connections and never says a word."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield sock.getsockname()[1]
    sock.close()


@pytest.mark.parametrize("mode, crash_state", [("answer", COMPOSED), ("hang", RECEIVED)])
async def test_sigkill_between_fetch_and_send_answers_exactly_once(
    dovecot, smtp, config, agent, blackhole, mode, crash_state
):
    raw, message_id = visitor_mail("Can I return a jacket?")
    dovecot.deliver(raw)
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        str(WORKER),
        config_json(config, smtp_port=blackhole),
        mode,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        cwd=REPO,
    )
    try:
        # the worker fetched the mail and is asking the agent ("hang") or waiting on SMTP
        await wait_state(config.state_path, message_id, crash_state)
    finally:
        worker.send_signal(signal.SIGKILL)
        await asyncio.wait_for(worker.wait(), 10)
    assert not any("$CustomerAgent" in f for _, f in dovecot.flags())

    poller = make_poller(config, agent)
    await run_until(poller, lambda: stored_state(config.state_path, message_id) == DONE)
    assert len(smtp.received) == 1
    reply = smtp.received[0].message
    assert reply["In-Reply-To"] == message_id
    if mode == "answer":  # the stored reply was re-sent as is: the agent was not asked again
        assert agent.calls == []
        assert "Yes, within 30 days." in reply.get_body(("plain",)).get_content()
    else:
        assert len(agent.calls) == 1
    assert "\\Answered" in dovecot.flags()[0][1]


async def test_smtp_outage_keeps_mail_until_a_restart_sends_it_once(dovecot, smtp, config, agent):
    raw, message_id = visitor_mail("Can I return a jacket?")
    dovecot.deliver(raw)
    smtp.fail = 100  # every attempt refused with 451
    poller = make_poller(config, agent)
    await run_until(
        poller,
        lambda: stored_state(config.state_path, message_id) == COMPOSED and smtp.fail <= 98,
    )
    assert smtp.received == []
    assert not any("$CustomerAgent" in f for _, f in dovecot.flags())  # not marked: not lost

    smtp.fail = 0
    poller = make_poller(config, agent)
    await run_until(poller, lambda: stored_state(config.state_path, message_id) == DONE)
    assert len(smtp.received) == 1
    assert len(agent.calls) == 1


async def test_lost_connection_after_smtp_accept_does_not_send_twice(
    dovecot, smtp, config, agent, monkeypatch
):
    raw, message_id = visitor_mail("Can I return a jacket?")
    dovecot.deliver(raw)
    real_mark = ImapMailbox.mark
    broken = []

    def mark_breaks_once(self, uid, *, answered):
        if not broken:
            broken.append(uid)
            raise ImapError("connection reset")
        return real_mark(self, uid, answered=answered)

    monkeypatch.setattr(ImapMailbox, "mark", mark_breaks_once)
    poller = make_poller(config, agent)
    await run_until(poller, lambda: stored_state(config.state_path, message_id) == DONE)
    assert broken
    assert len(smtp.received) == 1
    assert len(agent.calls) == 1
    assert "\\Answered" in dovecot.flags()[0][1]


async def test_failing_agent_sends_nothing_and_gives_up_after_retries(dovecot, smtp, config):
    calls = []

    async def broken_agent(message):
        calls.append(message.text)
        raise RuntimeError("action server down")

    raw, _ = visitor_mail("Can I return a jacket?")
    dovecot.deliver(raw)
    poller = make_poller(config, broken_agent)
    poller.config = config.__class__(**{**config.__dict__, "poll_interval_s": 0.2})
    await run_until(poller, lambda: "$CustomerAgent" in dovecot.flags()[0][1])
    assert len(calls) == 3
    assert smtp.received == []


async def test_a_mail_that_breaks_processing_does_not_block_the_others(
    dovecot, smtp, config, agent, monkeypatch
):
    real_parse = poller_module.parse_mail

    def parse_or_break(raw: bytes, own: str):
        if b"POISON" in raw:
            raise UnicodeError("unparseable")
        return real_parse(raw, own)

    monkeypatch.setattr(poller_module, "parse_mail", parse_or_break)
    dovecot.deliver(visitor_mail("POISON")[0])
    raw, message_id = visitor_mail("Can I return a jacket?")
    dovecot.deliver(raw)
    config = dataclasses.replace(config, poll_interval_s=0.2)
    poller = make_poller(config, agent)
    await run_until(
        poller, lambda: all("\\Seen" in f for _, f in dovecot.flags()) and smtp.received
    )
    assert [c.message["In-Reply-To"] for c in smtp.received] == [message_id]
    flags = dict(dovecot.flags())
    assert "\\Answered" not in flags[next(m for m in flags if m != message_id)]


async def test_permanent_refusal_is_not_retried_and_later_mail_still_flows(
    dovecot, smtp, config, agent
):
    smtp.fail, smtp.fail_reply = 1, "550 5.1.1 mailbox unavailable"
    raw, refused_id = visitor_mail("First", sender="gone@visitor.test")
    dovecot.deliver(raw)
    raw, message_id = visitor_mail("Second")
    dovecot.deliver(raw)
    poller = make_poller(config, agent)
    await run_until(poller, lambda: stored_state(config.state_path, message_id) == DONE)
    assert stored_state(config.state_path, refused_id) == "skipped"
    assert [c.message["In-Reply-To"] for c in smtp.received] == [message_id]
    flags = dict(dovecot.flags())
    assert "\\Seen" in flags[refused_id] and "\\Answered" not in flags[refused_id]


async def test_smtp_outage_stops_the_round_instead_of_piling_retries(dovecot, smtp, config, agent):
    smtp.fail = 100
    for text in ("First", "Second", "Third"):
        dovecot.deliver(visitor_mail(text)[0])
    poller = make_poller(dataclasses.replace(config, poll_interval_s=600), agent)
    seen_then: list = []

    def settled() -> bool:  # first mail's tries used up, then a second to show nothing follows
        if smtp.fail <= 100 - config.send_attempts:
            seen_then.append(time.monotonic())
        return bool(seen_then) and time.monotonic() - seen_then[0] > 1.0

    await run_until(poller, settled)
    # one mail tried (send_attempts times); the others wait for the next round, unasked
    assert smtp.fail == 100 - config.send_attempts
    assert [text for _, text, _ in agent.calls] == ["First"]
