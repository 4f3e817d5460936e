"""`action_handoff`: the one place a conversation is handed to people.

Predicted by the rules in data/rules/handoff.yml: after `request_human`, and after
`action_answer_question` decided `answer_kind: handoff` (its reason in the `handoff_reason`
slot). When people are reachable (handoff mode `slack` and Slack configured) it utters the
reason's response, marks the conversation as owned by a person (`handoff_active`) and pauses
the bot; the Rasa server's Slack side takes it from there. Otherwise it says nobody is available
and the bot keeps answering. Wording: bot/domain/handoff.yml.
"""

from __future__ import annotations

import asyncio
from typing import Any, get_args

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from knowledge.answer.responses import handoff_response, humans_reachable
from knowledge.types import HandoffReason, reply_payload

REASONS: tuple[HandoffReason, ...] = get_args(HandoffReason)
# a handoff closes any open clarification: the next message is a new question
CLEAR_CLARIFICATION: tuple[EventType, ...] = (
    SlotSet("pending_question", None),
    SlotSet("clarification_count", 0.0),
    SlotSet("awaiting_clarification", False),
)


def reason_of(tracker: Tracker) -> HandoffReason:
    """The visitor asking for a person wins; otherwise the reason the answer action set."""
    intent = (tracker.latest_message or {}).get("intent") or {}
    slot = tracker.get_slot("handoff_reason")
    if intent.get("name") == "request_human" or slot not in REASONS:
        return "visitor_request"
    return slot  # type: ignore[no-any-return]


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reason = reason_of(tracker)
        reachable = await asyncio.to_thread(humans_reachable)  # reads profile and env once
        dispatcher.utter_message(
            response=handoff_response(reason, humans_reachable=reachable),
            json_message=reply_payload("handoff", tracker.get_slot("language") or "en"),
        )
        events = [*CLEAR_CLARIFICATION, SlotSet("handoff_reason", reason)]
        if not reachable:
            return events
        return [*events, SlotSet("handoff_active", True), ConversationPaused()]
