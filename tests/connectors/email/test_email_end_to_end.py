"""The email channel against real servers: Dovecot (IMAP + IDLE) in, aiosmtpd out."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import time
from email.message import Message
from types import SimpleNamespace

from email_agent import SOURCE, FakeAgent
from email_mails import VISITOR, visitor_mail
from email_servers import USER, Dovecot, SmtpSink
from rasa.shared.core.events import BotUttered

from connectors.common.delivery import (
    AgentIdentity,
    DeliveryResult,
    OutboundMessage,
    deliver_to_visitor,
)
from connectors.email.channel import EmailInput, agent_ready
from connectors.email.config import EmailConfig
from connectors.email.imap import ImapMailbox
from connectors.email.poller import EmailPoller
from connectors.email.smtp import SmtpSender
from connectors.email.store import EmailStore

QUESTION = """Hi,

Can I return a jacket I bought three weeks ago?

Best regards,
Anna

On Mon, 2 Nov 2026 at 09:12, Someone Else <someone@visitor.test> wrote:
> Just buy it, you can always send it back.
"""


async def wait_flagged(dovecot: Dovecot, count: int, timeout: float = 15.0) -> list[str]:
    """Flags of every mail, once `count` of them carry the agent's keyword."""
    deadline = time.monotonic() + timeout
    while True:
        flags = [f for _, f in await asyncio.to_thread(dovecot.flags)]
        done = [f for f in flags if "$CustomerAgent" in f]
        if len(done) >= count or time.monotonic() > deadline:
            return flags
        await asyncio.sleep(0.1)


def start_channel(config: EmailConfig, agent: FakeAgent) -> EmailInput:
    channel = EmailInput(config)
    channel._sender = SmtpSender(config, retry_base_s=0.01)
    channel.start(agent)
    return channel


def parts(message: Message) -> dict[str, str]:
    out = {}
    for part in message.walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            text = payload.decode(part.get_content_charset() or "utf-8")
            out[part.get_content_type()] = text.replace("\r\n", "\n")
    return out


async def test_question_gets_threaded_answer_with_source(dovecot, smtp: SmtpSink, config, agent):
    raw, message_id = visitor_mail(QUESTION)
    dovecot.deliver(raw)
    channel = start_channel(config, agent)
    try:
        received = await smtp.wait_for(1)
        flags = await wait_flagged(dovecot, 1)
    finally:
        await channel.stop()

    assert len(received) == 1
    # the agent saw only the new text: no quoted history, no signature
    assert agent.calls[0][1] == "Hi,\n\nCan I return a jacket I bought three weeks ago?"
    assert agent.calls[0][2]["email"]["from"] == VISITOR
    reply = received[0]
    assert reply.rcpt_tos == [VISITOR]
    assert reply.envelope_from == USER
    msg = reply.message
    assert msg["Subject"] == "Re: Returning a jacket"
    assert msg["In-Reply-To"] == message_id
    assert msg["References"] == message_id
    assert msg["Auto-Submitted"] == "auto-replied"
    body = parts(msg)
    assert "Answer to: Hi," in body["text/plain"]
    assert SOURCE["url"] in body["text/plain"]
    assert f'<a href="{SOURCE["url"]}">{SOURCE["title"]}</a>' in body["text/html"]
    # flagged only now, as answered
    assert len(flags) == 1
    assert "\\Seen" in flags[0] and "\\Answered" in flags[0]


async def test_follow_up_within_window_continues_conversation(dovecot, smtp, config, agent):
    raw, first_id = visitor_mail("Can I return a jacket?")
    dovecot.deliver(raw)
    channel = start_channel(config, agent)
    try:
        first_reply = (await smtp.wait_for(1))[0].message
        reply_id = first_reply["Message-ID"]
        follow_up, _ = visitor_mail(
            "And do you refund the shipping costs?\n\n"
            "On Tue, 3 Nov 2026, Example Support <support@example.test> wrote:\n"
            "> Answer to: Can I return a jacket?\n",
            subject="Re: Returning a jacket",
            in_reply_to=reply_id,
            references=f"{first_id} {reply_id}",
        )
        dovecot.deliver(follow_up)  # arrives while the poller IDLEs
        received = await smtp.wait_for(2)
    finally:
        await channel.stop()

    assert len(received) == 2
    (first_conv, _, _), (second_conv, text, _) = agent.calls
    assert second_conv == first_conv
    assert text == "And do you refund the shipping costs?"
    second = received[1].message
    assert second["Subject"] == "Re: Returning a jacket"
    assert second["References"].split() == [first_id, reply_id, second["In-Reply-To"]]


async def test_follow_up_after_window_starts_new_conversation(dovecot, smtp, config, agent):
    now = [1_000_000.0]
    store = EmailStore(config.state_path)
    channel = EmailInput(config)
    poller = EmailPoller(
        config, store, SmtpSender(config), channel.make_handler(agent), clock=lambda: now[0]
    )
    task = asyncio.create_task(poller.run())
    try:
        raw, first_id = visitor_mail("Can I return a jacket?")
        dovecot.deliver(raw)
        reply_id = (await smtp.wait_for(1))[0].message["Message-ID"]
        await wait_flagged(dovecot, 1)  # the first mail is fully done
        now[0] += 73 * 3600  # three days and an hour later
        late, _ = visitor_mail(
            "One more question about it", in_reply_to=reply_id, references=f"{first_id} {reply_id}"
        )
        dovecot.deliver(late)
        received = await smtp.wait_for(2)
    finally:
        poller.stop()
        await asyncio.wait_for(task, 10)
        store.close()
    assert len(received) == 2
    assert agent.calls[0][0] != agent.calls[1][0]
    # still threaded for the visitor's mail client, though a new conversation for the agent
    assert received[1].message["In-Reply-To"] != received[0].message["In-Reply-To"]


async def test_forged_duplicate_is_answered_once(dovecot, smtp, config, agent):
    raw, message_id = visitor_mail("Can I return a jacket?")
    dovecot.deliver(raw)
    dovecot.deliver(raw)  # the same mail twice in one batch
    channel = start_channel(config, agent)
    try:
        await smtp.wait_for(1)
        await wait_flagged(dovecot, 2)
        # later, a forged copy: same Message-ID, other text
        forged, _ = visitor_mail("Send me all refunds now", message_id=message_id)
        dovecot.deliver(forged)
        flags = await wait_flagged(dovecot, 3)
    finally:
        await channel.stop()
    assert len(smtp.received) == 1
    assert smtp.received[0].message["In-Reply-To"] == message_id
    assert len(agent.calls) == 1
    assert all("\\Seen" in f for f in flags)


async def test_auto_replies_bounces_and_lists_are_not_answered(dovecot, smtp, config, agent):
    ignored = [
        visitor_mail("I am out of office.", headers={"Auto-Submitted": "auto-replied"})[0],
        visitor_mail("Weekly digest", headers={"List-Id": "<news.lists.visitor.test>"})[0],
        visitor_mail("Bulk", headers={"Precedence": "bulk"})[0],
        visitor_mail("Delivery failed", sender="MAILER-DAEMON@visitor.test")[0],
        visitor_mail("Loop", sender=USER)[0],
    ]
    for raw in ignored:
        dovecot.deliver(raw)
    real, real_id = visitor_mail("Can I return a jacket?")
    dovecot.deliver(real)
    channel = start_channel(config, agent)
    try:
        await smtp.wait_for(1)
        flags = await wait_flagged(dovecot, len(ignored) + 1)
    finally:
        await channel.stop()
    assert len(smtp.received) == 1
    assert smtp.received[0].message["In-Reply-To"] == real_id
    assert [text for _, text, _ in agent.calls] == ["Can I return a jacket?"]
    assert sum("\\Answered" in f for f in flags) == 1
    assert all("\\Seen" in f for f in flags)


async def test_reply_language_and_options_follow_the_agent(dovecot, smtp, config):
    agent = FakeAgent(
        language="nl",
        buttons=[{"title": "Retourneren", "payload": "/x"}, {"title": "Ruilen", "payload": "/y"}],
    )
    dovecot.deliver(visitor_mail("Ik wil iets terugsturen", subject="Vraag")[0])
    channel = start_channel(config, agent)
    try:
        received = await smtp.wait_for(1)
    finally:
        await channel.stop()
    msg = received[0].message
    assert msg["Subject"] == "Re: Vraag"
    assert msg["Content-Language"] == "nl"
    text = parts(msg)["text/plain"]
    assert "U kunt antwoorden met een van deze opties:\n- Retourneren\n- Ruilen" in text
    assert re.search(r'<html lang="nl">', parts(msg)["text/html"])


async def test_output_channel_sends_a_human_agents_message_into_the_thread(
    dovecot, smtp, config, agent
):
    raw, message_id = visitor_mail("I want to talk to a human")
    dovecot.deliver(raw)
    channel = start_channel(config, agent)
    try:
        first = (await smtp.wait_for(1))[0].message
        conversation_id = agent.calls[0][0]
        output = channel.get_output_channel()
        assert output is not None
        await output.send_text_message(conversation_id, "Hi Anna, Sam from support here.")
        received = await smtp.wait_for(2)
    finally:
        await channel.stop()
    assert len(received) == 2
    human = received[1].message
    assert received[1].rcpt_tos == [VISITOR]
    assert human["In-Reply-To"] == message_id
    assert human["Subject"] == first["Subject"]
    assert "Sam from support here." in parts(human)["text/plain"]


async def test_old_unread_backlog_is_left_alone(dovecot, smtp, config, agent):
    old, _ = visitor_mail("An old question from last month")
    dovecot.deliver(old, arrived=time.time() - 30 * 86400)
    new, new_id = visitor_mail("A new question")
    dovecot.deliver(new)
    channel = start_channel(config, agent)
    try:
        await smtp.wait_for(1)
        await wait_flagged(dovecot, 1)
    finally:
        await channel.stop()
    assert [text for _, text, _ in agent.calls] == ["A new question"]
    assert [c.message["In-Reply-To"] for c in smtp.received] == [new_id]
    assert sum("$CustomerAgent" in f for _, f in dovecot.flags()) == 1


async def test_mail_waits_unread_until_the_agent_is_ready(dovecot, smtp, config, agent):
    ready = [False]
    raw, message_id = visitor_mail("Can I return a jacket?")
    dovecot.deliver(raw)
    config = dataclasses.replace(config, poll_interval_s=0.3)
    store = EmailStore(config.state_path)
    poller = EmailPoller(
        config,
        store,
        SmtpSender(config),
        EmailInput(config).make_handler(agent),
        ready=lambda: ready[0],
    )
    task = asyncio.create_task(poller.run())
    try:
        for _ in range(40):  # connected and idling, but no model loaded yet
            await asyncio.sleep(0.05)
        assert poller.connected
        assert agent.calls == [] and smtp.received == []
        assert not any("$CustomerAgent" in f for _, f in dovecot.flags())
        ready[0] = True
        received = await smtp.wait_for(1)
    finally:
        poller.stop()
        await asyncio.wait_for(task, 10)
        store.close()
    assert [c.message["In-Reply-To"] for c in received] == [message_id]


def test_agent_ready_reads_rasas_app_context() -> None:
    class Agent:
        def __init__(self, ready: bool) -> None:
            self.ready = ready

        def is_ready(self) -> bool:
            return self.ready

    def app(**ctx):
        return SimpleNamespace(ctx=SimpleNamespace(**ctx))

    assert agent_ready(app())  # not a Rasa server
    assert not agent_ready(app(agent=None))
    assert not agent_ready(app(agent=Agent(False)))
    assert agent_ready(app(agent=Agent(True)))


async def test_server_without_idle_is_polled(dovecot, smtp, config, agent, monkeypatch):
    real_connect = ImapMailbox.connect
    modes = []

    def connect_without_idle(self) -> None:
        real_connect(self)
        modes.append(self.supports_idle)
        self.supports_idle = False  # as on a server that lacks the IDLE capability

    monkeypatch.setattr(ImapMailbox, "connect", connect_without_idle)
    channel = start_channel(dataclasses.replace(config, poll_interval_s=0.3), agent)
    try:
        await asyncio.sleep(0.5)  # polling an empty mailbox
        raw, message_id = visitor_mail("Can I return a jacket?")
        dovecot.deliver(raw)
        received = await smtp.wait_for(1)
    finally:
        await channel.stop()
    assert modes == [True]
    assert [c.message["In-Reply-To"] for c in received] == [message_id]


async def test_idle_wakes_the_poller_for_new_mail(dovecot, smtp, config, agent):
    # a poll interval far beyond the wait below: only IDLE can deliver this mail in time
    channel = start_channel(dataclasses.replace(config, poll_interval_s=600), agent)
    try:
        await asyncio.sleep(0.5)  # connected, mailbox empty, idling
        assert channel.poller is not None and channel.poller.connected
        raw, message_id = visitor_mail("Can I return a jacket?")
        dovecot.deliver(raw)
        received = await smtp.wait_for(1, timeout=15)
    finally:
        await channel.stop()
    assert [c.message["In-Reply-To"] for c in received] == [message_id]


async def test_no_keyword_support_falls_back_to_seen(dovecot, smtp, config, agent, monkeypatch):
    real_connect = ImapMailbox.connect

    def connect_without_keywords(self) -> None:
        real_connect(self)
        self.supports_keywords = False  # PERMANENTFLAGS without \\* (e.g. Exchange)

    monkeypatch.setattr(ImapMailbox, "connect", connect_without_keywords)
    raw, _ = visitor_mail("Can I return a jacket?")
    dovecot.deliver(raw)
    channel = start_channel(config, agent)
    try:
        await smtp.wait_for(1)
        for _ in range(100):
            flags = dovecot.flags()
            if "\\Answered" in flags[0][1]:
                break
            await asyncio.sleep(0.05)
        dovecot.deliver(raw)  # a redelivered copy: unseen, so fetched, but never re-answered
        for _ in range(100):
            flags = dovecot.flags()
            if all("\\Seen" in f for _, f in flags):
                break
            await asyncio.sleep(0.05)
    finally:
        await channel.stop()
    assert len(smtp.received) == 1 and len(agent.calls) == 1
    assert all("\\Seen" in f and "$CustomerAgent" not in f for _, f in flags)


async def test_a_persons_message_is_pushed_as_a_reply_in_the_thread(dovecot, smtp, config, agent):
    raw, message_id = visitor_mail("I want to talk to a human, card 4111 1111 1111 1111")
    dovecot.deliver(raw)
    channel = start_channel(config, agent)
    app = SimpleNamespace(ctx=SimpleNamespace(input_channels=[channel]))
    try:
        await smtp.wait_for(1)
        conversation_id, seen_text, _ = agent.calls[0]
        assert seen_text == "I want to talk to a human, card [card number]"  # masked first
        sam = AgentIdentity("Sam")
        message = OutboundMessage("Hi Anna, I'm on it.", agent=sam, language="en")
        result = await deliver_to_visitor(app, conversation_id, "email", message)
        received = await smtp.wait_for(2)
        smtp.fail, smtp.fail_reply = 1, "550 5.1.1 mailbox unavailable"
        refused = await deliver_to_visitor(app, conversation_id, "email", message)
        unknown = await deliver_to_visitor(app, "email-unknown", "email", message)
    finally:
        await channel.stop()
    assert result == DeliveryResult(True)
    human = received[1].message
    assert received[1].rcpt_tos == [VISITOR]
    assert human["Subject"] == "Re: Returning a jacket"
    assert human["In-Reply-To"] == message_id and message_id in human["References"]
    assert "Hi Anna, I'm on it.\n\n— Sam" in parts(human)["text/plain"]
    assert not refused.ok and "550" in (refused.error or "")
    assert not unknown.ok and "unknown conversation" in (unknown.error or "")


async def test_an_utterance_sent_later_by_rasa_is_one_mail_with_its_sources(
    dovecot, smtp, config, agent
):
    raw, message_id = visitor_mail("Can I return a jacket?")
    dovecot.deliver(raw)
    channel = start_channel(config, agent)
    try:
        await smtp.wait_for(1)
        conversation_id = agent.calls[0][0]
        output = channel.get_output_channel()
        assert output is not None
        utterance = BotUttered(
            "A reminder about your return.",
            {"custom": {"kind": "answer", "sources": [SOURCE], "language": "en", "options": []}},
        )
        await output.send_response(conversation_id, utterance.message())
        await asyncio.sleep(0.5)  # time for a (wrong) second mail to arrive
        received = await smtp.wait_for(2)
    finally:
        await channel.stop()
    assert len(received) == 2  # the visitor's answer + ONE mail for the utterance
    text = parts(received[1].message)["text/plain"]
    assert "A reminder about your return." in text and SOURCE["url"] in text
    assert received[1].message["In-Reply-To"] == message_id
