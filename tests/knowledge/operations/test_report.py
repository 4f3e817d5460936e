"""`customer-agent report` over fixture trackers in Rasa's SQL schema: the expected counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.common.cases import BATCH_SENDER_PREFIX
from knowledge.cli import main
from tests.knowledge.operations.trackers import (
    HOUR,
    answered,
    bot,
    feedback,
    handoff,
    user,
    write_tracker,
)

NOW = 1_700_000_000.0
T0 = NOW - 6 * 24 * HOUR  # six days ago: every 72 h window has passed


@pytest.fixture
def tracker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "tracker.db"
    write_tracker(db, "web-1", [*answered(T0), feedback(T0 + 9, "up")])  # confirmed
    write_tracker(db, "web-2", answered(T0 + HOUR, url="https://shop.example/returns"))  # assumed
    write_tracker(db, "web-3", [user(T0, "hi"), bot(T0 + 1, "Hello!", "smalltalk")])
    write_tracker(db, "wa-1", handoff(T0, "Do you sell gift cards?", "no_answer", "whatsapp"))
    write_tracker(
        db,
        "wa-2",
        [user(T0, "How do I cancel?", "whatsapp"), bot(T0 + 2, "Order or Flex?", "clarify")],
    )  # abandoned
    write_tracker(  # email reopened after 48 h: one conversation, billed once
        db, "mail-1", answered(T0, channel="email") + answered(T0 + 48 * HOUR, channel="email")
    )
    write_tracker(db, "old", answered(NOW - 40 * 24 * HOUR))  # before the period
    # the test-chat page's batch run (connectors/common/cases.py): an admin, not a visitor
    write_tracker(db, BATCH_SENDER_PREFIX + "1f2e", answered(T0))
    write_tracker(db, BATCH_SENDER_PREFIX + "1f2f", handoff(T0, "Gift cards?", "no_answer"))
    monkeypatch.setenv("CUSTOMER_AGENT_TRACKER_STORE", "sqlite")
    monkeypatch.setenv("CUSTOMER_AGENT_TRACKER_DB", str(db))
    return db


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["report", "--json", "--no-gaps", "--now", str(NOW), *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_report_counts(tracker: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = run_json(capsys, "--since", "7d")
    assert r["conversations"] == 6
    assert r["by_channel"] == {"webchat": 3, "whatsapp": 2, "email": 1}
    assert r["involvement"] == round(3 / 6, 4)
    assert r["resolution"] == {"confirmed": 1, "assumed": 2, "unresolved": 0, "pending": 0}
    assert r["automation_rate"] == 0.5
    assert r["handoff_reasons"] == {"no_answer": 1}
    assert r["clarification_rate"] == round(1 / 6, 4)
    assert r["abandonment_rate"] == round(1 / 6, 4)
    assert r["billable"]["per_conversation"] == 3 and r["email_reopened"] == 1
    assert r["funnel"] == {"new": 6, "involved": 6, "answered": 3, "resolved": 3}
    assert r["latency_ms"]["p50"] == 1500.0
    assert {"source": "https://shop.example/returns", "citations": 1} in r["top_sources"]
    assert "involvement" in r["definitions"]


def test_channel_filter_and_billing_unit(tracker: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    r = run_json(capsys, "--channel", "whatsapp", "--billing-unit", "per_resolution")
    assert r["conversations"] == 2 and r["billable"]["charged_units"] == 0


def test_text_report_prints_definitions(tracker: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["report", "--no-gaps", "--now", str(NOW)]) == 0
    out = capsys.readouterr().out
    assert "automation rate:" in out and "definitions:" in out


def test_html_report_is_self_contained(tracker: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "report.html"
    assert main(["report", "--no-gaps", "--now", str(NOW), "--html", str(page)]) == 0
    html = page.read_text()
    assert "Plotly.newPlot" in html and '<script src="http' not in html
    assert "Conversations per day" in html


def test_missing_tracker_is_one_line(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CUSTOMER_AGENT_TRACKER_DB", str(tmp_path / "none.db"))
    assert main(["report"]) == 1
    assert "no tracker store" in capsys.readouterr().err


def test_feedback_in_the_report_and_its_html_chart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "tracker.db"
    write_tracker(db, "up", [*answered(T0, answer_id="a1"), feedback(T0 + 9, "up", "a1")])
    write_tracker(db, "down", [*answered(T0, answer_id="b1"), feedback(T0 + 9, "down", "b1")])
    write_tracker(  # a WhatsApp "2" names no answer: it is about the last one
        db, "wa", [*answered(T0, channel="whatsapp"), feedback(T0 + 9, "down", channel="whatsapp")]
    )
    monkeypatch.setenv("CUSTOMER_AGENT_TRACKER_STORE", "sqlite")
    monkeypatch.setenv("CUSTOMER_AGENT_TRACKER_DB", str(db))
    r = run_json(capsys, "--since", "7d")
    assert r["conversations"] == 3 and r["billable"]["per_conversation"] == 3
    assert r["feedback"] == {"positive": 1, "negative": 2}
    assert r["resolution"] == {"confirmed": 1, "assumed": 0, "unresolved": 2, "pending": 0}
    day = [d for d in r["daily"] if d["conversations"]]
    assert [(d["feedback_positive"], d["feedback_negative"]) for d in day] == [(1, 2)]
    page = tmp_path / "report.html"
    assert main(["report", "--no-gaps", "--now", str(NOW), "--html", str(page)]) == 0
    html = page.read_text()
    assert "Feedback per day" in html
    assert '<div class="v">33.3%</div><div class="k">helpful (feedback)</div>' in html


def test_top_gaps_hold_every_kind_of_gap_question(
    tracker: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Handoffs for lack of knowledge, answers marked unhelpful and clarifications left
    unanswered (wa-2) are all top gaps, grouped by meaning as `customer-agent gaps` groups them;
    the batch run's handoff is not one; `--channel` keeps the gaps of that channel only."""
    from knowledge.settings import get_settings

    write_tracker(
        tracker,
        "web-4",
        [
            *answered(T0, "Can I ride my e-bike in heavy rain?", answer_id="r1"),
            feedback(T0 + 9, "down", "r1"),
        ],
    )
    monkeypatch.setenv("CUSTOMER_AGENT_DATA", str(tmp_path / "data"))
    get_settings.cache_clear()
    try:
        assert main(["report", "--json", "--now", str(NOW), "--since", "7d"]) == 0
        gaps = json.loads(capsys.readouterr().out)["top_gaps"]
        reasons: dict[str, int] = {}
        for g in gaps:
            for reason, n in g["reasons"].items():
                reasons[reason] = reasons.get(reason, 0) + n
        assert reasons == {"no_answer": 1, "unhelpful": 1, "clarification_unanswered": 1}
        assert sum(g["count"] for g in gaps) == 3
        examples = {e for g in gaps for e in g["examples"]}
        assert examples == {
            "Do you sell gift cards?",
            "Can I ride my e-bike in heavy rain?",
            "How do I cancel?",
        }
        assert main(["report", "--now", str(NOW), "--since", "7d", "--channel", "whatsapp"]) == 0
        text = capsys.readouterr().out
        listed = text.split("top gaps:")[1].split("definitions:")[0]
        assert "clarification_unanswered 1" in listed and "no_answer 1" in listed
        assert "unhelpful" not in listed  # that answer was on web chat
    finally:
        get_settings.cache_clear()
