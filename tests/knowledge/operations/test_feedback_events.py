"""Feedback read back from fixture trackers: tied to the answer, its question and sources."""

from __future__ import annotations

from pathlib import Path

from knowledge.operations.events import (
    Feedback,
    TrackerEvent,
    TrackerSource,
    feedback_vote,
    read_feedback,
)
from tests.knowledge.operations.trackers import (
    answered,
    bot,
    feedback,
    slot,
    user,
    write_tracker,
)

T0 = 1_700_000_000.0


def test_feedback_names_its_answer_question_and_sources(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    first = answered(T0, "How long does delivery take?", answer_id="a1")
    second = answered(
        T0 + 60, "Can I return a bike?", url="https://shop.example/returns", answer_id="a2"
    )
    write_tracker(db, "web-1", [*first, *second, feedback(T0 + 70, "down", "a1")])
    write_tracker(
        db,
        "wa-1",
        [
            *answered(T0, "Hoe lang is de garantie?", channel="whatsapp", language="nl"),
            feedback(T0 + 5, "up", channel="whatsapp"),  # no id: the last AI answer
        ],
    )
    got = sorted(read_feedback(TrackerSource("sqlite", path=db)), key=lambda f: f.ts, reverse=True)
    assert got == [
        Feedback(
            T0 + 70,
            False,
            "a1",
            "How long does delivery take?",
            ("https://shop.example/delivery",),
            "en",
            "webchat",
            "web-1",
        ),
        Feedback(
            T0 + 5,
            True,
            "",
            "Hoe lang is de garantie?",
            ("https://shop.example/delivery",),
            "nl",
            "whatsapp",
            "wa-1",
        ),
    ]


def test_question_after_a_clarification_is_the_clarified_one(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    write_tracker(
        db,
        "web-1",
        [
            user(T0, "How do I cancel?"),
            bot(T0 + 1, "Your order or your Flex subscription?", "clarify"),
            user(T0 + 5, "Flex subscription"),
            slot(T0 + 5.1, "language", "en"),
            bot(T0 + 6, "In your account.", "answer", answer_id="c1"),
            feedback(T0 + 9, "down", "c1"),
        ],
    )
    (got,) = read_feedback(TrackerSource("sqlite", path=db))
    assert (got.question, got.helpful) == ("How do I cancel? Flex subscription", False)


def test_only_the_feedback_intent_with_a_known_value_counts() -> None:
    def parsed(event: dict) -> tuple[bool, str] | None:
        return feedback_vote(TrackerEvent("s", "user", 0.0, None, event))

    assert parsed(feedback(0, "up", "x1")) == (True, "x1")
    assert parsed(feedback(0, "down")) == (False, "")
    assert parsed(feedback(0, "maybe", "x1")) is None
    assert parsed(user(0, '/feedback{"helpful":"up"}')) is None  # parsed as a question
