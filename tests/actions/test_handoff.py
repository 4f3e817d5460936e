"""action_handoff in both handoff modes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import handoff as handoff_module
from actions.handoff import ActionHandoff

FIXTURES = Path(__file__).parent / "fixtures"


def tracker() -> Tracker:
    data = json.loads((FIXTURES / "dutch_conversation_german_sentence.json").read_text("utf-8"))
    data["slots"]["language"] = "de"
    return Tracker.from_dict(data)


def run(monkeypatch: pytest.MonkeyPatch, mode: str) -> tuple[list, list]:
    monkeypatch.setattr(handoff_module, "agent_profile", lambda: {"handoff": {"mode": mode}})
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionHandoff().run(dispatcher, tracker(), {}))
    return dispatcher.messages, events


def test_slack_mode_marks_the_conversation_as_owned_by_humans(monkeypatch) -> None:
    messages, events = run(monkeypatch, "slack")
    assert messages[0]["response"] == "utter_handoff"
    assert messages[0]["custom"] == {
        "kind": "handoff",
        "sources": [],
        "language": "de",
        "options": [],
    }
    slots = {e["name"]: e["value"] for e in events}
    assert slots == {"handoff_active": True, "handoff_reason": "visitor_request"}


def test_stay_assigned_mode_says_no_one_is_available_and_keeps_answering(monkeypatch) -> None:
    messages, events = run(monkeypatch, "stay_assigned")
    assert messages[0]["response"] == "utter_handoff_unavailable"
    assert {e["name"] for e in events} == {"handoff_reason"}
