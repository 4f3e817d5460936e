"""action_record_feedback: thanks on the messaging channels, a silent state message in the web
chat; the feedback message keeps the conversation's language."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.detect_language import ActionDetectLanguage
from actions.feedback import ActionRecordFeedback

FIXTURES = Path(__file__).parent / "fixtures"
SHORTCUT = '/feedback{"helpful":"down","answer_id":"3f2a9c1b7d4e5f60"}'


def tracker(channel: str, language: str = "nl") -> Tracker:
    data = json.loads((FIXTURES / "dutch_conversation_german_sentence.json").read_text("utf-8"))
    data["slots"]["language"] = language
    data["latest_message"] = {
        "text": SHORTCUT,
        "intent": {"name": "feedback", "confidence": 1.0},
        "entities": [
            {"entity": "helpful", "value": "down"},
            {"entity": "answer_id", "value": "3f2a9c1b7d4e5f60"},
        ],
    }
    data["latest_input_channel"] = channel
    data["events"] = [
        *data.get("events", []),
        {"event": "user", "text": SHORTCUT, "input_channel": channel},
    ]
    return Tracker.from_dict(data)


def run(channel: str) -> tuple[list, list]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionRecordFeedback().run(dispatcher, tracker(channel), {}))
    return dispatcher.messages, events


@pytest.mark.parametrize("channel", ["messenger", "whatsapp", "rest"])
def test_messaging_channels_get_the_thanks(channel: str) -> None:
    messages, events = run(channel)
    assert [m["response"] for m in messages] == ["utter_feedback_thanks"]
    assert events == []


def test_the_web_chat_gets_a_silent_message_naming_the_answer() -> None:
    messages, events = run("webchat")
    assert [(m["text"], m["custom"]) for m in messages] == [
        (
            None,
            {
                "kind": "feedback",
                "sources": [],
                "language": "nl",
                "options": [],
                "answer_id": "3f2a9c1b7d4e5f60",
            },
        )
    ]
    assert events == []


@pytest.mark.parametrize("language", ["nl", "de", "fr", "es", "en"])
def test_the_shortcut_never_changes_the_conversation_language(language: str) -> None:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionDetectLanguage().run(dispatcher, tracker("webchat", language), {}))
    assert not [e for e in events if e.get("name") == "language"]
