"""The embedded index records its embedding model and refuses to be searched with another."""

from __future__ import annotations

from pathlib import Path

import lancedb
import pytest

from knowledge.stores.lance import MODEL_RECORD, IndexModelMismatch, LanceChunkStore, table_name
from tests.knowledge.stores.conftest import PAGES, CountingE5


class OtherModel(CountingE5):
    """The same vectors under another model's name: what matters here is the label."""

    @property
    def model_id(self) -> str:
        return "other-model-1"


def test_a_write_records_the_model_and_the_same_model_searches(
    tmp_path: Path, e5: CountingE5
) -> None:
    store = LanceChunkStore(tmp_path / "index", e5, cache_path=tmp_path / "c.sqlite")
    assert store.built_with() is None and store.search("wifi", k=1) == []
    store.upsert(PAGES[:2])
    assert (tmp_path / "index" / MODEL_RECORD).read_text().strip() == e5.model_id
    assert store.search("wifi", k=1)
    store.close()


def test_another_model_is_refused_with_one_line_until_it_adopts_the_index(
    tmp_path: Path, e5: CountingE5
) -> None:
    LanceChunkStore(tmp_path / "index", e5, cache_path=tmp_path / "c.sqlite").upsert(PAGES[:2])
    other = LanceChunkStore(tmp_path / "index", OtherModel(), cache_path=tmp_path / "c.sqlite")
    with pytest.raises(IndexModelMismatch) as refused:
        other.search("wifi", k=1)
    (line,) = str(refused.value).splitlines()
    assert f"built with {e5.model_id}, not the configured other-model-1" in line
    assert other.adopt_model() == e5.model_id
    assert other.search("wifi", k=1) == []  # adopted but not yet synced: empty, not refused
    assert other.adopt_model() is None


def test_an_index_older_than_the_record_is_judged_by_its_tables(
    tmp_path: Path, e5: CountingE5
) -> None:
    LanceChunkStore(tmp_path / "index", e5, cache_path=tmp_path / "c.sqlite").upsert(PAGES[:1])
    (tmp_path / "index" / MODEL_RECORD).unlink()
    assert LanceChunkStore(tmp_path / "index", e5).built_with() == e5.model_id
    other = LanceChunkStore(tmp_path / "index", OtherModel())
    assert other.built_with() == table_name(e5.model_id)
    with pytest.raises(IndexModelMismatch):
        other.search("wifi", k=1)


def test_adopting_drops_the_stale_table_of_the_new_model(tmp_path: Path, e5: CountingE5) -> None:
    other = LanceChunkStore(tmp_path / "index", OtherModel(), cache_path=tmp_path / "c.sqlite")
    other.upsert(PAGES[:1])  # the index was once built with `other`
    LanceChunkStore(tmp_path / "index", e5, cache_path=tmp_path / "c.sqlite").adopt_model()
    again = LanceChunkStore(tmp_path / "index", OtherModel(), cache_path=tmp_path / "c.sqlite")
    assert again.adopt_model() == e5.model_id
    tables = lancedb.connect(str(tmp_path / "index")).list_tables().tables
    assert table_name("other-model-1") not in tables and again.count() == 0
