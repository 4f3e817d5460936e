"""The gap questions in Rasa's tracker store: what visitors asked that the content did not cover.

Read with the report's reader (knowledge/operations/events.py), so every Rasa server's
conversations count, not one action server's log. Three kinds, each the visitor's question:
- a handoff for lack of knowledge (`handoff_reason` no_answer or clarification_failed), as the
  report's lifecycle cuts it (knowledge/operations/lifecycle.py);
- a clarifying question the visitor never answered: no visitor message within 24 h after it
  (`clarification_unanswered`); a reply that still led nowhere ends in a clarification_failed
  handoff and is counted there;
- an AI answer marked unhelpful (`unhelpful`): the visitor's thumbs-down as
  `events.feedback_of` ties it to its answer and question; the answer's cited URLs are kept
  so a re-check counts it answered only from a different source.
"""

from __future__ import annotations

from collections.abc import Iterable

from knowledge.operations.events import TrackerEvent, feedback_of, feedback_vote
from knowledge.operations.gaps import GapQuestion
from knowledge.operations.lifecycle import (
    CHAT_CLOSE_S,
    Conversation,
    _custom,
    _is_person,
    conversations_of,
    visitor_events,
)


def _unhelpful(events: list[TrackerEvent]) -> list[GapQuestion]:
    """Each answer marked unhelpful once (a second thumbs-down adds nothing)."""
    out, seen = [], set()
    for fb in feedback_of(events):
        key = fb.answer_id or (fb.question, fb.sources)
        if fb.helpful or not fb.question or key in seen:
            continue
        seen.add(key)
        out.append(GapQuestion(fb.ts, fb.question, fb.language, "unhelpful", fb.sources))
    return out


def _unanswered_clarifications(events: list[TrackerEvent], now: float) -> list[GapQuestion]:
    """Clarifying questions with no visitor message within 24 h after them."""
    out = []
    language, last_user = "", ""
    clarify: tuple[float, str] | None = None  # asked at, about this question
    for event in events:
        data = event.data
        if event.type_name == "slot" and data.get("name") == "language" and data.get("value"):
            language = str(data["value"])
        elif event.type_name == "user" and feedback_vote(event) is None:
            if clarify is not None and event.timestamp - clarify[0] > CHAT_CLOSE_S:
                out.append(GapQuestion(*clarify, language, "clarification_unanswered"))
            clarify = None
            last_user = str(data.get("text") or "")
        elif (
            event.type_name == "bot"
            and not _is_person(event)
            and _custom(event).get("kind") == "clarify"
            and last_user
            and clarify is None
        ):
            clarify = (event.timestamp, last_user)
    if clarify is not None and now - clarify[0] > CHAT_CLOSE_S:
        out.append(GapQuestion(*clarify, language, "clarification_unanswered"))
    return out


def sender_gap_questions(
    events: list[TrackerEvent], *, now: float, convs: list[Conversation] | None = None
) -> list[GapQuestion]:
    """One sender's gap questions (`convs`: its conversations, when the caller has cut them)."""
    ordered = sorted(events, key=lambda e: e.timestamp)
    handoffs = [
        GapQuestion(ts, question, conv.language, reason)
        for conv in (conversations_of(ordered) if convs is None else convs)
        for ts, question, reason in conv.gap_questions
    ]
    return handoffs + _unhelpful(ordered) + _unanswered_clarifications(ordered, now)


def tracker_gap_questions(
    events: Iterable[TrackerEvent], *, now: float, since: float = 0.0
) -> list[GapQuestion]:
    """Every visitor's gap questions at or after `since`, newest first (events grouped by
    sender, as `read_events` yields them; the test-chat batch is left out, `visitor_events`)."""
    out: list[GapQuestion] = []
    for batch in visitor_events(events):
        out += [q for q in sender_gap_questions(batch, now=now) if q.ts >= since]
    return sorted(out, key=lambda q: -q.ts)


def report_inputs(
    events: Iterable[TrackerEvent], *, now: float, channel: str | None = None, gaps: bool = True
) -> tuple[list[Conversation], list[GapQuestion]]:
    """One pass for `customer-agent report`: every visitor's conversations and (with `gaps`)
    the gap questions of the senders on `channel` (all when None), newest first: the same
    three kinds `customer-agent gaps` lists, not only the handoffs."""
    convs: list[Conversation] = []
    questions: list[GapQuestion] = []
    for batch in visitor_events(events):
        mine = conversations_of(batch)
        convs += mine
        if gaps and (channel is None or any(c.channel == channel for c in mine)):
            questions += sender_gap_questions(batch, now=now, convs=mine)
    return convs, sorted(questions, key=lambda q: -q.ts)
