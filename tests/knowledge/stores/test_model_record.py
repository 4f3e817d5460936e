"""The model record on its own, over a plain directory and a list of table names (the LanceDB
behaviour around it: tests/knowledge/stores/test_lance_model.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.stores.model_record import MODEL_RECORD, IndexModelMismatch, ModelRecord


def record_for(path: Path, model: str, tables: list[str]) -> ModelRecord:
    return ModelRecord(path, model, f"chunks__{model}", lambda: tables)


def test_nothing_indexed_is_no_model_and_searchable(tmp_path: Path) -> None:
    rec = record_for(tmp_path / "index", "e5", [])
    assert rec.built_with() is None
    rec.check()  # nothing to refuse, but read again next time
    assert not rec.checked and not (tmp_path / "index").exists()


def test_record_then_another_model_is_refused_until_it_adopts(tmp_path: Path) -> None:
    record_for(tmp_path / "index", "e5", []).record()
    assert (tmp_path / "index" / MODEL_RECORD).read_text() == "e5\n"
    other = record_for(tmp_path / "index", "use", ["chunks__e5", "chunks__use"])
    with pytest.raises(IndexModelMismatch, match="built with e5, not the configured use"):
        other.check()
    dropped: list[str] = []
    assert other.adopt(lambda: dropped.append("chunks__use")) == "e5"
    assert dropped == ["chunks__use"] and other.checked and other.built_with() == "use"
    assert other.adopt(lambda: dropped.append("again")) is None and dropped == ["chunks__use"]


def test_without_a_record_the_tables_decide(tmp_path: Path) -> None:
    assert record_for(tmp_path, "e5", ["chunks__e5", "chunks__use"]).built_with() == "e5"
    assert record_for(tmp_path, "e5", ["chunks__use", "chunks__b", "x"]).built_with() == (
        "chunks__b, chunks__use"
    )
