"""`action_handoff`: hand the conversation to people, or say none are available.

Reached when the visitor asks for a human or the answer chain gives up. In `slack` mode the
conversation is marked as owned by a human (`handoff_active`); the Slack bridge picks it up from
the tracker. In `stay_assigned` mode the bot says so and keeps answering.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.profile import agent_profile


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        mode = str((agent_profile().get("handoff") or {}).get("mode", "slack"))
        reason = tracker.get_slot("handoff_reason") or "visitor_request"
        language = tracker.get_slot("language") or "en"
        payload: dict[str, Any] = {
            "kind": "handoff",
            "sources": [],
            "language": language,
            "options": [],
        }
        if mode == "stay_assigned":
            dispatcher.utter_message(response="utter_handoff_unavailable", json_message=payload)
            return [SlotSet("handoff_reason", None)]
        dispatcher.utter_message(response="utter_handoff", json_message=payload)
        return [SlotSet("handoff_active", True), SlotSet("handoff_reason", reason)]
