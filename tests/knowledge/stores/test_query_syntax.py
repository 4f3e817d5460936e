"""Visitor text reaches the keyword index as plain terms, whatever it contains."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.stores.base import MAX_KEYWORD_TERMS, MAX_TERM_CHARS, keyword_terms
from knowledge.stores.lance import LanceChunkStore
from tests.knowledge.stores.conftest import PAGES

NASTY = [
    '"How long does delivery to Belgium take?"',
    '"printer',
    "title:printer",
    "printer AND NOT wifi",
    "printer OR",
    "(printer [wifi] {battery})",
    "print* ~wifi^2 wi?i",
    "+printer -wifi",
    "printer && wifi || !battery",
    'add a "printer" \\" \\\\ ',
    "🖨️ printer 🤖",
    "كيف أضيف طابعة؟ printer",
    "איך מוסיפים מדפסת printer",
    "printer " * 400,  # 3,200 characters
    "x" * 2000,
    "\x00printer\x1f",
    "'; DROP TABLE chunks; --",
    "_",
    "?!",
]


def test_terms_keep_words_and_drop_syntax() -> None:
    assert keyword_terms('"How long does delivery to Belgium take?"') == (
        "how long does delivery to belgium take"
    )
    assert keyword_terms("title:printer AND (wifi*)") == "title printer and wifi"
    assert keyword_terms("+printer -wifi ~2 ^3") == "printer wifi 2 3"
    assert keyword_terms("snake_case_word") == "snake case word"
    assert keyword_terms("🤖 ?!") == ""
    assert keyword_terms("Wie lange dauert die Lieferung nach Österreich?").startswith("wie")
    assert len(keyword_terms("word " * 500).split()) == MAX_KEYWORD_TERMS
    assert keyword_terms("y" * 5000) == "y" * MAX_TERM_CHARS


@pytest.mark.parametrize("query", NASTY)
def test_nasty_queries_search_without_raising(filled: LanceChunkStore, query: str) -> None:
    hits = filled.search(query, language="en", k=3)  # the real model and both sides
    assert all(0.0 <= h.score <= 1.0 for h in hits)
    for language in ("nl", None):
        assert isinstance(filled.keyword_search(query, language=language, k=3), list)


def test_quoted_question_finds_what_the_unquoted_one_finds(filled: LanceChunkStore) -> None:
    plain = filled.keyword_search("How do I add a printer", language="en", k=1)
    quoted = filled.keyword_search('"How do I add a printer?"', language="en", k=1)
    assert quoted and quoted[0].chunk.id == plain[0].chunk.id == "printer-en"
    assert quoted[0].score == pytest.approx(plain[0].score)


def test_operators_are_words_not_logic(filled: LanceChunkStore) -> None:
    # as a query string "printer AND battery" would require both words: no chunk has both
    hits = filled.keyword_search("printer AND battery", language="en", k=5)
    assert {"printer-en", "battery-en"} <= {h.chunk.id for h in hits}


@pytest.fixture(scope="module")
def fast_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LanceChunkStore]:
    """PAGES under a cheap deterministic embedding: the property is about the keyword side, and
    the real model would spend minutes embedding hundreds of random queries."""
    from langchain_core.embeddings import DeterministicFakeEmbedding

    root: Path = tmp_path_factory.mktemp("fast")
    store = LanceChunkStore(root / "index", DeterministicFakeEmbedding(size=16))
    store.upsert(PAGES)
    yield store
    store.close()


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.one_of(
        st.text(max_size=300),
        st.text(alphabet=st.sampled_from("\"':()[]{}*?~^+-!&|\\/ ANDORNOTprinter"), max_size=80),
        st.lists(st.sampled_from(NASTY), min_size=1, max_size=3).map(" ".join),
    )
)
def test_no_input_raises(fast_store: LanceChunkStore, query: str) -> None:
    terms = keyword_terms(query)
    assert all(t.isalnum() for t in terms.split())  # nothing but words reaches the index
    assert len(terms.split()) <= MAX_KEYWORD_TERMS
    for language in ("en", "nl", None):
        hits = fast_store.search(query, language=language, k=3)
        assert all(0.0 <= h.score <= 1.0 for h in hits)
