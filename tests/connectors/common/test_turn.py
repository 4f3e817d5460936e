"""The one visitor turn (connectors/common/turn.py) through Rasa's real Sanic wiring: the REST
channel registered by `configure_app`, a scripted agent in place of the model that records
what it received into Rasa's own in-memory tracker store."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.core.run import configure_app
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from connectors.common.turn import Turn, register_after_turn, run_turn
from connectors.replies import FALLBACK_TEXT, MergingCollector
from connectors.rest import RestInput

CARD = "4111 1111 1111 1111"


class RecordingAgent:
    """Stores each UserUttered in a real Rasa tracker store, then answers (or fails/stays
    silent), as the processor would."""

    def __init__(self) -> None:
        self.domain = Domain.from_dict(
            {
                "slots": {
                    "handoff_active": {"type": "bool", "mappings": [{"type": "custom"}]},
                    "language": {"type": "text", "mappings": [{"type": "custom"}]},
                }
            }
        )
        self.tracker_store = InMemoryTrackerStore(self.domain)
        self.nlg = None
        self.mode = "answer"

    async def handle_message(self, message: UserMessage) -> None:
        tracker = await self.tracker_store.get_or_create_tracker(message.sender_id)
        tracker.update(UserUttered(message.text, input_channel=message.input_channel))
        if self.mode == "handoff":
            tracker.update(SlotSet("handoff_active", True))
        await self.tracker_store.save(tracker)
        if self.mode == "fail":
            raise ConnectionError("action server unreachable")
        if self.mode == "hang":
            await asyncio.sleep(30)
        if self.mode in ("silent", "handoff"):
            return
        event = BotUttered(f"You said: {message.text}", {"custom": {"kind": "answer"}})
        await message.output_channel.send_response(message.sender_id, event.message())


@pytest.fixture
def rest_app():
    app = configure_app(input_channels=[RestInput()], enable_api=False, use_uvloop=False)
    agent = RecordingAgent()
    app.ctx.agent = agent
    return app, agent


def post(app: Any, sender: str, text: str) -> Any:
    _, resp = app.test_client.post(
        "/webhooks/rest/webhook", data=json.dumps({"sender": sender, "message": text})
    )
    return resp


def stored_texts(agent: RecordingAgent, sender: str) -> list[str]:
    tracker = asyncio.run(agent.tracker_store.retrieve(sender))
    assert tracker is not None
    return [e.text for e in tracker.events if isinstance(e, UserUttered)]


def test_secrets_are_masked_before_rasa_sees_or_stores_them(rest_app):
    app, agent = rest_app
    resp = post(app, "v1", f"charge card {CARD}, my password is hunter2")
    assert resp.status == 200
    expected = "charge card [card number], my password is [secret]"
    assert stored_texts(agent, "v1") == [expected]
    assert resp.json[0]["text"] == f"You said: {expected}"
    assert CARD not in json.dumps(resp.json)


def test_after_turn_hooks_get_the_masked_turn_and_the_replies(rest_app):
    app, _ = rest_app
    seen: list[Turn] = []

    async def hook(turn: Turn) -> None:
        seen.append(turn)

    register_after_turn(app, hook)
    register_after_turn(app, hook)  # once only
    post(app, "v2", f"card {CARD}")
    [turn] = seen
    assert (turn.sender_id, turn.input_channel, turn.text) == ("v2", "rest", "card [card number]")
    assert [r["text"] for r in turn.replies] == ["You said: card [card number]"]
    assert turn.agent is app.ctx.agent


def test_a_failing_or_hanging_hook_never_costs_the_reply(rest_app, monkeypatch, caplog):
    app, _ = rest_app
    monkeypatch.setattr("connectors.common.turn.HOOK_TIMEOUT_S", 0.2)
    later: list[str] = []

    async def broken(turn: Turn) -> None:
        raise RuntimeError("slack exploded")

    async def slow(turn: Turn) -> None:
        await asyncio.sleep(5)

    async def fine(turn: Turn) -> None:
        later.append(turn.text)

    for hook in (broken, slow, fine):
        register_after_turn(app, hook)
    resp = post(app, "v3", "hello")
    assert resp.status == 200 and resp.json[0]["text"] == "You said: hello"
    assert later == ["hello"]  # hooks after a failing one still run
    messages = [r.getMessage() for r in caplog.records]
    assert any("broken failed" in m and "v3" in m for m in messages)
    assert any("slow timed out" in m for m in messages)


@pytest.mark.parametrize("mode", ["fail", "silent"])
def test_silence_or_failure_gets_the_fallback(rest_app, mode):
    app, agent = rest_app
    agent.mode = mode
    seen: list[Turn] = []

    async def hook(turn: Turn) -> None:
        seen.append(turn)

    register_after_turn(app, hook)
    resp = post(app, f"v-{mode}", "hello")
    [reply] = resp.json
    assert reply["text"] == FALLBACK_TEXT["en"]
    assert reply["custom"]["kind"] == "error"
    assert [r["text"] for r in seen[0].replies] == [FALLBACK_TEXT["en"]]


def test_no_fallback_while_a_person_owns_the_conversation(rest_app):
    app, agent = rest_app
    agent.mode = "handoff"
    resp = post(app, "v4", "are you there?")
    assert resp.status == 200 and resp.json == []


async def test_timeout_falls_back_and_reraise_propagates(monkeypatch):
    agent = RecordingAgent()
    agent.mode = "hang"

    app = SimpleNamespace(ctx=SimpleNamespace(agent=agent))  # the shape of Sanic's app
    out = MergingCollector()
    message = UserMessage("hi", out, "v5", input_channel="rest")
    replies = await run_turn(app, agent.handle_message, message, timeout_s=0.2)
    assert [r["text"] for r in replies] == [FALLBACK_TEXT["en"]]
    with pytest.raises(asyncio.TimeoutError):
        await run_turn(app, agent.handle_message, message, timeout_s=0.2, reraise=True)


def test_fallback_uses_the_tracker_language_else_the_guess(rest_app):
    app, agent = rest_app
    agent.mode = "silent"
    tracker = DialogueStateTracker.from_events(
        "v6", [SlotSet("language", "de")], slots=agent.domain.slots
    )
    asyncio.run(agent.tracker_store.save(tracker))
    assert post(app, "v6", "hallo").json[0]["text"] == FALLBACK_TEXT["de"]
