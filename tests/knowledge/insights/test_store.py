from knowledge.cli import main
from knowledge.insights.store import InsightsStore


def test_gaps_group_unanswered_questions_and_mask_them(store):
    store.record(
        conversation_id="a",
        language="en",
        kind="handoff",
        reason="no_relevant_content",
        confidence=0.1,
        question="Do you sell gift cards? card 4111 1111 1111 1111",
    )
    store.record(
        conversation_id="b",
        language="nl",
        kind="handoff",
        reason="not_covered",
        confidence=0.2,
        question="Gift cards for birthdays?",
    )
    store.record(
        conversation_id="c",
        language="en",
        kind="handoff",
        reason="visitor_asked_for_human",
        confidence=1.0,
        question="human please",
    )
    store.record(
        conversation_id="c",
        language="en",
        kind="answer",
        reason="grounded",
        confidence=0.7,
        question="When are refunds paid?",
    )
    gaps = store.gaps()
    assert [g.topic for g in gaps] == ["gift cards"]
    assert gaps[0].count == 2
    assert gaps[0].languages == ("en", "nl")
    assert all("4111" not in q for q in gaps[0].examples)


def test_report_counts_decisions_and_conversations(store):
    for conv, kind in [
        ("a", "answer"),
        ("a", "answer"),
        ("b", "clarify"),
        ("b", "handoff"),
        ("c", "answer"),
        ("c", "handoff"),
    ]:
        store.record(
            conversation_id=conv, language="en", kind=kind, reason="r", confidence=0.5, question="q"
        )
    r = store.report()
    assert r["turns"] == 6
    assert r["decisions"] == {"answer": 3, "clarify": 1, "handoff": 2}
    assert r["billable_conversations"] == 2  # a and c had an AI answer
    assert r["resolved_conversations"] == 1  # c was handed off later
    assert r["handed_off_conversations"] == 2


def test_cli_gaps_and_report(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CUSTOMER_AGENT_DATA", str(tmp_path))
    from knowledge.settings import get_settings

    get_settings.cache_clear()
    try:
        InsightsStore(tmp_path / "insights.sqlite3").record(
            conversation_id="a",
            language="en",
            kind="handoff",
            reason="no_relevant_content",
            confidence=0.1,
            question="Do you sell gift cards?",
        )
        # the recorded decision reaches `gaps` (the report itself reads the tracker store:
        # tests/knowledge/operations/test_report.py)
        assert main(["gaps", "--no-search"]) == 0
        assert "gift cards" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()


def test_gap_rows_are_the_masked_gap_handoffs_newest_first(store):
    for ts, kind, reason, question in [
        (100.0, "handoff", "no_relevant_content", "gift cards? mail me at a@b.example"),
        (200.0, "handoff", "not_covered", "shipping to Mars"),
        (300.0, "handoff", "visitor_asked_for_human", "a person please"),
        (400.0, "answer", "grounded", "refunds"),
    ]:
        store.record(
            conversation_id="c",
            language="en",
            kind=kind,
            reason=reason,
            confidence=0.1,
            question=question,
            ts=ts,
        )
    rows = store.gap_rows()
    assert [(ts, r) for ts, _, _, r in rows] == [
        (200.0, "not_covered"),
        (100.0, "no_relevant_content"),
    ]
    assert "a@b.example" not in rows[1][1]
    assert [r for _, _, _, r in store.gap_rows(since=150.0)] == ["not_covered"]


def test_the_state_db_variable_chooses_postgresql(tmp_path, monkeypatch, pg_schema_url):
    from knowledge.insights.store import get_insights_store
    from knowledge.settings import get_settings

    monkeypatch.setenv("CUSTOMER_AGENT_DATA", str(tmp_path))
    monkeypatch.setenv("CUSTOMER_AGENT_STATE_DB", pg_schema_url)
    get_settings.cache_clear()
    try:
        store = get_insights_store()
        assert store is get_insights_store()  # one per process and database
        assert store.db.dialect == "postgresql"
        store.record(
            conversation_id="a",
            language="en",
            kind="answer",
            reason="grounded",
            confidence=0.9,
            question="q",
        )
        assert store.report()["turns"] == 1
        assert not (tmp_path / "insights.sqlite3").exists()
    finally:
        get_settings.cache_clear()
