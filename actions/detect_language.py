"""`action_detect_language`: the custom slot mapping of `language`, run on every visitor message.

Rasa runs it inside `action_extract_slots`, before the policies choose a reply, so even a canned
greeting is in the language of the message that triggered it. The browser's languages (web chat
metadata, also kept by Rasa's session start in `session_started_metadata`) decide first; then the
text. Rasa's built-in session start is used on purpose: a custom one would make every new
conversation depend on the action server, and a visitor would get nothing when it is down.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from knowledge.language import choose_language, from_browser
from knowledge.profile import get_profile


class ActionDetectLanguage(Action):
    def name(self) -> str:
        return "action_detect_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        message = tracker.latest_message or {}
        text = str(message.get("text") or "")
        current = tracker.get_slot("language")
        if current is None:
            metadata = message.get("metadata") or tracker.get_slot("session_started_metadata") or {}
            current = from_browser(metadata.get("languages") or metadata.get("language"))
        language = choose_language(current, text)
        events: list[EventType] = []
        if language != tracker.get_slot("language"):
            events.append(SlotSet("language", language))
        if tracker.get_slot("agent_name") is None:
            events.append(SlotSet("agent_name", get_profile().name))
        return events
