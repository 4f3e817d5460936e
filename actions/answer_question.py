"""`action_answer_question`: hand a visitor's question to the answer chain, turn the result
into a reply and dialogue events.

Runs for `ask_question`, `nlu_fallback` and clarification replies (`choose_option` buttons).
Rasa keeps the state between turns (pending question, clarification count); the chain is
stateless. A handoff decision ends with `action_handoff`, which speaks in the visitor's language.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from knowledge.answer.guardrails import mask
from knowledge.types import Answer, Turn

HISTORY_TURNS = 6
# user turns that name nothing a follow-up could lean on ("bedankt!" between two questions)
SMALL_TALK = frozenset({"greet", "goodbye", "thank", "affirm", "deny", "chitchat"})
log = logging.getLogger(__name__)


def session_history(tracker: Tracker, limit: int = HISTORY_TURNS) -> list[Turn]:
    """User/bot texts of the current session before this message, masked, last `limit` turns.

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
    return turns[-limit:]


def read_turn(tracker: Tracker) -> tuple[str, str | None]:
    """The visitor's text and, for a button press, the chosen topic."""
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
    return text, (str(chosen) if chosen else None)


def payload(answer: Answer, *, show_why: bool) -> dict[str, Any]:
    """The `custom` payload every client renders (DESIGN.md section 6)."""
    data: dict[str, Any] = {
        "kind": answer.kind,
        "sources": [{"title": s.title, "url": s.url} for s in answer.sources],
        "language": answer.language,
        "options": list(answer.options),
    }
    if show_why:
        data["why"] = answer.to_dict(with_hits=True)
    return data


def buttons(options: tuple[str, ...]) -> list[dict[str, str]]:
    return [
        {"title": o, "payload": "/choose_option" + json.dumps({"option": o}, ensure_ascii=False)}
        for o in options
    ]


def _record(tracker: Tracker, answer: Answer, question: str) -> None:
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
            question=question,
            sources=[s.url for s in answer.sources],
        )
    except Exception:
        log.exception("could not record the decision")


def handoff_events(reason: str) -> list[EventType]:
    return [
        SlotSet("answer_kind", "handoff"),
        SlotSet("pending_question", None),
        SlotSet("clarification_count", 0.0),
        SlotSet("awaiting_clarification", False),
        SlotSet("handoff_reason", reason),
        FollowupAction("action_handoff"),
    ]


class ActionAnswerQuestion(Action):
    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        from knowledge.answer.chain import answer_question
        from knowledge.settings import get_settings

        language = tracker.get_slot("language") or "en"
        text, chosen = read_turn(tracker)
        awaiting = bool(tracker.get_slot("awaiting_clarification"))
        pending = tracker.get_slot("pending_question") if awaiting else None
        count = int(tracker.get_slot("clarification_count") or 0) if awaiting else 0
        try:
            answer = await asyncio.to_thread(
                answer_question,
                text,
                language=language,
                history=session_history(tracker),
                pending=pending,
                clarifications=count,
                chosen=chosen,
            )
        except Exception:  # store down, bad index...: a person takes over, no trace to visitor
            log.exception("answer chain failed")
            return handoff_events("technical_issue")
        question = f"{pending} {text}".strip() if pending else text
        await asyncio.to_thread(_record, tracker, answer, question)

        if answer.kind == "handoff":
            return handoff_events(answer.reason)
        dispatcher.utter_message(
            text=answer.text,
            buttons=buttons(answer.options),
            json_message=payload(answer, show_why=get_settings().show_why),
        )
        if answer.kind == "clarify":
            return [
                SlotSet("answer_kind", "clarify"),
                SlotSet("pending_question", mask(question)),
                SlotSet("clarification_count", float(count + 1)),
                SlotSet("awaiting_clarification", True),
            ]
        return [
            SlotSet("answer_kind", "answer"),
            SlotSet("pending_question", None),
            SlotSet("clarification_count", 0.0),
            SlotSet("awaiting_clarification", False),
        ]
