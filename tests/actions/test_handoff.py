"""action_handoff: the one handoff path, with people reachable or not."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionHandoff

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[2]
CLEARED = [
    SlotSet("pending_question", None),
    SlotSet("clarification_count", 0.0),
    SlotSet("awaiting_clarification", False),
]


def tracker(intent: str = "ask_question", reason: str | None = "no_answer") -> Tracker:
    data = json.loads((FIXTURES / "dutch_conversation_german_sentence.json").read_text("utf-8"))
    data["slots"].update({"language": "de", "handoff_reason": reason})
    data["latest_message"]["intent"] = {"name": intent, "confidence": 1.0}
    return Tracker.from_dict(data)


@pytest.fixture
def profile(monkeypatch, tmp_path):
    """A bot dir with the real domain and a profile in the given handoff mode."""

    def make(mode: str, *, slack: bool) -> None:
        (tmp_path / "domain").symlink_to(ROOT / "bot" / "domain")
        (tmp_path / "agent_profile.yml").write_text(yaml.safe_dump({"handoff": {"mode": mode}}))
        monkeypatch.setenv("CUSTOMER_AGENT_BOT_DIR", str(tmp_path))
        for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
            monkeypatch.delenv(name, raising=False)
        if slack:
            monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
            monkeypatch.setenv("SLACK_SIGNING_SECRET", "s3cr3t-signing")
        _clear()

    yield make
    _clear()


def _clear() -> None:
    from knowledge.profile import get_profile
    from knowledge.settings import get_settings

    get_settings.cache_clear()
    get_profile.cache_clear()


def run(t: Tracker) -> tuple[list, list]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionHandoff().run(dispatcher, t, {}))
    return dispatcher.messages, events


def test_with_slack_configured_a_person_takes_over_and_the_bot_pauses(profile) -> None:
    profile("slack", slack=True)
    messages, events = run(tracker(reason="clarification_failed"))
    assert messages[0]["response"] == "utter_handoff_clarification_failed"
    assert messages[0]["custom"] == {
        "kind": "handoff",
        "sources": [],
        "language": "de",
        "options": [],
    }
    assert events == [
        *CLEARED,
        SlotSet("handoff_reason", "clarification_failed"),
        SlotSet("handoff_active", True),
        ConversationPaused(),
    ]


def test_slack_mode_without_slack_never_promises_a_person(profile) -> None:
    profile("slack", slack=False)
    messages, events = run(tracker())
    assert messages[0]["response"] == "utter_handoff_unavailable"
    assert SlotSet("handoff_active", True) not in events
    assert ConversationPaused() not in events
    assert events == [*CLEARED, SlotSet("handoff_reason", "no_answer")]


def test_stay_assigned_says_no_one_is_available_even_with_slack(profile) -> None:
    profile("stay_assigned", slack=True)
    messages, events = run(tracker(intent="request_human"))
    assert messages[0]["response"] == "utter_handoff_unavailable"
    assert events == [*CLEARED, SlotSet("handoff_reason", "visitor_request")]


def test_asking_for_a_person_wins_over_an_earlier_reason(profile) -> None:
    profile("slack", slack=True)
    messages, _ = run(tracker(intent="request_human", reason="technical_issue"))
    assert messages[0]["response"] == "utter_handoff_visitor_request"


def test_every_uttered_response_exists_in_every_language() -> None:
    from typing import get_args

    from knowledge.answer.responses import handoff_response, load_responses, render
    from knowledge.types import HandoffReason

    domain = load_responses(ROOT / "bot" / "domain")
    for reason in get_args(HandoffReason):
        for reachable in (True, False):
            name = handoff_response(reason, humans_reachable=reachable)
            assert name in domain, name
            texts = {
                render(name, lang, ROOT / "bot" / "domain")
                for lang in ("en", "nl", "de", "fr", "es")
            }
            assert len(texts) == 5, name  # a distinct text per language
