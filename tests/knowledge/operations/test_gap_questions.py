"""Gap questions from fixture trackers in Rasa's SQL schema: handoffs for lack of knowledge,
clarifications nobody answered and answers marked unhelpful, with the expected counts."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from knowledge.operations.events import TrackerSource, read_events
from knowledge.operations.gap_questions import tracker_gap_questions
from tests.knowledge.operations.trackers import HOUR, answered, bot, handoff, user, write_tracker

NOW = 1_800_000_000.0


def feedback(ts: float, helpful: str, answer_id: str) -> dict[str, Any]:
    """The widget's thumbs as Rasa records `/feedback{"helpful":..,"answer_id":..}`."""
    text = "/feedback" + json.dumps({"helpful": helpful, "answer_id": answer_id})
    event = user(ts, text, intent="feedback")
    event["parse_data"]["entities"] = [
        {"entity": "helpful", "value": helpful, "start": 9, "end": 30},
        {"entity": "answer_id", "value": answer_id, "start": 31, "end": 50},
    ]
    return event


def with_id(events: list[dict[str, Any]], answer_id: str) -> list[dict[str, Any]]:
    for e in events:
        if e["event"] == "bot":
            e["data"]["custom"]["answer_id"] = answer_id
    return events


def clarified(t0: float, question: str) -> list[dict[str, Any]]:
    return [user(t0, question), bot(t0 + 1, "Do you mean an order or a subscription?", "clarify")]


def write_fixture(db: Path) -> None:
    t0 = NOW - 3 * 24 * HOUR
    write_tracker(db, "gift", handoff(t0, "Do you sell gift cards?", "no_answer"))
    write_tracker(db, "human", handoff(t0, "I want a person", "visitor_request"))
    write_tracker(db, "failed", handoff(t0, "Is there a student discount?", "clarification_failed"))
    write_tracker(
        db,
        "down",
        [*with_id(answered(t0, "Can I ride in the rain?"), "a1"), feedback(t0 + 9, "down", "a1")],
    )
    # two thumbs-down on one answer are one gap; a thumbs-up is none
    write_tracker(
        db,
        "twice",
        [
            *with_id(answered(t0, "Do you deliver to Iceland?"), "a2"),
            feedback(t0 + 5, "down", "a2"),
            feedback(t0 + 6, "down", "a2"),
        ],
    )
    write_tracker(
        db,
        "up",
        [
            *with_id(answered(t0, "How long does delivery take?"), "a3"),
            feedback(t0 + 5, "up", "a3"),
        ],
    )
    # a clarification left unanswered for over 24 h; one answered a minute later is no gap
    write_tracker(db, "left", clarified(t0, "How do I cancel?"))
    write_tracker(
        db, "replied", clarified(t0, "How do I cancel it?") + answered(t0 + 60, "the order")
    )
    write_tracker(db, "recent", clarified(NOW - HOUR, "Can I change it?"))
    # the test-chat page's sample batch is a test run, not a visitor
    write_tracker(db, "testbatch-1f2e", handoff(t0, "Do you sell gift cards?", "no_answer"))


def test_expected_gap_questions_from_trackers(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    write_fixture(db)
    questions = tracker_gap_questions(
        read_events(TrackerSource("sqlite", path=db)), now=NOW, since=NOW - 30 * 24 * HOUR
    )
    reasons = Counter(q.reason for q in questions)
    assert reasons == {
        "no_answer": 1,
        "clarification_failed": 1,
        "unhelpful": 2,
        "clarification_unanswered": 1,
    }, questions
    by_reason = {q.reason: q for q in questions}
    assert by_reason["clarification_unanswered"].question == "How do I cancel?"
    unhelpful = sorted(q.question for q in questions if q.reason == "unhelpful")
    assert unhelpful == ["Can I ride in the rain?", "Do you deliver to Iceland?"]
    assert all(
        q.sources == ("https://shop.example/delivery",)
        for q in questions
        if q.reason == "unhelpful"
    )
    assert [q.ts for q in questions] == sorted((q.ts for q in questions), reverse=True)


def test_since_drops_older_questions(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    write_fixture(db)
    events = read_events(TrackerSource("sqlite", path=db))
    assert tracker_gap_questions(events, now=NOW, since=NOW - 24 * HOUR) == []
