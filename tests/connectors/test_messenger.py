"""Messenger connector: Meta-signed webhooks in through a real Sanic app wired the way Rasa
wires channels, exact Send API payloads out to a local server speaking the Graph schema."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
import uuid
from typing import Any

from rasa.shared.core.events import BotUttered

from connectors.common.delivery import (
    AgentIdentity,
    DeliveryResult,
    OutboundMessage,
    deliver_to_visitor,
)
from connectors.common.text import phrase
from connectors.messenger import MAX_CHARS, MessengerInput
from tests.connectors.common.chat_harness import ChatHarness, EchoAgent, Utterance, redelivered
from tests.connectors.common.platform_stub import PlatformStub, connector_env_fixture, stub_fixture
from tests.connectors.common.rasa_credentials import load_credentials_entry

SECRET = "app-secret"
VERIFY = "verify-me"
PAGE_TOKEN = "page-token"
PSID = "6543210987654321"
PAGE_ID = "1122334455"
SOURCE = {"title": "Shipping", "url": "https://help.example.com/shipping"}
BUTTONS = [
    {"title": "Shipping to Belgium", "payload": '/ask_topic{"topic": "shipping_be"}'},
    {"title": "Returns and refunds for damaged items", "payload": '/ask_topic{"topic": "returns"}'},
]
# every variable connectors/messenger.py reads for a credential the tests leave out
MESSENGER_ENV = (
    "MESSENGER_VERIFY_TOKEN",
    "MESSENGER_APP_SECRET",
    "MESSENGER_PAGE_ACCESS_TOKEN",
    "MESSENGER_API_VERSION",
    "GRAPH_API_BASE",
    "MESSENGER_FEEDBACK_PROMPT",
)
LONG = " ".join(f"Part {i} of a long and careful answer about delivery times." for i in range(80))


CANNED: dict[str, Utterance] = {
    "clarify": (
        "Which topic?",
        {
            "buttons": BUTTONS,
            "custom": {"kind": "clarify", "sources": [], "language": "en", "options": []},
        },
    ),
    "short options": (
        "Pick one",
        {
            "buttons": [
                {"title": "Yes", "payload": "/affirm"},
                {"title": "No", "payload": "/deny"},
            ]
        },
    ),
    "long": (LONG, None),
}


stub = stub_fixture(page_token=PAGE_TOKEN, app_secret=SECRET)
env = connector_env_fixture(MESSENGER_ENV)


class Harness(ChatHarness[MessengerInput]):
    def __init__(self, channel: MessengerInput) -> None:
        super().__init__(channel, EchoAgent(source=SOURCE, dutch_word="verzending", canned=CANNED))

    async def post(
        self,
        payload: Any,
        *,
        secret: str = SECRET,
        signature: str | None = None,
        raw: bytes | None = None,
    ):
        body = raw if raw is not None else json.dumps(payload).encode()
        sig = signature
        if sig is None:
            sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json"}
        if sig:
            headers["X-Hub-Signature-256"] = sig
        return await self.send(content=body, headers=headers)


def make(stub: PlatformStub, **overrides: Any) -> Harness:
    creds = {
        "verify_token": VERIFY,
        "app_secret": SECRET,
        "page_access_token": PAGE_TOKEN,
        "api_base": stub.base_url,
        "feedback_prompt": "false",  # the prompt: test_*_feedback.py
        "api_version": "v19.0",
    }
    creds.update(overrides)
    channel = MessengerInput.from_credentials(creds)
    assert isinstance(channel, MessengerInput)
    return Harness(channel)


def page(*events: dict) -> dict:
    return {
        "object": "page",
        "entry": [{"id": PAGE_ID, "time": 1732500000000, "messaging": list(events)}],
    }


def text_event(text: str, mid: str | None = None, **message: Any) -> dict:
    return {
        "sender": {"id": PSID},
        "recipient": {"id": PAGE_ID},
        "timestamp": 1732500000000,
        "message": {"mid": mid or "m_" + uuid.uuid4().hex, "text": text, **message},
    }


def proof() -> str:
    return hmac.new(SECRET.encode(), PAGE_TOKEN.encode(), hashlib.sha256).hexdigest()


async def test_get_verification_echoes_challenge_only_with_the_right_token(stub):
    h = make(stub)
    url = "/webhooks/messenger/webhook"
    _, ok = await h.client.get(
        url,
        params={"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"},
    )
    _, bad = await h.client.get(
        url,
        params={"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1158201444"},
    )
    _, no_mode = await h.client.get(url, params={"hub.verify_token": VERIFY, "hub.challenge": "1"})
    assert (ok.status_code, ok.text) == (200, "1158201444")
    assert (bad.status_code, no_mode.status_code) == (403, 403)
    unconfigured = make(stub, verify_token="")
    _, resp = await unconfigured.client.get(
        url, params={"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    )
    assert resp.status_code == 403


async def test_signed_text_is_answered_with_exact_send_api_payload(stub):
    h = make(stub)
    resp = await h.post(page(text_event("When will my parcel arrive?")))
    assert (resp.status_code, resp.text) == (200, "EVENT_RECEIVED")
    [msg] = h.agent.messages
    assert (msg.text, msg.sender_id, msg.input_channel) == (
        "When will my parcel arrive?",
        PSID,
        "messenger",
    )
    assert msg.metadata["page_id"] == PAGE_ID
    [sent] = await stub.wait_for("graph", 1)
    assert sent.path == "/v19.0/me/messages"
    assert sent.query == {"access_token": PAGE_TOKEN, "appsecret_proof": proof()}
    assert sent.json == {
        "recipient": {"id": PSID},
        "messaging_type": "RESPONSE",
        "message": {
            "text": "Answer to: When will my parcel arrive?\n\n"
            "Sources:\n- Shipping: https://help.example.com/shipping"
        },
    }


async def test_forged_missing_and_wrong_key_signatures_get_403(stub):
    h = make(stub)
    body = json.dumps(page(text_event("hi"))).encode()
    good = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    tampered = body.replace(b"hi", b"yo")
    responses = [
        await h.post(None, raw=body, secret="wrong-secret"),
        await h.post(None, raw=tampered, signature=good),
        await h.post(None, raw=body, signature=""),
        await h.post(None, raw=body, signature=good.replace("sha256=", "sha1=")),
        await h.post(None, raw=body, signature="sha256=zz"),
    ]
    assert [r.status_code for r in responses] == [403] * 5
    assert h.agent.messages == [] and stub.attempts == 0


async def test_missing_app_secret_fails_closed_with_one_warning(stub, caplog):
    with caplog.at_level(logging.WARNING, logger="connectors.messenger"):
        h = make(stub, app_secret="")
    assert len([r for r in caplog.records if "MESSENGER_APP_SECRET" in r.getMessage()]) == 1
    resp = await h.post(page(text_event("hi")), secret="")
    assert resp.status_code == 403
    assert h.agent.messages == []


async def test_retried_mid_produces_exactly_one_answer(stub):
    h = make(stub)
    payload = page(text_event("Where is my order?", mid="m_retry_1"))
    assert await redelivered(lambda: h.post(payload)) == [200] * 4
    assert len(h.agent.messages) == 1
    await asyncio.sleep(0.1)
    assert len(stub.graph) == 1


async def test_echoes_reads_deliveries_and_reactions_are_ignored_with_200(stub):
    h = make(stub)
    base = {"sender": {"id": PSID}, "recipient": {"id": PAGE_ID}, "timestamp": 1}
    events = [
        {
            "sender": {"id": PAGE_ID},
            "recipient": {"id": PSID},
            "timestamp": 1,
            "message": {
                "mid": "m_echo",
                "is_echo": True,
                "app_id": 1517776481860111,
                "text": "an echo of our reply",
            },
        },
        {**base, "read": {"watermark": 1732500000000}},
        {**base, "delivery": {"mids": ["m_x"], "watermark": 1732500000000}},
        {**base, "reaction": {"mid": "m_x", "action": "react", "emoji": "👍", "reaction": "like"}},
        {**base, "optin": {"ref": "x"}},
        {"recipient": {"id": PAGE_ID}, "message": {"mid": "m_nosender", "text": "who?"}},
        {"sender": "not-an-object", "message": {"mid": "m_bad1", "text": "x"}},
        {"sender": {"id": PSID}, "message": "not-an-object"},
        "not-an-event",
    ]
    resp = await h.post(page(*events))
    assert (resp.status_code, resp.text) == (200, "EVENT_RECEIVED")
    assert h.agent.messages == [] and stub.attempts == 0


async def test_quick_reply_and_postback_send_their_payload(stub):
    h = make(stub)
    quick = text_event(
        "Shipping to Belgium", quick_reply={"payload": '/ask_topic{"topic": "shipping_be"}'}
    )
    postback = {
        "sender": {"id": PSID},
        "recipient": {"id": PAGE_ID},
        "timestamp": 2,
        "postback": {"mid": "m_pb_1", "title": "Get started", "payload": "/greet"},
    }
    await h.post(page(quick, postback))
    assert sorted(m.text for m in h.agent.messages) == sorted(
        ['/ask_topic{"topic": "shipping_be"}', "/greet"]
    )


async def test_buttons_become_quick_replies_with_full_titles_in_text_when_cut(stub):
    h = make(stub)
    await h.post(page(text_event("clarify")))
    [sent] = await stub.wait_for("graph", 1)
    assert sent.json["message"] == {
        "text": "Which topic?\n\n1. Shipping to Belgium\n"
        "2. Returns and refunds for damaged items\nReply with the number of your choice.",
        "quick_replies": [
            {
                "content_type": "text",
                "title": "Shipping to Belgium",
                "payload": BUTTONS[0]["payload"],
            },
            {
                "content_type": "text",
                "title": "Returns and refunds…",
                "payload": BUTTONS[1]["payload"],
            },
        ],
    }
    assert all(len(q["title"]) <= 20 for q in sent.json["message"]["quick_replies"])
    # typing the number works as well as tapping
    await h.post(page(text_event("2")))
    assert h.agent.messages[-1].text == BUTTONS[1]["payload"]


async def test_short_button_titles_are_plain_quick_replies(stub):
    h = make(stub)
    await h.post(page(text_event("short options")))
    [sent] = await stub.wait_for("graph", 1)
    assert sent.json["message"] == {
        "text": "Pick one",
        "quick_replies": [
            {"content_type": "text", "title": "Yes", "payload": "/affirm"},
            {"content_type": "text", "title": "No", "payload": "/deny"},
        ],
    }


async def test_long_answer_is_split_within_2000_chars(stub):
    h = make(stub)
    await h.post(page(text_event("long")))
    sent = await stub.wait_for("graph", 3)
    texts = [c.json["message"]["text"] for c in sent]
    assert len(texts) == 3 and all(len(t) <= MAX_CHARS for t in texts)
    assert all(t.endswith("delivery times.") for t in texts)
    assert " ".join(texts) == LONG


async def test_attachment_gets_polite_reply_in_the_visitors_language(stub):
    h = make(stub)
    await h.post(page(text_event("Hoe lang duurt de verzending?")))
    image = {
        "sender": {"id": PSID},
        "recipient": {"id": PAGE_ID},
        "timestamp": 3,
        "message": {
            "mid": "m_img",
            "attachments": [
                {"type": "image", "payload": {"url": "https://scontent.example/x.jpg"}}
            ],
        },
    }
    await h.post(page(image))
    sent = await stub.wait_for("graph", 2)
    assert sent[-1].json["message"] == {"text": phrase("text_only", "nl")}
    assert [m.text for m in h.agent.messages] == ["Hoe lang duurt de verzending?"]


async def test_graph_errors_are_retried_then_logged_with_conversation_id(stub, caplog):
    h = make(stub)
    stub.fail_next = [
        (
            500,
            {
                "error": {
                    "message": "An unexpected error has occurred.",
                    "type": "OAuthException",
                    "code": 2,
                }
            },
        )
    ]
    await h.post(page(text_event("first")))
    assert stub.attempts == 2 and len(stub.graph) == 1
    stub.fail_next = [
        (
            400,
            {
                "error": {
                    "message": "(#551) This person isn't available right now.",
                    "type": "OAuthException",
                    "code": 551,
                }
            },
        )
    ]
    with caplog.at_level(logging.ERROR):
        resp = await h.post(page(text_event("second")))
    assert resp.status_code == 200
    assert stub.attempts == 3  # the 400 was not retried
    assert any(PSID in r.getMessage() and "551" in r.getMessage() for r in caplog.records)


async def test_messaging_window_bot_stops_after_24h_human_agent_up_to_7_days(stub, caplog):
    h = make(stub)
    handed = h.window_closed()
    output = h.channel.get_output_channel()
    human = BotUttered("Hi, Sam here.", data={"custom": {"kind": "human", "language": "en"}})
    bot = BotUttered("A bot follow-up.")

    await h.channel.senders.touch_inbound("messenger", PSID, at=time.time() - 2 * 86400)
    with caplog.at_level(logging.WARNING, logger="connectors.messenger"):
        await output.send_response(PSID, bot.message())
    assert stub.attempts == 0 and handed == [(PSID, "A bot follow-up.")]
    assert any(PSID in r.getMessage() for r in caplog.records)
    await output.send_response(PSID, human.message())
    [sent] = await stub.wait_for("graph", 1)
    assert sent.json == {
        "recipient": {"id": PSID},
        "messaging_type": "MESSAGE_TAG",
        "tag": "HUMAN_AGENT",
        "message": {"text": "Hi, Sam here."},
    }
    await h.channel.senders.touch_inbound("messenger", PSID, at=time.time() - 8 * 86400)
    await output.send_response(PSID, human.message())
    assert len(stub.graph) == 1 and handed[-1] == (PSID, "Hi, Sam here.")


async def test_graph_window_error_is_handed_off(stub):
    h = make(stub)
    handed = h.window_closed()
    stub.fail_next = [
        (
            400,
            {
                "error": {
                    "message": "(#10) This message is sent outside of allowed window.",
                    "type": "OAuthException",
                    "code": 10,
                    "error_subcode": 2018278,
                }
            },
        )
    ]
    await h.post(page(text_event("hi")))
    assert [conversation for conversation, _ in handed] == [PSID] and stub.graph == []


async def test_bad_json_and_non_page_objects_are_clear_4xx(stub):
    h = make(stub)
    bad = await h.post(None, raw=b"{not json")
    other = await h.post({"object": "instagram", "entry": []})
    odd = await h.post({"object": "page", "entry": {"messaging": "x"}})
    assert (bad.status_code, other.status_code, odd.status_code) == (400, 404, 200)
    assert "Traceback" not in bad.text


MESSENGER_VARS = {"MESSENGER_VERIFY_TOKEN", "MESSENGER_APP_SECRET", "MESSENGER_PAGE_ACCESS_TOKEN"}


def test_credentials_yml_with_unset_variables_starts_closed(monkeypatch):
    channel = load_credentials_entry(
        monkeypatch, "connectors.messenger.MessengerInput", MESSENGER_VARS
    )
    assert isinstance(channel, MessengerInput)
    assert sorted(channel.config.missing) == sorted(MESSENGER_VARS)


def test_credentials_yml_references_are_expanded_from_the_environment(monkeypatch):
    monkeypatch.setenv("MESSENGER_VERIFY_TOKEN", VERIFY)
    monkeypatch.setenv("MESSENGER_APP_SECRET", SECRET)
    monkeypatch.setenv("MESSENGER_PAGE_ACCESS_TOKEN", PAGE_TOKEN)
    monkeypatch.setenv("MESSENGER_API_VERSION", "v22.0")
    channel = load_credentials_entry(
        monkeypatch, "connectors.messenger.MessengerInput", MESSENGER_VARS
    )
    assert channel.config.missing == []
    assert channel.config.send_url == "https://graph.facebook.com/v22.0/me/messages"


# the visitor side of the Slack handoff (connectors/common/delivery.py) -------------------------

SAM = AgentIdentity("Sam", "https://avatars.example/sam.png")


async def test_a_persons_message_is_pushed_with_the_human_agent_tag(stub):
    h = make(stub)
    await h.post(page(text_event("I want a human")))  # within 24 h: still tagged, a person wrote
    before = len(stub.graph)
    message = OutboundMessage("Hi, I'm checking your order.", agent=SAM, language="en")
    assert await deliver_to_visitor(h.app, PSID, "messenger", message) == DeliveryResult(True)
    [sent] = stub.graph[before:]
    assert sent.json == {
        "recipient": {"id": PSID},
        "messaging_type": "MESSAGE_TAG",
        "tag": "HUMAN_AGENT",
        "message": {"text": "Sam: Hi, I'm checking your order."},
    }
    assert sent.query["appsecret_proof"] == proof()


async def test_push_after_seven_days_or_refused_by_graph_is_a_window_error(stub):
    h = make(stub)
    await h.channel.senders.touch_inbound("messenger", PSID, at=time.time() - 8 * 86400)
    late = await deliver_to_visitor(h.app, PSID, "messenger", OutboundMessage("Hi", agent=SAM))
    assert not late.ok and "messaging window" in (late.error or "")
    assert stub.attempts == 0
    await h.channel.senders.touch_inbound("messenger", PSID)
    stub.fail_next = [
        (
            400,
            {
                "error": {
                    "message": "outside of allowed window",
                    "code": 10,
                    "error_subcode": 2018278,
                }
            },
        )
    ]
    refused = await deliver_to_visitor(h.app, PSID, "messenger", OutboundMessage("Hi", agent=SAM))
    assert not refused.ok and "messaging window" in (refused.error or "")


async def test_card_numbers_are_masked_before_rasa_sees_them(stub):
    h = make(stub)
    await h.post(page(text_event("IBAN NL91ABNA0417164300 for the refund")))
    assert [m.text for m in h.agent.messages] == ["IBAN [iban] for the refund"]
