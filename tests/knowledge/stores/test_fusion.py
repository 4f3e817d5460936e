from __future__ import annotations

import pytest

from knowledge.stores.base import Candidate, fuse, keyword_scores, same_language, vector_score
from tests.knowledge.stores.conftest import chunk


def test_vector_score_maps_cosine_band_onto_unit_interval() -> None:
    assert vector_score(0.72, 0.72, 0.92) == 0.0
    assert vector_score(0.82, 0.72, 0.92) == pytest.approx(0.5)
    assert vector_score(0.99, 0.72, 0.92) == 1.0
    assert vector_score(0.10, 0.72, 0.92) == 0.0
    assert vector_score(None, 0.72, 0.92) == 0.0


def test_keyword_scores_are_relative_to_best_and_keep_order() -> None:
    scores = keyword_scores({"a": 8.0, "b": 4.0, "c": 0.4})
    assert scores["a"] == pytest.approx(1.0)
    assert 1.0 > scores["b"] > scores["c"] > 0.0
    assert keyword_scores({}) == {}
    assert keyword_scores({"a": 0.0}) == {"a": 0.0}


def test_same_language_ignores_region_and_treats_unknown_as_match() -> None:
    assert same_language("nl", "nl-BE")
    assert not same_language("en", "nl")
    assert same_language("en", None)


def _cands() -> list[Candidate]:
    return [
        Candidate(chunk("a", "x", lang="nl"), cosine=0.80, bm25=10.0),
        Candidate(chunk("b", "x", lang="en"), cosine=0.86, bm25=None),
        Candidate(chunk("c", "x", lang="nl"), cosine=0.84, bm25=None),
    ]


def test_keyword_evidence_counts_only_in_the_query_language() -> None:
    hits = fuse(_cands(), k=3, alpha=0.5, language="nl", floor=0.72, ceiling=0.92)
    by_id = {h.chunk.id: h for h in hits}
    # a: same language with the only keyword match -> lifted above the better dense match
    assert hits[0].chunk.id == "a"
    assert by_id["a"].score == pytest.approx(0.4 + 0.5 * 1.0 * (1 - 0.4))
    # b: other language -> its score is its vector score, keyword side not applied
    assert by_id["b"].score == pytest.approx(by_id["b"].vector_score)
    assert by_id["b"].keyword_score is None
    assert all(0.0 <= h.score <= 1.0 for h in hits)


def test_keyword_lift_never_lowers_a_dense_score() -> None:
    hits = fuse(_cands(), k=3, alpha=0.2, language="nl", floor=0.72, ceiling=0.92)
    for h in hits:
        assert h.score >= h.vector_score
    c = next(h for h in hits if h.chunk.id == "c")
    assert c.score == pytest.approx(c.vector_score)  # same language, no keyword match: no penalty


def test_cross_language_keyword_weight_is_opt_in() -> None:
    cands = [
        Candidate(chunk("en1", "x", lang="en"), cosine=0.80, bm25=5.0),
        Candidate(chunk("en2", "x", lang="en"), cosine=0.82, bm25=None),
    ]
    off = fuse(cands, k=2, alpha=0.5, language="nl", floor=0.72, ceiling=0.92)
    assert [h.chunk.id for h in off] == ["en2", "en1"]
    on = fuse(cands, k=2, alpha=0.5, language="nl", floor=0.72, ceiling=0.92, cross_weight=0.3)
    assert [h.chunk.id for h in on] == ["en1", "en2"]
    assert on[0].score == pytest.approx(0.7 * 0.4 + 0.3 * 1.0)


def test_alpha_one_is_dense_order_and_k_truncates() -> None:
    hits = fuse(_cands(), k=2, alpha=1.0, language="nl", floor=0.72, ceiling=0.92)
    assert [h.chunk.id for h in hits] == ["b", "c"]
