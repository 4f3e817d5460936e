"""`action_answer_question`: hand a visitor's turn to the answer chain, utter its reply and
return the dialogue events.

Runs for `ask_question`, `nlu_fallback` and clarification replies (`choose_option` buttons).
Rasa keeps the state between turns (pending question, clarification count) and this action
passes it as a `TurnRequest`; the chain is stateless and says which question it answered. A
handoff decision only sets `answer_kind: handoff` and `handoff_reason`: the rules in
data/rules/handoff.yml continue with `action_handoff`, which speaks.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from knowledge.answer.guardrails import mask
from knowledge.types import Answer, HandoffReason, Turn, TurnRequest, handoff_reason

# user turns that name nothing a follow-up could lean on ("bedankt!" between two questions)
SMALL_TALK = frozenset({"greet", "goodbye", "thank", "affirm", "deny", "chitchat"})
log = logging.getLogger(__name__)


def session_history(tracker: Tracker) -> list[Turn]:
    """User/bot texts of the current session before this message, masked (the chain keeps the
    window it uses: `history_turns` in bot/answering.yml).

    Small talk is left out on both sides (canned bot responses, user greetings and thanks), so
    "and my order?" after "thanks!" still leans on the question before the thanks.
    """
    events = list(tracker.events)
    start = max((i for i, e in enumerate(events) if e.get("event") == "session_started"), default=0)
    turns: list[Turn] = []
    for e in events[start:]:
        text = e.get("text")
        if not text or text.startswith("/"):
            continue
        if e.get("event") == "user":
            intent = ((e.get("parse_data") or {}).get("intent") or {}).get("name")
            if intent not in SMALL_TALK:
                turns.append(Turn("user", mask(text)))
        elif e.get("event") == "bot" and not (e.get("metadata") or {}).get("utter_action"):
            # canned responses (greetings, small talk) name nothing a follow-up could refer to
            turns.append(Turn("agent", text))
    if turns and turns[-1].role == "user":
        turns = turns[:-1]  # the message being answered
    return turns


def read_turn(tracker: Tracker) -> TurnRequest:
    """The turn as the chain takes it: the visitor's text (a button press: its title), the
    chosen topic, and the open clarification, if any."""
    latest = tracker.latest_message or {}
    chosen = next(
        (
            e.get("value")
            for e in latest.get("entities", [])
            if e.get("entity") == "option" and e.get("value")
        ),
        None,
    )
    text = str(latest.get("text") or "")
    if text.startswith("/"):
        text = str(chosen or "")
    awaiting = bool(tracker.get_slot("awaiting_clarification"))
    return TurnRequest(
        text=text,
        language=tracker.get_slot("language") or "en",
        history=tuple(session_history(tracker)),
        pending=tracker.get_slot("pending_question") if awaiting else None,
        clarifications=int(tracker.get_slot("clarification_count") or 0) if awaiting else 0,
        chosen=str(chosen) if chosen else None,
    )


def buttons(options: tuple[str, ...]) -> list[dict[str, str]]:
    return [
        {"title": o, "payload": "/choose_option" + json.dumps({"option": o}, ensure_ascii=False)}
        for o in options
    ]


def _record(tracker: Tracker, answer: Answer) -> None:
    """Decision record for `gaps`/`report`; a failure here must not cost the visitor a reply."""
    from knowledge.insights.store import get_insights_store

    try:
        get_insights_store().record(
            conversation_id=tracker.sender_id,
            channel=tracker.get_latest_input_channel() or "",
            language=answer.language,
            kind=answer.kind,
            reason=answer.reason,
            confidence=answer.confidence,
            question=answer.question,
            sources=[s.url for s in answer.sources],
        )
    except Exception:
        log.exception("could not record the decision")


def handoff_events(reason: HandoffReason) -> list[EventType]:
    """What the rules need to continue with `action_handoff` (which closes the clarification)."""
    return [SlotSet("answer_kind", "handoff"), SlotSet("handoff_reason", reason)]


class ActionAnswerQuestion(Action):
    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        from knowledge.answer.chain import run_turn
        from knowledge.settings import get_settings

        request = read_turn(tracker)
        try:
            answer = await asyncio.to_thread(run_turn, request)
        except Exception:  # store down, bad index...: a person takes over, no trace to visitor
            log.exception("answer chain failed")
            return handoff_events("technical_issue")
        await asyncio.to_thread(_record, tracker, answer)

        if answer.kind == "handoff":
            return handoff_events(handoff_reason(answer.reason))
        dispatcher.utter_message(
            text=answer.text,
            buttons=buttons(answer.options),
            json_message=answer.payload(show_why=get_settings().show_why),
        )
        if answer.kind == "clarify":
            return [
                SlotSet("answer_kind", "clarify"),
                SlotSet("pending_question", mask(answer.question)),
                SlotSet("clarification_count", float(request.clarifications + 1)),
                SlotSet("awaiting_clarification", True),
            ]
        return [
            SlotSet("answer_kind", "answer"),
            SlotSet("pending_question", None),
            SlotSet("clarification_count", 0.0),
            SlotSet("awaiting_clarification", False),
        ]
