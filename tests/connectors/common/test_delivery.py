"""deliver_to_visitor (connectors/common/delivery.py): finding the channel's push function on a
real Rasa app, explicit registration, failures as results; the web chat's persistent outbox
shared across processes; REST cannot be pushed to."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rasa.core.run import configure_app
from sanic_testing.testing import SanicASGITestClient

from connectors.common.delivery import (
    NO_PUSH,
    AgentIdentity,
    DeliveryResult,
    OutboundMessage,
    deliver_to_visitor,
    register_push,
)
from connectors.rest import RestInput
from connectors.webchat import WebChatInput

CID = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0"
ROOT = Path(__file__).resolve().parents[3]
SAM = AgentIdentity("Sam", "https://avatars.slack-edge.example/sam.png")


@pytest.fixture(autouse=True)
def data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("CUSTOMER_AGENT_DATA", str(tmp_path / "data"))
    return tmp_path / "data"


def make_app() -> tuple[Any, WebChatInput]:
    channel = WebChatInput.from_credentials({})
    assert isinstance(channel, WebChatInput)
    app = configure_app(input_channels=[channel, RestInput()], enable_api=False, use_uvloop=False)
    return app, channel


def poll(app: Any, after: int = 0) -> list[dict[str, Any]]:
    _, resp = app.test_client.get(f"/webhooks/webchat/poll?conversation_id={CID}&after={after}")
    assert resp.status == 200
    return resp.json["messages"]


async def apoll(app: Any, after: int = 0) -> list[dict[str, Any]]:
    """`poll` from inside a running event loop (Sanic's ASGI test client)."""
    client = SanicASGITestClient(app)
    _, resp = await client.get(f"/webhooks/webchat/poll?conversation_id={CID}&after={after}")
    assert resp.status_code == 200
    return resp.json["messages"]


async def test_webchat_push_reaches_the_poll_with_the_person_and_the_event():
    app, _ = make_app()
    joined = OutboundMessage("Sam joined the conversation", agent=SAM, event="agent_joined")
    said = OutboundMessage("Hi, Sam here.", agent=SAM, language="en")
    assert await deliver_to_visitor(app, CID, "webchat", joined) == DeliveryResult(True)
    assert (await deliver_to_visitor(app, CID, "webchat", said)).ok
    first, second = await apoll(app)
    assert first["text"] == "Sam joined the conversation"
    assert first["custom"] == {
        "kind": "human",
        "event": "agent_joined",
        "sources": [],
        "options": [],
        "agent": {"name": "Sam", "avatar_url": "https://avatars.slack-edge.example/sam.png"},
    }
    assert second["custom"]["event"] == "message" and second["custom"]["language"] == "en"
    assert second["id"] > first["id"]
    assert await apoll(app, after=second["id"]) == []


def test_a_message_pushed_by_another_process_reaches_this_processs_poll(data_dir):
    app, _ = make_app()
    script = (
        "import asyncio\n"
        "from rasa.core.run import configure_app\n"
        "from connectors.common.delivery import OutboundMessage, AgentIdentity, "
        "deliver_to_visitor\n"
        "from connectors.webchat import WebChatInput\n"
        "app = configure_app(input_channels=[WebChatInput()], enable_api=False, "
        "use_uvloop=False)\n"
        "msg = OutboundMessage('From the other worker', agent=AgentIdentity('Sam'))\n"
        f"print(asyncio.run(deliver_to_visitor(app, {CID!r}, 'webchat', msg)).ok)\n"
    )
    env = {**os.environ, "CUSTOMER_AGENT_DATA": str(data_dir), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.stdout.strip().endswith("True"), done.stderr[-2000:]
    [message] = poll(app)
    assert message["text"] == "From the other worker"
    assert message["custom"]["agent"] == {"name": "Sam"}


async def test_rest_cannot_be_pushed_to_and_unknown_channels_say_so():
    app, _ = make_app()
    msg = OutboundMessage("hello")
    assert await deliver_to_visitor(app, "s1", "rest", msg) == DeliveryResult(
        False, f"rest: {NO_PUSH}"
    )
    unknown = await deliver_to_visitor(app, "s1", "telegram", msg)
    assert unknown == DeliveryResult(False, f"telegram: {NO_PUSH}")


async def test_explicit_registration_wins_and_a_raising_push_is_a_failed_result():
    app, _ = make_app()
    calls: list[tuple[str, str]] = []

    async def custom(sender_id: str, message: OutboundMessage) -> DeliveryResult:
        calls.append((sender_id, message.text))
        return DeliveryResult.success()

    async def broken(sender_id: str, message: OutboundMessage) -> DeliveryResult:
        raise RuntimeError("boom")

    register_push(app, "webchat", custom)
    register_push(app, "sms", broken)
    assert (await deliver_to_visitor(app, CID, "webchat", OutboundMessage("x"))).ok
    assert calls == [(CID, "x")] and await apoll(app) == []
    failed = await deliver_to_visitor(app, "s", "sms", OutboundMessage("y"))
    assert failed == DeliveryResult(False, "sms: delivery failed (RuntimeError)")


async def test_a_broken_outbox_is_a_failed_result_not_an_exception(data_dir):
    app, _ = make_app()
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "connectors").write_text("not a directory")  # the outbox cannot be created
    result = await deliver_to_visitor(app, CID, "webchat", OutboundMessage("x"))
    assert not result.ok and result.error is not None and "outbox unavailable" in result.error


def test_outbound_message_rejects_unknown_events_and_signs_a_persons_text():
    with pytest.raises(ValueError):
        OutboundMessage("x", event="typing")  # type: ignore[arg-type]
    assert OutboundMessage("On it.", agent=SAM).signed_text() == "Sam: On it."
    joined = OutboundMessage("Sam joined", agent=SAM, event="agent_joined")
    assert joined.signed_text() == "Sam joined"
    assert OutboundMessage("Back to the assistant").custom()["kind"] == "handoff"
    json.dumps(joined.custom())  # the widget payload is JSON
