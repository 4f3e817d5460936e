"""Quotable units: a lead-in sentence and the list it introduces stay apart but whole."""

from __future__ import annotations

from knowledge.answer.extractive import units


def test_list_after_a_lead_in_in_the_same_paragraph_stays_one_unit_with_its_lines() -> None:
    text = (
        "What you can still change depends on the status:\n"
        "- **Address**: up to 48 hours before delivery. Only within the same country.\n"
        "- **Delivery slot**: free to move until 48 hours before.\n"
        "\n"
        "Payment methods cannot be changed. Cancel and order again instead."
    )
    assert units(text) == [
        "What you can still change depends on the status:",
        "- **Address**: up to 48 hours before delivery. Only within the same country.\n"
        "- **Delivery slot**: free to move until 48 hours before.",
        "Payment methods cannot be changed.",
        "Cancel and order again instead.",
    ]


def test_numbered_steps_with_indented_continuations() -> None:
    text = "1. Open the app.\n   It is on your home screen.\n2. Tap Settings."
    assert units(text) == [text]
