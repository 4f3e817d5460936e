"""`customer-agent ask`: the reply as the visitor would see it, and batches that never abort."""

import json

import pytest

from knowledge.cli import main
from tests.support.answers import REFUND_EN, make_hit


@pytest.fixture(autouse=True)
def fixed_search(monkeypatch, tmp_path):
    monkeypatch.setenv("CUSTOMER_AGENT_DATA", str(tmp_path))
    from knowledge.settings import get_settings

    get_settings.cache_clear()

    def search(query, *, language=None, k=10, sources=None):
        return [make_hit("Refunds", REFUND_EN, 0.72)] if "refund" in query.lower() else []

    monkeypatch.setattr("knowledge.retrieval.search", search)
    yield
    get_settings.cache_clear()


def test_ask_json_has_the_design_shape(capsys):
    assert main(["ask", "When are refunds paid?", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"kind", "text", "language", "confidence", "sources", "options"}
    assert out["text"].endswith(REFUND_EN)
    assert out["kind"] == "answer"
    assert out["language"] == "en"
    assert out["sources"] == [{"title": "Refunds", "url": "https://help.example.com/en/refunds"}]


def test_ask_batch_adds_id_and_latency(tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps({"id": "q1", "question": "When are refunds paid?"})
        + "\n"
        + json.dumps(
            {
                "id": "q2",
                "question": "Verkopen jullie cadeaubonnen?",
                "lang": "nl",
                "history": [{"role": "user", "text": "hallo"}],
            }
        )
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "a.jsonl"
    assert main(["ask", "--batch", str(questions), "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["q1", "q2"]
    assert [r["kind"] for r in rows] == ["answer", "handoff"]
    assert rows[1]["language"] == "nl"
    # what a Dutch visitor would read (bot/domain/handoff.yml; no Slack here: nobody available)
    assert rows[1]["text"].startswith("Er is op dit moment geen medewerker beschikbaar")
    assert all(isinstance(r["latency_ms"], float) for r in rows)


def test_bad_history_is_a_one_line_error(tmp_path, capsys):
    history = tmp_path / "h.json"
    history.write_text('{"role": "user"}', encoding="utf-8")
    assert main(["ask", "hi there", "--history", str(history)]) == 1
    assert "history must be a JSON list" in capsys.readouterr().err


def test_unsure_language_detection_falls_back_to_english():
    from knowledge.cli.ask import guess_language

    assert guess_language("How do I reset my password?") == "en"
    assert guess_language("Hoe lang is de garantie op de accu van mijn fiets?") == "nl"


def test_a_failing_line_is_an_error_line_and_the_batch_goes_on(tmp_path, monkeypatch):
    import knowledge.cli.ask as ask

    real = ask.ask_one

    def flaky(question, lang, history):
        if question.startswith('"'):  # as the keyword index once did on a quoted question
            raise RuntimeError("position is not found but required for phrase queries")
        return real(question, lang, history)

    monkeypatch.setattr(ask, "ask_one", flaky)
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        "\n".join(
            [
                json.dumps({"id": "a", "question": "When are refunds paid?"}),
                "{not json",
                json.dumps({"id": "c", "question": '"When are refunds paid?"'}),
                json.dumps({"id": "d"}),
                json.dumps({"id": "e", "question": "When are refunds paid?"}),
            ]
        ),
        encoding="utf-8",
    )
    out = tmp_path / "a.jsonl"
    assert main(["ask", "--batch", str(questions), "--out", str(out)]) == 1
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["a", 2, "c", "d", "e"]
    assert [("error" in r) for r in rows] == [False, True, True, True, False]
    assert "phrase queries" in rows[2]["error"]
    assert rows[4]["kind"] == "answer"


def test_show_why_adds_the_decision_and_step_timings(monkeypatch, capsys):
    from knowledge.settings import get_settings

    monkeypatch.setenv("CUSTOMER_AGENT_SHOW_WHY", "true")
    get_settings.cache_clear()
    assert main(["ask", "When are refunds paid?", "--json"]) == 0
    why = json.loads(capsys.readouterr().out)["why"]
    assert (why["reason"], why["rule"]) == ("grounded", "grounded_answer")
    assert [s["name"] for s in why["steps"]][:5] == [
        "prepare",
        "retrieve",
        "decide",
        "compose",
        "guard",
    ]
