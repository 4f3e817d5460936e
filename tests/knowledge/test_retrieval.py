from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge import retrieval
from knowledge.cli import main
from knowledge.settings import get_settings
from knowledge.stores import get_store, reset_store
from tests.knowledge.stores.conftest import PAGES


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A configured data dir holding the small bilingual help pages, via the real factories."""
    root = tmp_path_factory.mktemp("data")
    mp = pytest.MonkeyPatch()
    mp.setenv("CUSTOMER_AGENT_DATA", str(root))
    mp.delenv("CUSTOMER_AGENT_STORE", raising=False)
    get_settings.cache_clear()
    reset_store()
    get_store().upsert(PAGES)
    yield root
    reset_store()
    get_settings.cache_clear()
    mp.undo()


def test_query_language_detection() -> None:
    assert retrieval.detect_query_language("Hoe verbind ik met het draadloze netwerk?") == "nl"
    assert retrieval.detect_query_language("How do I connect to the wireless network?") == "en"
    assert retrieval.detect_query_language("ok") is None


def test_search_uses_configured_store_and_detected_language(data_dir: Path) -> None:
    assert (data_dir / "index").is_dir() and (data_dir / "cache" / "embeddings.sqlite").is_file()
    hits = retrieval.search("Hoe voeg ik een printer toe?")
    assert hits[0].chunk.id == "printer-nl"
    assert hits[0].keyword_score  # detected "nl": Dutch keyword evidence counted
    assert all(h.keyword_score is None for h in hits if h.chunk.language == "en")


def test_search_filters_sources_and_handles_odd_input(data_dir: Path) -> None:
    hits = retrieval.search("battery", language="en", sources=["power"], k=3)
    assert [h.chunk.id for h in hits] == ["battery-en"]
    assert retrieval.search("   \n ") == []
    long = retrieval.search("printer " * 2000, language="en", k=2)
    assert len(long) == 2


def test_cli_search_table_and_json(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "How do I set up a printer?", "-k", "2"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith(" 1. ") and "Set up a printer" in out.splitlines()[0]
    assert main(["search", "Mijn batterij is leeg", "--lang", "nl", "--json", "-k", "3"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert len(results) == 3
    assert set(results[0]) == {"source", "title", "url", "language", "score"}
    assert results[0]["title"] == "Battery life"


def test_cli_batch(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps({"id": "a", "question": "How do I connect to Wi-Fi?"})
        + "\n"
        + "not json\n\n"
        + json.dumps(
            {
                "id": "b",
                "question": "printer",
                "lang": "nl",
                "history": [{"role": "user", "text": "Ik wil een printer toevoegen"}],
            }
        )
        + "\n"
        + json.dumps({"id": "c"})
        + "\n"
    )
    out = tmp_path / "r.jsonl"
    assert main(["search", "--batch", str(questions), "--out", str(out), "-k", "2"]) == 1
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [x.get("id") for x in lines] == ["a", None, "b", None]
    assert lines[0]["results"][0]["title"] == "Connect to Wi-Fi"
    assert len(lines[0]["results"]) == 2
    assert lines[2]["results"][0]["title"] == "Een printer instellen"
    assert "line 2: not JSON" in lines[1]["error"] and "line 5" in lines[3]["error"]
    assert "warning: line 2" in capsys.readouterr().err


def test_cli_refuses_bad_arguments(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "  "]) == 1
    assert "give a query" in capsys.readouterr().err
    assert main(["search", "printer", "-k", "0"]) == 1
    assert main(["search", "--batch", "/nonexistent.jsonl"]) == 1
    assert "no such file" in capsys.readouterr().err


def test_cli_batch_goes_on_after_a_failing_item(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = retrieval.search

    def flaky(query: str, **kw: object) -> list:
        if "unavailable" in query:  # the store failing for this one item
            raise RuntimeError("store unavailable")
        return real(query, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(retrieval, "search", flaky)
    questions = tmp_path / "q.jsonl"
    items = [
        {"id": "quoted", "question": '"How do I add a printer?"', "lang": "en"},
        {"id": "broken", "question": "store unavailable?"},
        {"id": "syntax", "question": 'title:"printer AND (wifi* OR ~battery'},
    ]
    questions.write_text("".join(json.dumps(i) + "\n" for i in items))
    out = tmp_path / "r.jsonl"
    assert main(["search", "--batch", str(questions), "--out", str(out), "-k", "1"]) == 1
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [x["id"] for x in lines] == ["quoted", "broken", "syntax"]
    assert lines[0]["results"][0]["title"] == "Set up a printer"
    assert lines[1] == {
        "id": "broken",
        "line": 2,
        "error": "line 2: RuntimeError: store unavailable",
    }
    assert lines[2]["results"]
