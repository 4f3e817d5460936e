"""An agent's Slack thread reply reaches a visitor on WhatsApp (Twilio's Messages API, the local
platform stub) and on email (an SMTP reply in the visitor's thread, real local Dovecot and
aiosmtpd), and a delivery the platform refuses is posted back into the Slack thread.

The visitor's handoff turn goes through the real channel code (`WhatsAppInput.accept`, the
email poller), so the handoff records the channel the visitor wrote on; Rasa's answer to that
turn is what `action_handoff` leaves in the tracker (the harness's agent has no model)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from rasa.shared.core.events import BotUttered, ConversationPaused, SlotSet, UserUttered

from connectors.common.chat_channel import Inbound
from connectors.email.channel import EmailInput
from connectors.email.smtp import SmtpSender
from connectors.whatsapp import TwilioConfig, WhatsAppInput
from tests.connectors.common.platform_stub import PlatformStub, running_stub
from tests.connectors.email.email_mails import VISITOR as MAIL_VISITOR
from tests.connectors.email.email_mails import visitor_mail
from tests.connectors.email.email_servers import (
    Dovecot,
    SmtpSink,
    plain_config,
    running_dovecot,
    running_smtp,
)
from tests.connectors.slack_handoff.harness import Harness, make_harness

WA_VISITOR = "whatsapp:+31612345678"
OUR_NUMBER = "whatsapp:+14155238886"
CONNECTING = "Een collega neemt het over."


def handoff_answer(h: Harness) -> Any:
    """Rasa's side of the handoff turn: the events `action_handoff` leaves, and its utterance
    through the channel's own output (as the processor sends it)."""

    async def on_new_message(message: Any) -> None:
        store = h.agent.tracker_store
        tracker = await store.get_or_create_tracker(message.sender_id)
        for event in (
            UserUttered(message.text, {"name": "request_human"}),
            SlotSet("language", "nl"),
            SlotSet("handoff_reason", "visitor_request"),
            BotUttered(CONNECTING, {"custom": {"kind": "handoff"}}),
            SlotSet("handoff_active", True),
            ConversationPaused(),
        ):
            tracker.update(event, h.agent.domain)
        await store.save(tracker)
        custom = {"kind": "handoff", "language": "nl", "sources": [], "options": []}
        await message.output_channel.send_response(
            message.sender_id, {"text": CONNECTING, "custom": custom}
        )

    return on_new_message


def agent_reply(h: Harness, handoff: Any, text: str, ts: str) -> Any:
    return h.post_event(
        {
            "type": "message",
            "channel": handoff.slack_channel,
            "user": "UANN00001",
            "text": text,
            "ts": ts,
            "thread_ts": handoff.thread_ts,
        }
    )


def thread_texts(h: Harness, handoff: Any) -> list[str]:
    return [
        c.args.get("text", "")
        for c in h.slack.of("chat.postMessage")
        if c.args.get("thread_ts") == handoff.thread_ts
    ]


async def human_messages(h: Harness, sender: str) -> list[str]:
    tracker = await h.agent.tracker_store.retrieve(sender)
    return [
        e.text
        for e in tracker.events
        if isinstance(e, BotUttered) and (e.metadata or {}).get("human")
    ]


# WhatsApp ------------------------------------------------------------------------------------


@dataclass
class WhatsAppVisitor:
    h: Harness
    wa: WhatsAppInput
    twilio: PlatformStub
    handoff: Any


@pytest.fixture
async def whatsapp(tmp_path, monkeypatch) -> AsyncIterator[WhatsAppVisitor]:
    """A WhatsApp visitor in an open handoff: Twilio stub, the real WhatsApp channel registered
    on the Rasa app (found by `deliver_to_visitor`, its window-closed handlers wired as the
    Slack channel's start-up wires them), the handoff posted to Slack."""
    monkeypatch.setenv("CUSTOMER_AGENT_DATA", str(tmp_path / "data"))
    async with running_stub() as twilio:
        h = await make_harness(tmp_path)
        config = TwilioConfig(
            account_sid=twilio.account_sid,
            auth_token=twilio.auth_token,
            whatsapp_number=OUR_NUMBER,
            api_base=twilio.base_url,
        )
        wa = WhatsAppInput(config)
        h.app.ctx.input_channels.append(wa)
        wa.window_closed_handlers.append(h.channel._window_closed_handler(wa.name()))
        try:
            inbound = Inbound(WA_VISITOR, "SM" + "a" * 32, "ik wil een mens spreken")
            await wa.accept(h.app, handoff_answer(h), inbound)
            await wa.drain()
            await h.settle()
            handoff = h.service.store.open_for_sync(WA_VISITOR)
            assert handoff is not None and handoff.thread_ts is not None
            assert handoff.input_channel == "whatsapp"
            assert [c.form["Body"] for c in twilio.twilio] == [CONNECTING]
            yield WhatsAppVisitor(h, wa, twilio, handoff)
        finally:
            await wa.shutdown()
            await h.stop()
            await h.slack.stop()


async def settle_all(v: WhatsAppVisitor) -> None:
    """The Slack event, any window-closed handler it triggered, and the outbox."""
    await v.h.settle()
    await v.wa.drain()
    await v.h.channel.tasks.drain()
    await v.h.settle()


async def test_whatsapp_agent_reply_reaches_twilio_messages_api(whatsapp):
    v = whatsapp
    resp = await agent_reply(v.h, v.handoff, "Hoi, ik help je verder.", "1700000100.000200")
    assert resp.status_code == 200
    await settle_all(v)
    _, joined, said = v.twilio.twilio
    assert joined.form["To"] == WA_VISITOR and "Ann" in joined.form["Body"]
    assert said.path == f"/2010-04-01/Accounts/{v.twilio.account_sid}/Messages.json"
    assert said.form == {
        "To": WA_VISITOR,
        "From": OUR_NUMBER,
        "Body": "Ann: Hoi, ik help je verder.",
    }
    assert not any(":warning:" in t for t in thread_texts(v.h, v.handoff))
    assert await human_messages(v.h, WA_VISITOR) == ["Hoi, ik help je verder."]


async def test_whatsapp_window_closed_is_posted_into_the_thread(whatsapp):
    v = whatsapp
    await v.wa.senders.touch_inbound("whatsapp", WA_VISITOR, at=time.time() - 25 * 3600)
    await agent_reply(v.h, v.handoff, "Sorry voor het wachten.", "1700000100.000300")
    await settle_all(v)
    assert len(v.twilio.twilio) == 1  # nothing sent outside the window
    texts = thread_texts(v.h, v.handoff)
    not_delivered = [t for t in texts if "Not delivered to the visitor" in t]
    assert len(not_delivered) == 1, texts
    assert "24-hour window" in not_delivered[0]
    # a person's message is not "the assistant's reply", and no second handoff is opened
    assert not any("assistant's reply was not sent" in t for t in texts), texts
    assert await human_messages(v.h, WA_VISITOR) == []  # not recorded as said to the visitor


async def test_whatsapp_error_63016_is_posted_into_the_thread(whatsapp):
    v = whatsapp
    # Twilio's refusal of a free-form message outside the window (documented error 63016)
    body = {
        "code": 63016,
        "message": "Failed to send freeform message because you are outside the allowed window.",
        "more_info": "https://www.twilio.com/docs/errors/63016",
        "status": 400,
    }
    v.twilio.fail_next = [(400, body), (400, body)]  # the claim's "Ann joined", then the reply
    await agent_reply(v.h, v.handoff, "Bent u er nog?", "1700000100.000400")
    await settle_all(v)
    assert len(v.twilio.twilio) == 1 and v.twilio.attempts == 3
    texts = thread_texts(v.h, v.handoff)
    not_delivered = [t for t in texts if "Not delivered to the visitor" in t]
    assert len(not_delivered) == 1, texts
    assert "24-hour window" in not_delivered[0]
    assert not any("assistant's reply was not sent" in t for t in texts), texts
    assert await human_messages(v.h, WA_VISITOR) == []


# Email ---------------------------------------------------------------------------------------


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    with running_dovecot() as server:
        yield server


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpSink, int]]:
    with running_smtp() as running:
        yield running


async def test_email_agent_reply_is_a_threaded_smtp_reply_and_a_refusal_reaches_the_thread(
    tmp_path, monkeypatch, dovecot, smtp
):
    monkeypatch.setenv("CUSTOMER_AGENT_DATA", str(tmp_path / "data"))
    sink, smtp_port = smtp
    config = plain_config(dovecot.port, smtp_port, tmp_path / "data")
    h = await make_harness(tmp_path)
    email = EmailInput(config)
    email._sender = SmtpSender(config, retry_base_s=0.01)
    h.app.ctx.input_channels.append(email)
    raw, message_id = visitor_mail("Ik wil een mens spreken over mijn retour.")
    dovecot.deliver(raw)
    email.start(handoff_answer(h), app=h.app)
    try:
        (connecting,) = await sink.wait_for(1)
        assert CONNECTING in connecting.message.get_body(("plain",)).get_content()
        await h.settle()
        (handoff,) = [h.service.store.open_for_sync(s) for s in await conversation_ids(h)]
        assert handoff is not None and handoff.input_channel == "email"
        await agent_reply(h, handoff, "Hoi Anna, ik help je verder.", "1700000200.000100")
        await h.settle()
        received = await sink.wait_for(3)  # "connecting", "Ann joined", the reply
        assert len(received) == 3
        reply = received[2]
        assert reply.rcpt_tos == [MAIL_VISITOR]
        assert reply.message["Subject"] == "Re: Returning a jacket"
        assert reply.message["In-Reply-To"] == message_id
        assert message_id in reply.message["References"]
        body = reply.message.get_body(("plain",)).get_content().replace("\r\n", "\n")
        assert "Hoi Anna, ik help je verder.\n\n— Ann" in body
        assert not any(":warning:" in t for t in thread_texts(h, handoff))
        assert await human_messages(h, handoff.sender_id) == ["Hoi Anna, ik help je verder."]

        sink.fail, sink.fail_reply = 1, "550 5.1.1 mailbox unavailable"
        await agent_reply(h, handoff, "Nog een vraag?", "1700000200.000200")
        await h.settle()
        assert len(sink.received) == 3
        warnings = [t for t in thread_texts(h, handoff) if ":warning:" in t]
        assert len(warnings) == 1 and "Not delivered to the visitor" in warnings[0], warnings
        assert "550" in warnings[0]
        assert await human_messages(h, handoff.sender_id) == ["Hoi Anna, ik help je verder."]
    finally:
        await email.stop()
        await h.stop()
        await h.slack.stop()


async def conversation_ids(h: Harness) -> list[str]:
    return [s for s in await h.agent.tracker_store.keys() if s.startswith("email")]
