"""Web chat connector: requests in through Rasa's real Sanic app wiring, exact payloads out.

The Rasa agent is replaced by a scripted one that emits real `BotUttered` events (what the
processor sends to output channels); everything else (Rasa's app factory, its CORS layer, channel
registration, Sanic routing) is the real thing.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.core.run import configure_app
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from connectors.replies import FALLBACK_TEXT, merge_utterance
from connectors.settings import get_settings
from connectors.webchat import WebChatInput

CID = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0"  # 36 URL-safe chars
OTHER = "b3RoZXJjb252ZXJzYXRpb25pZGVudGlmaWVy"
URL = "/webhooks/webchat/webhook"


class ScriptedAgent:
    """Answers like the processor does: one BotUttered per utterance, sent via send_response."""

    def __init__(self) -> None:
        self.received: list[UserMessage] = []
        self.fail = False
        self.domain = Domain.from_dict(
            {
                "slots": {
                    "handoff_active": {"type": "bool", "mappings": [{"type": "custom"}]},
                    "language": {"type": "text", "mappings": [{"type": "custom"}]},
                }
            }
        )
        self.tracker_store = InMemoryTrackerStore(self.domain)
        self.nlg = None  # no templates: the shared fallback uses its built-in text

    def set_slots(self, sender_id: str, **slots: Any) -> None:
        tracker = DialogueStateTracker.from_events(
            sender_id, [SlotSet(k, v) for k, v in slots.items()], slots=self.domain.slots
        )
        asyncio.run(self.tracker_store.save(tracker))

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append(message)
        if self.fail:
            raise ConnectionError("action server unreachable")
        if message.text == "/greet":
            events = [BotUttered("Hallo! Ik ben Ava.", {"custom": {"kind": "greet"}})]
        elif message.text == "silence":
            events = []
        else:
            events = [
                BotUttered(
                    "Returns are free within 30 days.\n\nKeep the receipt.",
                    {
                        "buttons": [{"title": "Shipping", "payload": '/choose{"t":"ship"}'}],
                        "custom": {
                            "kind": "answer",
                            "sources": [
                                {"title": "Returns", "url": "https://help.example/returns"}
                            ],
                            "language": "en",
                            "options": [],
                            "why": {"decision": "answer", "chunks": []},
                            "internal": "dropped",
                        },
                    },
                )
            ]
        for event in events:
            await message.output_channel.send_response(message.sender_id, event.message())


def make_app(profile: Path | None = None, **creds: Any):
    channel = WebChatInput.from_credentials(
        {
            "cors_origins": ["https://shop.example"],
            "profile": str(profile) if profile else None,
            **creds,
        }
    )
    app = configure_app(input_channels=[channel], enable_api=False, use_uvloop=False)
    agent = ScriptedAgent()
    app.ctx.agent = agent
    return app, channel, agent


@pytest.fixture(autouse=True)
def data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("CUSTOMER_AGENT_DATA", str(tmp_path / "data"))


@pytest.fixture
def stack(monkeypatch):
    monkeypatch.delenv("CUSTOMER_AGENT_SHOW_WHY", raising=False)
    return make_app()


def post(app, body: Any, headers: dict[str, str] | None = None, raw: bytes | None = None):
    data = raw if raw is not None else json.dumps(body).encode()
    hdrs = {"Content-Type": "text/plain;charset=UTF-8", **(headers or {})}
    _, resp = app.test_client.post(URL, data=data, headers=hdrs)
    return resp


def msg(text: str = "How do returns work?", cid: str = CID, **meta: Any) -> dict[str, Any]:
    return {
        "conversation_id": cid,
        "message": text,
        "metadata": meta
        or {"languages": ["nl-NL", "nl", "en"], "page_url": "https://shop.example/faq"},
    }


def test_reply_merges_text_buttons_and_custom_into_one_message(stack):
    app, _, agent = stack
    resp = post(app, msg(), headers={"Origin": "https://shop.example"})
    assert resp.status == 200
    body = resp.json
    assert body["conversation_id"] == CID
    assert len(body["messages"]) == 1
    m = body["messages"][0]
    assert m["text"] == "Returns are free within 30 days.\n\nKeep the receipt."
    assert m["buttons"] == [{"title": "Shipping", "payload": '/choose{"t":"ship"}'}]
    assert m["custom"]["kind"] == "answer"
    assert m["custom"]["sources"] == [{"title": "Returns", "url": "https://help.example/returns"}]
    assert "why" not in m["custom"]  # show-why off: never reaches a visitor
    assert "internal" not in m["custom"]
    assert resp.headers["access-control-allow-origin"] == "https://shop.example"
    received = agent.received[0]
    assert received.sender_id == CID
    assert received.input_channel == "webchat"
    assert received.metadata == {
        "languages": ["nl-NL", "nl", "en"],
        "page_url": "https://shop.example/faq",
    }


def test_metadata_is_filtered_to_known_well_formed_keys(stack):
    app, _, agent = stack
    bad_meta = {
        "languages": ["nl", "<script>", 5, "x" * 80],
        "page_url": "javascript:alert(1)",
        "slots": {"handoff_active": True},
    }
    resp = post(app, {"conversation_id": CID, "message": "hi", "metadata": bad_meta})
    assert resp.status == 200
    assert agent.received[0].metadata == {"languages": ["nl"]}


def test_show_why_passes_why_when_enabled(monkeypatch):
    monkeypatch.setenv("CUSTOMER_AGENT_SHOW_WHY", "true")
    app, _, _ = make_app()
    resp = post(app, msg())
    assert resp.json["messages"][0]["custom"]["why"] == {"decision": "answer", "chunks": []}


@pytest.mark.parametrize(
    ("body", "raw", "status"),
    [
        (None, b"{not json", 400),
        (None, b"\xff\xfe\x00", 400),
        (["a", "list"], None, 400),
        ({"message": "hi"}, None, 400),  # no conversation id
        ({"conversation_id": "short", "message": "hi"}, None, 400),
        ({"conversation_id": "../../etc/passwd-xxxxxxxxxxxxxxxx", "message": "hi"}, None, 400),
        ({"conversation_id": CID, "message": ""}, None, 400),
        ({"conversation_id": CID, "message": {"text": "hi"}}, None, 400),
        ({"conversation_id": CID, "message": "x" * 1001}, None, 413),
        (None, json.dumps({"conversation_id": CID, "message": "a" * 20_000}).encode(), 413),
    ],
)
def test_bad_requests_get_4xx_and_never_reach_rasa(stack, body, raw, status):
    app, _, agent = stack
    resp = post(app, body, raw=raw)
    assert resp.status == status
    assert "error" in resp.json
    assert agent.received == []


def test_wrong_origin_is_refused(stack):
    app, _, agent = stack
    resp = post(app, msg(), headers={"Origin": "https://evil.example"})
    assert resp.status == 403
    assert resp.json == {"error": "origin not allowed"}
    assert agent.received == []
    _, cfg = app.test_client.get(
        "/webhooks/webchat/config", headers={"Origin": "https://evil.example"}
    )
    assert cfg.status == 403
    _, polled = app.test_client.get(
        f"/webhooks/webchat/poll?conversation_id={CID}", headers={"Origin": "https://evil.example"}
    )
    assert polled.status == 403


def test_same_origin_pages_are_allowed(stack):
    # the test page is served by the Rasa server itself; browsers still send Origin on POST
    app, _, _ = stack
    req, _ = app.test_client.get("/webhooks/webchat/")
    resp = post(app, msg(), headers={"Origin": f"http://{req.host}"})
    assert resp.status == 200


def test_rate_limit_per_conversation(monkeypatch):
    monkeypatch.delenv("CUSTOMER_AGENT_SHOW_WHY", raising=False)
    app, _, agent = make_app(rate_limit_per_minute=3)
    statuses = [post(app, msg()).status for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    # another conversation still has its own budget
    assert post(app, msg(cid=OTHER)).status == 200
    assert len(agent.received) == 4


def test_rate_limit_is_shared_by_the_servers(monkeypatch):
    # two Rasa servers on one state database (here the default SQLite file of the data dir)
    # behind a load balancer: the visitor has one budget, not one per server
    monkeypatch.delenv("CUSTOMER_AGENT_SHOW_WHY", raising=False)
    first, _, first_agent = make_app(rate_limit_per_minute=3)
    second, _, second_agent = make_app(rate_limit_per_minute=3)
    statuses = [post(app, msg()).status for app in (first, second, first, second)]
    assert statuses == [200, 200, 200, 429]
    assert post(second, msg()).json["error"] == "too many messages, please wait a moment"
    assert len(first_agent.received) + len(second_agent.received) == 3
    assert post(second, msg(cid=OTHER)).status == 200


def test_failure_in_rasa_returns_a_fallback_in_the_visitor_language(stack):
    app, _, agent = stack
    agent.fail = True
    resp = post(app, msg())
    assert resp.status == 200
    [m] = resp.json["messages"]
    assert m["text"] == FALLBACK_TEXT["nl"]
    assert m["custom"]["kind"] == "error"
    assert m["custom"]["language"] == "nl"


def test_silence_while_a_human_owns_the_conversation_is_not_an_error(stack):
    app, _, agent = stack
    agent.set_slots(CID, handoff_active=True)
    resp = post(app, msg("silence"))
    assert resp.status == 200
    assert resp.json["messages"] == []


def test_silence_otherwise_gets_the_fallback(stack):
    app, _, agent = stack
    agent.set_slots(CID, language="en", handoff_active=False)
    resp = post(app, msg("silence", languages=["en"]))
    [m] = resp.json["messages"]
    assert m["text"] == FALLBACK_TEXT["en"]
    assert m["custom"] == {"kind": "error", "sources": [], "language": "en", "options": []}


def test_human_takeover_reaches_the_widget_through_the_outbox(stack):
    app, channel, _ = stack
    out = channel.get_output_channel()
    assert out is not None
    human = BotUttered(
        "Hi, Sam here. Let me check your order.",
        {"custom": {"kind": "human", "agent": {"name": "Sam"}, "language": "en"}},
    )
    asyncio.run(out.send_response(CID, human.message()))
    _, resp = app.test_client.get(f"/webhooks/webchat/poll?conversation_id={CID}")
    assert resp.status == 200
    [pushed] = resp.json["messages"]
    assert pushed == {
        "id": pushed["id"],
        "text": "Hi, Sam here. Let me check your order.",
        "custom": {"kind": "human", "agent": {"name": "Sam"}, "language": "en"},
    }
    # not acknowledged yet: a lost poll answer is sent again; other conversations never see it
    _, again = app.test_client.get(f"/webhooks/webchat/poll?conversation_id={CID}")
    assert again.json["messages"] == [pushed]
    _, acked = app.test_client.get(
        f"/webhooks/webchat/poll?conversation_id={CID}&after={pushed['id']}"
    )
    assert acked.json["messages"] == []
    _, other = app.test_client.get(f"/webhooks/webchat/poll?conversation_id={OTHER}")
    assert other.json["messages"] == []
    _, bad = app.test_client.get("/webhooks/webchat/poll?conversation_id=nope")
    assert bad.status == 400
    _, bad_after = app.test_client.get(f"/webhooks/webchat/poll?conversation_id={CID}&after=x")
    assert bad_after.status == 400


def test_config_serves_profile_and_flags(tmp_path, monkeypatch):
    monkeypatch.delenv("CUSTOMER_AGENT_SHOW_WHY", raising=False)
    profile = tmp_path / "agent_profile.yml"
    profile.write_text(
        'name: Noor\nrole: customer support\navatar_url: "/static/noor.png"\n'
        "sample_questions:\n  en: ['How do returns work?']\n  nl: ['Hoe werkt retourneren?']\n",
        encoding="utf-8",
    )
    app, _, _ = make_app(profile=profile)
    _, resp = app.test_client.get("/webhooks/webchat/config")
    assert resp.status == 200
    cfg = resp.json
    assert cfg["name"] == "Noor"
    assert cfg["avatar_url"] == "/static/noor.png"
    assert cfg["sample_questions"]["nl"] == ["Hoe werkt retourneren?"]
    assert cfg["show_why"] is False
    assert cfg["greet_payload"] == "/greet"


def test_an_unsafe_avatar_stops_start_up_with_one_line(tmp_path):
    from connectors.common.profile import ProfileError

    profile = tmp_path / "agent_profile.yml"
    profile.write_text('name: Noor\navatar_url: "javascript:alert(1)"\n', encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        make_app(profile=profile)
    assert str(err.value) == (
        f"{profile}: avatar_url: 'javascript:alert(1)' must start with https://, http:// or /"
    )


def test_missing_profile_falls_back_to_defaults(tmp_path, monkeypatch):
    monkeypatch.delenv("CUSTOMER_AGENT_SHOW_WHY", raising=False)
    app, _, _ = make_app(profile=tmp_path / "absent.yml")
    _, resp = app.test_client.get("/webhooks/webchat/config")
    assert resp.status == 200
    assert resp.json["name"] == "Ava"


def test_test_page_only_when_show_why_enabled(monkeypatch):
    monkeypatch.delenv("CUSTOMER_AGENT_SHOW_WHY", raising=False)
    app, _, _ = make_app()
    _, off = app.test_client.get("/webhooks/webchat/test")
    assert off.status == 404
    monkeypatch.setenv("CUSTOMER_AGENT_SHOW_WHY", "1")
    get_settings.cache_clear()  # settings are read once per process
    app, _, _ = make_app()
    _, on = app.test_client.get("/webhooks/webchat/test")
    assert on.status == 200
    assert "static/widget.js" in on.text


def test_static_files_are_whitelisted(stack):
    app, _, _ = stack
    _, js = app.test_client.get("/webhooks/webchat/static/widget.js")
    assert js.status == 200
    assert js.headers["content-type"].startswith("application/javascript")
    assert "customer-agent:message" in js.text
    for name in ("widget.css", "i18n.js", "avatar.svg"):
        _, r = app.test_client.get(f"/webhooks/webchat/static/{name}")
        assert r.status == 200, name
    for name in ("test-chat.html", "..%2Fwebchat.py", "nope.js"):
        _, r = app.test_client.get(f"/webhooks/webchat/static/{name}")
        assert r.status == 404, name


def test_merge_utterance_drops_malformed_buttons_and_non_dict_custom():
    merged = merge_utterance(
        {
            "text": "Pick one",
            "buttons": [{"title": "A", "payload": "/a"}, {"title": "no payload"}, "junk"],
            "custom": "not a dict",
        },
        show_why=False,
    )
    assert merged == {"text": "Pick one", "buttons": [{"title": "A", "payload": "/a"}]}


def test_widget_never_builds_html_from_strings():
    # the widget renders all message text as text; these sinks would parse markup
    from connectors.webchat import STATIC_DIR

    for name in ("widget.js", "test-chat.html"):
        source = (STATIC_DIR / name).read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in source, (name, sink)


def test_secrets_are_masked_before_rasa_sees_them(stack):
    app, _, agent = stack
    post(app, msg("my password is hunter2, card 4111 1111 1111 1111"))
    assert [m.text for m in agent.received] == ["my password is [secret] card [card number]"]
