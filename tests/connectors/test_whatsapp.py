"""WhatsApp (Twilio) connector: signed webhooks in through a real Sanic app wired the way Rasa
wires channels, exact Twilio REST payloads out to a local server speaking Twilio's schema."""

from __future__ import annotations

import asyncio
import base64
import logging
import time
import uuid
from typing import Any

from rasa.core.channels.channel import UserMessage
from twilio.request_validator import RequestValidator

from connectors.common.delivery import (
    AgentIdentity,
    DeliveryResult,
    OutboundMessage,
    deliver_to_visitor,
)
from connectors.common.text import phrase
from connectors.replies import FALLBACK_TEXT
from connectors.whatsapp import MAX_CHARS, WhatsAppInput
from tests.connectors.common.chat_harness import ChatHarness, EchoAgent, Utterance, redelivered
from tests.connectors.common.platform_stub import PlatformStub, connector_env_fixture, stub_fixture
from tests.connectors.common.rasa_credentials import load_credentials_entry

TOKEN = "twilio-token"
ACCOUNT = "AC" + "1" * 32
PUBLIC_URL = "https://bot.example.com/webhooks/whatsapp/webhook"
VISITOR = "whatsapp:+31612345678"
OUR_NUMBER = "whatsapp:+14155238886"
# every variable connectors/whatsapp.py reads for a credential the tests leave out
TWILIO_ENV = (
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_WHATSAPP_NUMBER",
    "TWILIO_MESSAGING_SERVICE_SID",
    "TWILIO_WEBHOOK_URL",
    "TWILIO_TRUST_FORWARDED",
    "TWILIO_API_BASE",
    "TWILIO_FEEDBACK_PROMPT",
)

LONG_ANSWER = " ".join(
    f"Sentence number {i} explains one more detail of the refund policy, clearly and calmly."
    for i in range(60)
)
BUTTONS = [
    {"title": "Basic plan", "payload": '/choose_plan{"plan": "basic"}'},
    {"title": "Pro plan", "payload": '/choose_plan{"plan": "pro"}'},
]


CANNED: dict[str, Utterance] = {
    "long": (LONG_ANSWER, None),
    "clarify": (
        "Which plan do you mean?",
        {
            "buttons": BUTTONS,
            "custom": {
                "kind": "clarify",
                "sources": [],
                "language": "en",
                "options": ["Basic plan", "Pro plan"],
            },
        },
    ),
}
SOURCE = {"title": "Refunds", "url": "https://help.example.com/refunds"}


stub = stub_fixture(account_sid=ACCOUNT, auth_token=TOKEN)
env = connector_env_fixture(TWILIO_ENV, CUSTOMER_AGENT_CONNECTOR_TIMEOUT_S="3")


def credentials(stub: PlatformStub, **overrides: Any) -> dict[str, Any]:
    creds = {
        "account_sid": ACCOUNT,
        "auth_token": TOKEN,
        "whatsapp_number": "+14155238886",
        "webhook_url": PUBLIC_URL,
        "api_base": stub.base_url,
        "feedback_prompt": "false",  # the prompt: test_*_feedback.py
    }
    creds.update(overrides)
    return creds


class Harness(ChatHarness[WhatsAppInput]):
    def __init__(self, channel: WhatsAppInput) -> None:
        super().__init__(channel, EchoAgent(source=SOURCE, dutch_word="retour", canned=CANNED))

    async def post(
        self,
        params: dict[str, str],
        *,
        token: str = TOKEN,
        url: str = PUBLIC_URL,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
        path: str = "/webhooks/whatsapp/webhook",
    ):
        sig = (
            signature
            if signature is not None
            else RequestValidator(token).compute_signature(url, params)
        )
        h = {"X-Twilio-Signature": sig, **(headers or {})}
        return await self.send(path, data=params, headers=h)


def inbound(body: str = "How do refunds work?", sid: str | None = None, **extra: str) -> dict:
    params = {
        "MessageSid": sid or "SM" + uuid.uuid4().hex,
        "AccountSid": ACCOUNT,
        "From": VISITOR,
        "To": OUR_NUMBER,
        "Body": body,
        "NumMedia": "0",
        "ProfileName": "Anne",
        "WaId": "31612345678",
    }
    params.update(extra)
    return params


def make(stub: PlatformStub, **overrides: Any) -> Harness:
    channel = WhatsAppInput.from_credentials(credentials(stub, **overrides))
    assert isinstance(channel, WhatsAppInput)
    return Harness(channel)


async def test_signed_message_is_answered_with_exact_twilio_payload(stub):
    h = make(stub)
    resp = await h.post(inbound("How do refunds work?"))
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/xml")
    assert "<Response>" in resp.text
    [msg] = h.agent.messages
    assert (msg.text, msg.sender_id, msg.input_channel) == (
        "How do refunds work?",
        VISITOR,
        "whatsapp",
    )
    assert msg.metadata["profile_name"] == "Anne"
    [sent] = await stub.wait_for("twilio", 1)
    assert sent.path == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert sent.form == {
        "To": VISITOR,
        "From": OUR_NUMBER,
        "Body": "Answer to: How do refunds work?\n\n"
        "Sources:\n- Refunds: https://help.example.com/refunds",
    }
    expected_auth = base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
    assert sent.headers["Authorization"] == f"Basic {expected_auth}"


async def test_forged_tampered_and_unsigned_requests_get_403(stub):
    h = make(stub)
    forged = await h.post(inbound(), token="not-the-token")
    params = inbound("original")
    good_sig = RequestValidator(TOKEN).compute_signature(PUBLIC_URL, params)
    tampered = await h.post({**params, "Body": "changed"}, signature=good_sig)
    _, unsigned = await h.client.post("/webhooks/whatsapp/webhook", data=inbound())
    wrong_url = await h.post(inbound(), url="https://evil.example.com/webhooks/whatsapp/webhook")
    assert [r.status_code for r in (forged, tampered, unsigned, wrong_url)] == [403] * 4
    assert h.agent.messages == []
    assert stub.attempts == 0


async def test_missing_auth_token_fails_closed_with_one_warning(stub, caplog):
    with caplog.at_level(logging.WARNING, logger="connectors.whatsapp"):
        h = make(stub, auth_token="")
    warnings = [r for r in caplog.records if "TWILIO_AUTH_TOKEN" in r.getMessage()]
    assert len(warnings) == 1
    # even a request signed with the empty key is refused
    resp = await h.post(inbound(), token="")
    assert resp.status_code == 403
    _, health = await h.client.get("/webhooks/whatsapp/")
    assert health.json == {"status": "disabled"}
    assert h.agent.messages == []
    assert h.channel.get_output_channel() is None


async def test_retried_message_sid_produces_exactly_one_answer(stub):
    h = make(stub)
    params = inbound("Where is my order?")
    assert await redelivered(lambda: h.post(params)) == [200] * 4
    assert len(h.agent.messages) == 1
    await asyncio.sleep(0.1)
    assert len(stub.twilio) == 1


async def test_processed_ids_survive_a_restart(stub):
    params = inbound("Where is my order?")
    await make(stub).post(params)
    restarted = make(stub)  # new channel, same CUSTOMER_AGENT_DATA
    resp = await restarted.post(params)
    assert resp.status_code == 200
    assert restarted.agent.messages == []
    assert len(stub.twilio) == 1


async def test_long_answer_is_split_at_sentence_boundaries(stub):
    assert len(LONG_ANSWER) > 2 * MAX_CHARS
    h = make(stub)
    await h.post(inbound("long"))
    sent = await stub.wait_for("twilio", 3)
    bodies = [c.form["Body"] for c in sent]
    assert len(bodies) == 4  # 5.2k characters of 88-char sentences -> 4 messages of <= 1600
    assert all(len(b) <= MAX_CHARS for b in bodies)
    assert all(b.endswith("calmly.") and b.startswith("Sentence number") for b in bodies)
    assert " ".join(bodies) == LONG_ANSWER


async def test_buttons_become_numbered_options_and_a_number_maps_back(stub):
    h = make(stub)
    await h.post(inbound("clarify"))
    [sent] = await stub.wait_for("twilio", 1)
    assert sent.form["Body"] == (
        "Which plan do you mean?\n\n1. Basic plan\n2. Pro plan\n"
        "Reply with the number of your choice."
    )
    await h.post(inbound(" 2 "))
    assert h.agent.messages[-1].text == BUTTONS[1]["payload"]
    # the options are used once: a later "2" is just text
    await h.post(inbound("2"))
    assert h.agent.messages[-1].text == "2"


async def test_title_reply_also_picks_the_option(stub):
    h = make(stub)
    await h.post(inbound("clarify"))
    await h.post(inbound("basic PLAN"))
    assert h.agent.messages[-1].text == BUTTONS[0]["payload"]


async def test_media_gets_polite_text_only_reply_in_the_visitors_language(stub):
    h = make(stub)
    media = {
        "NumMedia": "1",
        "MediaUrl0": "https://api.twilio.com/media/ME1",
        "MediaContentType0": "image/jpeg",
    }
    await h.post(inbound("", **media))
    [first] = await stub.wait_for("twilio", 1)
    assert first.form["Body"] == phrase("text_only", "en")
    # after a Dutch exchange the canned text is Dutch
    await h.post(inbound("Hoe werkt een retour?"))
    await h.post(inbound("", **media))
    sent = await stub.wait_for("twilio", 3)
    assert sent[-1].form["Body"] == (
        "Sorry, ik kan alleen tekstberichten lezen. Typ je vraag alsjeblieft."
    )
    assert [m.text for m in h.agent.messages] == ["Hoe werkt een retour?"]


async def test_outside_24h_window_nothing_is_sent_and_handoff_is_called(stub, caplog):
    h = make(stub)
    handed = h.window_closed()
    await h.channel.senders.touch_inbound("whatsapp", VISITOR, at=time.time() - 25 * 3600)
    output = h.channel.get_output_channel()
    with caplog.at_level(logging.WARNING):
        await output.send_text_message(VISITOR, "A human answered your question.")
    assert stub.attempts == 0
    assert handed == [(VISITOR, "A human answered your question.")]
    assert any(
        VISITOR in r.getMessage() and "messaging window" in r.getMessage() for r in caplog.records
    )
    # a visitor who never wrote is outside the window too
    await output.send_text_message("whatsapp:+4915112345678", "Hello?")
    assert stub.attempts == 0 and len(handed) == 2


async def test_twilio_window_error_63016_is_handed_off(stub):
    h = make(stub)
    handed = h.window_closed()
    stub.fail_next = [
        (400, {"code": 63016, "message": "outside the allowed window", "status": 400})
    ]
    await h.post(inbound("hi"))
    assert [conversation for conversation, _ in handed] == [VISITOR]
    assert stub.twilio == []


async def test_transient_twilio_errors_are_retried_with_backoff(stub):
    h = make(stub)
    stub.fail_next = [
        (500, {"code": 20500, "message": "Internal Server Error", "status": 500}),
        (429, {"code": 20429, "message": "Too Many Requests", "status": 429}),
    ]
    resp = await h.post(inbound("hi"))
    assert resp.status_code == 200
    assert stub.attempts == 3
    assert len(stub.twilio) == 1


async def test_permanent_twilio_error_is_logged_with_conversation_id_not_raised(stub, caplog):
    h = make(stub)
    stub.fail_next = [(400, {"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400})]
    with caplog.at_level(logging.ERROR):
        resp = await h.post(inbound("hi"))
    assert resp.status_code == 200
    assert stub.attempts == 1  # a 4xx is not retried
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(VISITOR in m and "400" in m for m in errors)


async def test_signature_over_forwarded_url_when_proxy_is_trusted(stub):
    h = make(stub, webhook_url="", trust_forwarded="true")
    public = "https://chat.example.org/webhooks/whatsapp/webhook?region=eu"
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "chat.example.org"}
    ok = await h.post(
        inbound(), url=public, headers=headers, path="/webhooks/whatsapp/webhook?region=eu"
    )
    spoofed = await h.post(
        inbound(),
        url=public,
        headers={**headers, "X-Forwarded-Host": "other.example.org"},
        path="/webhooks/whatsapp/webhook?region=eu",
    )
    assert (ok.status_code, spoofed.status_code) == (200, 403)


async def test_signature_over_received_url_without_proxy_settings(stub):
    h = make(stub, webhook_url="")
    # the ASGI test client reaches the app as http://mockserver:1234
    ok = await h.post(inbound(), url="http://mockserver:1234/webhooks/whatsapp/webhook")
    public = await h.post(inbound())  # signed for the public URL nobody configured
    assert (ok.status_code, public.status_code) == (200, 403)


async def test_status_callbacks_and_sms_are_acknowledged_not_answered(stub):
    h = make(stub)
    status = {
        "MessageSid": "SM" + "2" * 32,
        "MessageStatus": "delivered",
        "AccountSid": ACCOUNT,
        "From": OUR_NUMBER,
        "To": VISITOR,
    }
    sms = inbound("plain sms", From="+31612345678")
    responses = [await h.post(status), await h.post(sms)]
    assert [r.status_code for r in responses] == [200, 200]
    assert h.agent.messages == [] and stub.attempts == 0


async def test_server_stop_lets_in_flight_answers_go_out(stub):
    h = make(stub)
    reply = h.agent.handle_message

    async def slow(message: UserMessage) -> None:
        await asyncio.sleep(0.3)
        await reply(message)

    h.agent.handle_message = slow
    params = inbound("slow question")
    sig = RequestValidator(TOKEN).compute_signature(PUBLIC_URL, params)
    # The ASGI test client runs the app's server-stop events after each request, so the
    # answer must be out by the time it returns, although the webhook acknowledged first.
    _, resp = await h.client.post(
        "/webhooks/whatsapp/webhook", data=params, headers={"X-Twilio-Signature": sig}
    )
    assert resp.status_code == 200
    assert [c.form["Body"].split("\n")[0] for c in stub.twilio] == ["Answer to: slow question"]
    # the stores were closed and reopen on next use
    assert await h.channel.processed.claim("whatsapp", "SM-after-stop")


async def test_request_without_message_sid_is_a_clear_400(stub):
    h = make(stub)
    params = inbound()
    del params["MessageSid"]
    resp = await h.post(params)
    assert resp.status_code == 400
    assert "MessageSid" in resp.text


WHATSAPP_VARS = {"TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_WHATSAPP_NUMBER"}


def test_credentials_yml_with_unset_variables_starts_closed(monkeypatch, caplog):
    with caplog.at_level(logging.WARNING, logger="connectors.whatsapp"):
        channel = load_credentials_entry(
            monkeypatch, "connectors.whatsapp.WhatsAppInput", WHATSAPP_VARS
        )
    assert isinstance(channel, WhatsAppInput)
    assert sorted(channel.config.missing) == sorted(WHATSAPP_VARS)
    assert any("WhatsApp channel disabled" in r.getMessage() for r in caplog.records)


def test_credentials_yml_references_are_expanded_from_the_environment(monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("TWILIO_WHATSAPP_NUMBER", "+14155238886")
    channel = load_credentials_entry(
        monkeypatch, "connectors.whatsapp.WhatsAppInput", WHATSAPP_VARS
    )
    assert channel.config.missing == []
    assert (channel.config.account_sid, channel.config.auth_token) == (ACCOUNT, TOKEN)
    assert channel.config.whatsapp_number == OUR_NUMBER


# the visitor side of the Slack handoff (connectors/common/delivery.py) -------------------------

SAM = AgentIdentity("Sam", "https://avatars.example/sam.png")


async def test_a_persons_message_is_pushed_through_twilio_signed_with_their_name(stub):
    h = make(stub)
    await h.post(inbound("I want a human"))  # opens the 24 h window
    before = len(stub.twilio)
    message = OutboundMessage("Your **refund** is on its way.", agent=SAM, language="en")
    result = await deliver_to_visitor(h.app, VISITOR, "whatsapp", message)
    assert result == DeliveryResult(True)
    [sent] = stub.twilio[before:]
    assert sent.form == {
        "To": VISITOR,
        "From": OUR_NUMBER,
        "Body": "Sam: Your *refund* is on its way.",
    }


async def test_push_outside_the_24h_window_is_an_error_and_nothing_is_sent(stub):
    h = make(stub)
    await h.channel.senders.touch_inbound("whatsapp", VISITOR, at=time.time() - 25 * 3600)
    result = await deliver_to_visitor(h.app, VISITOR, "whatsapp", OutboundMessage("Hi", agent=SAM))
    assert not result.ok and "24-hour window" in (result.error or "")
    assert stub.attempts == 0


async def test_push_refused_by_twilio_with_63016_is_the_window_error(stub):
    h = make(stub)
    await h.channel.senders.touch_inbound("whatsapp", VISITOR)
    stub.fail_next = [(400, {"code": 63016, "message": "outside the window", "status": 400})]
    result = await deliver_to_visitor(h.app, VISITOR, "whatsapp", OutboundMessage("Hi", agent=SAM))
    assert not result.ok and "24-hour window" in (result.error or "")
    stub.fail_next = [(400, {"code": 21211, "message": "Invalid 'To'", "status": 400})]
    other = await deliver_to_visitor(h.app, VISITOR, "whatsapp", OutboundMessage("Hi", agent=SAM))
    assert not other.ok and "400" in (other.error or "")


async def test_push_on_an_unconfigured_channel_is_an_error(stub):
    h = make(stub, auth_token="")
    result = await deliver_to_visitor(h.app, VISITOR, "whatsapp", OutboundMessage("Hi"))
    assert result == DeliveryResult(False, "whatsapp: channel not configured")


async def test_card_numbers_are_masked_before_rasa_sees_them(stub):
    h = make(stub)
    await h.post(inbound("my card is 4111 1111 1111 1111"))
    assert [m.text for m in h.agent.messages] == ["my card is [card number]"]


async def test_a_failing_bot_still_answers_with_the_fallback(stub):
    h = make(stub)

    async def broken(message: UserMessage) -> None:
        raise ConnectionError("action server unreachable")

    h.agent.handle_message = broken  # type: ignore[method-assign]
    await h.post(inbound("hello"))
    [sent] = await stub.wait_for("twilio", 1)
    assert sent.form["Body"] == FALLBACK_TEXT["en"]
