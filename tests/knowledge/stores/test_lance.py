from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from knowledge.stores import ChunkStore
from knowledge.stores.lance import LanceChunkStore, kw_column, where_clause
from tests.knowledge.stores.conftest import PAGES, CountingE5, chunk


def test_implements_the_store_protocol(store: LanceChunkStore) -> None:
    assert isinstance(store, ChunkStore)


def test_empty_store_answers_without_creating_anything(store: LanceChunkStore) -> None:
    assert store.search("anything") == []
    assert store.count() == 0
    assert store.delete("help") == 0


def test_upsert_counts_and_skips_unchanged_chunks(store: LanceChunkStore, e5: CountingE5) -> None:
    assert store.upsert(PAGES) == len(PAGES)
    assert store.count() == 5 and store.count("help") == 4 and store.count("power") == 1
    before = len(e5.embedded)
    assert store.upsert(PAGES) == 0  # nothing changed: nothing written, nothing embedded
    assert len(e5.embedded) == before

    changed = replace(
        PAGES[0], text=PAGES[0].text + " Forget a network in the same menu.", content_hash="new"
    )
    assert store.upsert([changed]) == 1
    assert len(e5.embedded) == before + 1
    assert store.count() == 5
    hit = store.search("forget a wireless network", language="en", k=1)[0]
    assert hit.chunk.text.endswith("same menu.")


def test_metadata_change_rewrites_without_reembedding(store: LanceChunkStore, e5: CountingE5):
    store.upsert(PAGES[:1])
    before = len(e5.embedded)
    moved = replace(PAGES[0], url="https://example.test/moved")
    assert store.upsert([moved]) == 1
    assert len(e5.embedded) == before  # same text: vector from the cache
    assert store.search("wifi password", k=1)[0].chunk.url == "https://example.test/moved"


def test_delete_by_document_and_by_source(store: LanceChunkStore) -> None:
    store.upsert(PAGES)
    assert store.delete("help", ["wifi-en", "unknown"]) == 1
    assert store.count("help") == 3
    assert store.delete("help", []) == 0
    assert store.delete("help") == 3
    assert store.count() == 1
    assert {h.chunk.source for h in store.search("printer", k=5)} == {"power"}


def test_persists_across_reopen(tmp_path: Path, e5: CountingE5) -> None:
    s = LanceChunkStore(tmp_path / "i", e5, cache_path=tmp_path / "c.sqlite")
    s.upsert(PAGES)
    s.close()
    again = LanceChunkStore(tmp_path / "i", e5, cache_path=tmp_path / "c.sqlite")
    assert again.count() == 5
    assert again.search("add a printer", language="en", k=1)[0].chunk.id == "printer-en"
    assert again.size_bytes() > 0


def test_search_ranks_relevant_chunk_first_in_each_language(filled: LanceChunkStore) -> None:
    en = filled.search("How do I connect to Wi-Fi?", language="en", k=3)
    assert en[0].chunk.id == "wifi-en"
    nl = filled.search("Hoe voeg ik een printer toe?", language="nl", k=3)
    assert nl[0].chunk.id == "printer-nl"
    for h in en + nl:
        assert 0.0 <= h.score <= 1.0 and h.vector_score is not None
    assert [h.score for h in en] == sorted((h.score for h in en), reverse=True)


def test_dutch_question_finds_english_page_by_meaning(filled: LanceChunkStore) -> None:
    hits = filled.search("Mijn batterij is snel leeg", language="nl", k=3, languages=["en"])
    assert hits[0].chunk.id == "battery-en"
    assert hits[0].keyword_score is None  # no Dutch keyword evidence on an English chunk
    assert all(h.chunk.language == "en" for h in hits)


def test_keyword_side_only_matches_query_language(filled: LanceChunkStore) -> None:
    hits = filled.search("printer", language="nl", k=5)
    kw = {h.chunk.id: h.keyword_score for h in hits}
    assert kw["printer-nl"] is not None and kw["printer-nl"] > 0
    assert kw.get("printer-en") is None
    assert filled.keyword_search("printer", language="en", k=5)[0].chunk.id == "printer-en"


def test_source_filter_and_quotes_in_names(filled: LanceChunkStore) -> None:
    assert {h.chunk.source for h in filled.search("battery", sources=["power"], k=5)} == {"power"}
    assert filled.search("battery", sources=["x' OR '1'='1"], k=5) == []
    assert filled.count("x' OR '1'='1") == 0


def test_blank_query_and_zero_k(filled: LanceChunkStore) -> None:
    assert filled.search("   ") == []
    assert filled.search("printer", k=0) == []


def test_helpers() -> None:
    assert kw_column("nl") == "kw_nl" and kw_column("nl-BE") == "kw_nl"
    assert kw_column("ja") == "kw_xx" and kw_column(None) == "kw_xx"
    assert where_clause() is None
    assert where_clause(["a'b"], ["en"]) == "source IN ('a''b') AND language IN ('en')"


def test_unknown_language_chunks_are_keyword_searchable(store: LanceChunkStore) -> None:
    store.upsert([chunk("ja-1", "Wi-Fi パスワード", lang="ja"), *PAGES[:1]])
    hits = store.search("パスワード", language="ja", k=2)
    assert hits[0].chunk.id == "ja-1" and hits[0].keyword_score


def test_unchanged_check_sees_every_row_of_a_source(store: LanceChunkStore) -> None:
    many = [chunk(f"faq-{i}", f"Question {i}: how to use feature {i}?") for i in range(25)]
    assert store.upsert(many) == 25
    assert store.upsert(many) == 0  # no query default limit hides rows from the check
    assert store.count("help") == 25
