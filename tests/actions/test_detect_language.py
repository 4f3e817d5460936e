"""action_detect_language over trackers loaded from JSON fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.detect_language import ActionDetectLanguage

FIXTURES = Path(__file__).parent / "fixtures"


def run(name: str) -> dict[str, object]:
    tracker = Tracker.from_dict(json.loads((FIXTURES / name).read_text("utf-8")))
    events = pytest.importorskip("asyncio").run(
        ActionDetectLanguage().run(CollectingDispatcher(), tracker, {})
    )
    assert all(isinstance(e, dict) and e["event"] == "slot" for e in events)
    return {e["name"]: e["value"] for e in events}


def test_first_short_dutch_greeting_sets_dutch_and_the_agent_name() -> None:
    assert run("greet_nl_first.json") == {"language": "nl", "agent_name": "Ava"}


def test_browser_language_wins_over_a_short_english_word() -> None:
    assert run("browser_fr_first.json")["language"] == "fr"


def test_a_single_foreign_word_keeps_the_conversation_language() -> None:
    assert run("dutch_conversation_short_french.json") == {}


def test_a_clear_sentence_in_another_language_switches() -> None:
    assert run("dutch_conversation_german_sentence.json") == {"language": "de"}


def test_returns_only_slot_events() -> None:
    events = run("greet_nl_first.json")
    assert SlotSet("language", "nl")["value"] == events["language"]


def test_the_agent_name_comes_from_the_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from knowledge.profile import get_profile
    from knowledge.settings import get_settings

    (tmp_path / "agent_profile.yml").write_text("name: Noor\n", encoding="utf-8")
    monkeypatch.setenv("CUSTOMER_AGENT_BOT_DIR", str(tmp_path))
    get_settings.cache_clear()
    get_profile.cache_clear()
    try:
        assert run("greet_nl_first.json") == {"language": "nl", "agent_name": "Noor"}
    finally:
        get_settings.cache_clear()
        get_profile.cache_clear()
