"""`action_record_feedback`: the reply to a visitor's feedback on an answer.

Predicted by data/rules/feedback.yml for the intent `feedback` (the shortcut
`/feedback{"helpful": "up"|"down", "answer_id": ...}` from the widget's thumbs, a Messenger
quick reply or the WhatsApp connector). The feedback itself is the user event the tracker store
already holds, which the report and the gaps read (knowledge/operations/events.py); this
action only answers: a short thanks in the visitor's language on the messaging channels, and in
the web chat, whose thumbs show the choice, a message without text that the widget applies to
the answer (docs/architecture.md "Feedback"). The language slot is left as it was.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

SILENT_CHANNELS = frozenset({"webchat"})


def answer_id_of(tracker: Tracker) -> str:
    """The `answer_id` entity of the latest message ("" when the channel could not name it)."""
    entities = (tracker.latest_message or {}).get("entities") or []
    ids = [
        e.get("value") for e in entities if isinstance(e, dict) and e.get("entity") == "answer_id"
    ]
    return str(ids[0]) if ids and ids[0] else ""


class ActionRecordFeedback(Action):
    def name(self) -> str:
        return "action_record_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        answer_id = answer_id_of(tracker)
        if tracker.get_latest_input_channel() in SILENT_CHANNELS:
            dispatcher.utter_message(
                json_message={
                    "kind": "feedback",
                    "sources": [],
                    "language": tracker.get_slot("language") or "en",
                    "options": [],
                    "answer_id": answer_id,
                }
            )
        else:
            dispatcher.utter_message(response="utter_feedback_thanks")
        return []
