"""Fallback language first (knowledge/answer/fallback.py), over fixed hits and over the sample.

The sample tests index the shipped help centre (knowledge/sample/, English + Dutch) with the
real chunker, store and bundled embeddings, and decide with the shipped thresholds: German,
French and Spanish visitors get the English page of the right topic, not the Dutch page that
ranks first nor an English neighbour ("Renting a spare battery" for the battery warranty).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from knowledge.answer.config import load_config
from knowledge.answer.decide import decide
from knowledge.answer.fallback import needs_translation, with_fallback_translation

from .conftest import make_hit

ROOT = Path(__file__).resolve().parents[3]

GARANTIE = make_hit("Garantie", "De accu heeft twee jaar garantie.", 0.70, lang="nl", doc="nl/g")
RENTAL = make_hit("Renting a spare battery", "Rent a second battery.", 0.65, doc="en/rent")
WARRANTY = make_hit("Warranty", "The battery has a two-year warranty.", 0.62, doc="en/w")


def test_content_in_the_visitors_language_needs_no_translation(config):
    dutch = replace(config, fallback_languages=("en",))
    assert not needs_translation([GARANTIE, RENTAL], "nl", dutch)
    assert needs_translation([GARANTIE, RENTAL], "de", dutch)
    better = make_hit("Warranty", WARRANTY.chunk.text, 0.8, doc="en/w")
    assert not needs_translation([GARANTIE, better], "de", dutch)  # best match is English
    assert not needs_translation([GARANTIE], "de", replace(dutch, fallback_languages=()))


def test_the_best_matchs_translation_replaces_it(config):
    asked: list[tuple[str, str]] = []

    def search(query: str, language: str):
        asked.append((query, language))
        return [make_hit("Warranty", WARRANTY.chunk.text, 0.9, doc="en/w"), RENTAL]

    hits = with_fallback_translation([GARANTIE, RENTAL, WARRANTY], "de", config, search)
    assert [h.chunk.doc_id for h in hits] == ["en/w", "en/rent"]
    assert (hits[0].score, hits[0].vector_score) == (GARANTIE.score, GARANTIE.vector_score)
    assert asked == [(f"{GARANTIE.chunk.title}\n{GARANTIE.chunk.text}", "en")]


def test_no_translation_close_enough_leaves_the_hits_alone(config):
    def search(query: str, language: str):
        return [make_hit("Warranty", WARRANTY.chunk.text, 0.5, doc="en/w")]

    hits = [GARANTIE, RENTAL]
    assert with_fallback_translation(hits, "de", config, search) == hits


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    from knowledge import bootstrap
    from knowledge.ingest.chunking import chunk_document
    from knowledge.ingest.loaders import iter_files, load_file
    from knowledge.settings import Settings
    from knowledge.stores import build_store

    store = build_store(Settings(data_dir=tmp_path_factory.mktemp("sample")))
    chunks = []
    for path in iter_files(bootstrap.SAMPLE_DIR):
        doc_id = str(path.relative_to(bootstrap.SAMPLE_DIR))
        chunks += chunk_document(load_file(path, source="sample", doc_id=doc_id))
    store.upsert(chunks)
    yield store
    store.close()


@pytest.mark.parametrize(
    ("language", "question", "title"),
    [
        ("de", "Wie lange gilt die Garantie auf den Akku?", "Warranty and repairs"),
        ("fr", "Combien de temps dure la garantie de la batterie ?", "Warranty and repairs"),
        ("es", "¿Cuánto tiempo dura la garantía de la batería?", "Warranty and repairs"),
        ("de", "Was kostet der Versand?", "Shipping costs and delivery times"),
        ("fr", "Combien coûte la livraison ?", "Shipping costs and delivery times"),
        ("de", "Wie lange dauert die Lieferung nach Belgien?", "Shipping costs and delivery times"),
    ],
)
def test_visitors_in_other_languages_get_the_english_page(sample_store, language, question, title):
    config = load_config(ROOT / "bot" / "answering.yml")

    def search(query: str, lang: str):
        return sample_store.search(query, k=config.retrieve_k, language=lang)

    hits = with_fallback_translation(search(question, language), language, config, search)
    v = decide(question, hits, language=language, config=config)
    assert v.kind == "answer"
    assert {h.chunk.language for h in v.hits} == {"en"}
    assert v.hits[0].chunk.title == title


@pytest.mark.parametrize(
    ("language", "question"),
    [
        ("de", "Wie lange gilt die Garantie auf den Akku?"),
        ("fr", "Combien de temps dure la garantie de la batterie ?"),
        ("es", "¿Cuánto tiempo dura la garantía de la batería?"),
    ],
)
def test_the_chain_quotes_the_english_page_to_a_third_language_visitor(
    sample_store, language, question
):
    from knowledge.answer.chain import answer_question
    from knowledge.profile import Profile

    config = load_config(ROOT / "bot" / "answering.yml")
    ans = answer_question(
        question,
        language=language,
        retrieve=lambda q, lang: sample_store.search(q, k=config.retrieve_k, language=lang),
        composer="extractive",
        profile=Profile(),
        config=config,
    )
    assert ans.kind == "answer"
    assert [s.title for s in ans.sources] == ["Warranty and repairs"]
    assert "800 full charge cycles" in ans.text  # the English warranty table
