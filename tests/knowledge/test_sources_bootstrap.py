from __future__ import annotations

from pathlib import Path

import pytest

from knowledge import bootstrap
from knowledge.settings import Settings
from knowledge.sources.registry import get_registry
from tests.knowledge.fixtures.stores import RecordingStore


def settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]


def test_first_run_indexes_the_sample_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sample = tmp_path / "sample"
    (sample / "en").mkdir(parents=True)
    (sample / "en" / "hours.md").write_text("# Hours\n\nOpen nine to five.\n")
    (sample / "nl").mkdir()
    (sample / "nl" / "uren.md").write_text(
        "# Openingstijden\n\nWij zijn open van negen tot vijf.\n"
    )
    monkeypatch.setattr(bootstrap, "SAMPLE_DIR", sample)
    s = settings(tmp_path)
    store = RecordingStore()

    report = bootstrap.ensure_default_sources(s, store=store, progress=False)
    assert report is not None and report.ok
    assert store.doc_ids("sample") == {"en/hours.md", "nl/uren.md"}
    assert {c.language for c in store.rows.values()} == {"en", "nl"}

    store.reset_calls()
    assert bootstrap.ensure_default_sources(s, store=store, progress=False) is None
    assert store.upserted == []


def test_existing_sources_are_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings(tmp_path)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# A\n\nText.\n")
    reg = get_registry(s)
    reg.add("directory", str(docs), name="mine")
    reg.mark_synced("mine")
    reg.close()
    store = RecordingStore()
    assert bootstrap.ensure_default_sources(s, store=store, progress=False) is None
    reg = get_registry(s)
    assert [x.name for x in reg.list()] == ["mine"]
    reg.close()


def test_shipped_sample_chunks_cleanly() -> None:
    """The real sample help centre: every file loads and chunks, in English and Dutch."""
    from knowledge.ingest.chunking import chunk_document
    from knowledge.ingest.loaders import iter_files, load_file

    files = list(iter_files(bootstrap.SAMPLE_DIR))
    if not files:
        pytest.skip("sample help centre not written yet")
    langs = set()
    for path in files:
        doc = load_file(path, source="sample", doc_id=path.name)
        chunks = chunk_document(doc)
        assert chunks, path
        langs |= {c.language for c in chunks}
    assert {"en", "nl"} <= langs
