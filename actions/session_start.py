"""`action_session_start`: a new conversation (or one back after 24 h of silence).

Runs before the first message of a session is processed, so the text is not known yet: the
language comes from channel metadata (the web chat sends `navigator.languages`) or is carried
over from the previous session; otherwise `action_detect_language` sets it from the first text.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.profile import agent_name
from knowledge.language import from_browser


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events: list[EventType] = [SessionStarted()]
        # carry over what the previous session knew (session_config carries slots over)
        for key in ("language", "handoff_active"):
            value = tracker.get_slot(key)
            if value is not None:
                events.append(SlotSet(key, value))
        metadata = tracker.get_slot("session_started_metadata") or {}
        browser = from_browser(metadata.get("languages") or metadata.get("language"))
        if browser:
            events.append(SlotSet("language", browser))
        events.append(SlotSet("agent_name", agent_name()))
        events.append(ActionExecuted("action_listen"))
        return events
