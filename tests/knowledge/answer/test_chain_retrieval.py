"""The chain over the real ingestion + embedded store + bundled embeddings (no stand-ins)."""

from __future__ import annotations

import pytest

from knowledge.answer.chain import answer_question
from knowledge.answer.config import AnswerConfig
from knowledge.profile import Profile

DOCS = [
    (
        "en",
        "returns",
        "Returning an order",
        "You can return any order within 30 days of delivery.\n\n"
        "1. Log in to your account.\n2. Open Orders and choose Return.\n"
        "3. Print the label and drop the parcel at a pickup point.\n\n"
        "Refunds are paid within 14 days after we receive the parcel.",
    ),
    (
        "nl",
        "returns",
        "Een bestelling retourneren",
        "Je kunt elke bestelling binnen 30 dagen na levering retourneren.\n\n"
        "1. Log in op je account.\n2. Open Bestellingen en kies Retourneren.\n"
        "3. Print het label en lever het pakket af bij een afhaalpunt.\n\n"
        "Het geld wordt binnen 14 dagen na ontvangst van het pakket teruggestort.",
    ),
    (
        "en",
        "battery",
        "Battery warranty",
        "The battery of every e-bike has a warranty of two years or 500 charge cycles.",
    ),
    (
        "nl",
        "battery",
        "Garantie op de accu",
        "De accu van elke e-bike heeft twee jaar of 500 laadcycli garantie.",
    ),
]


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    from knowledge.ingest.chunking import chunk_document
    from knowledge.ingest.documents import make_document
    from knowledge.settings import Settings
    from knowledge.stores import build_store

    data = tmp_path_factory.mktemp("data")
    store = build_store(Settings(data_dir=data))
    chunks = []
    for lang, doc, title, text in DOCS:
        chunks += chunk_document(
            make_document(
                source="shop",
                doc_id=f"{lang}/{doc}",
                title=title,
                url=f"https://shop.example.com/{lang}/{doc}",
                text=text,
                language=lang,
            )
        )
    store.upsert(chunks)
    yield store
    store.close()


def ask(store, question, language):
    def retrieve(query, lang):
        return store.search(query, k=6, language=lang)

    return answer_question(
        question,
        language=language,
        retrieve=retrieve,
        composer="extractive",
        profile=Profile(),
        config=AnswerConfig(),
    )


def test_english_question_gets_english_answer_with_its_source(indexed):
    ans = ask(indexed, "How do I return my order?", "en")
    assert ans.kind == "answer"
    assert ans.sources[0].url.startswith("https://shop.example.com/en/returns")
    assert "Print the label" in ans.text


def test_dutch_question_gets_dutch_answer_with_dutch_source(indexed):
    ans = ask(indexed, "Hoe lang is de garantie op de accu?", "nl")
    assert ans.kind == "answer"
    assert ans.sources[0].url.startswith("https://shop.example.com/nl/battery")
    assert "500 laadcycli" in ans.text
    assert ans.text.startswith("Graag geholpen!")


def test_unrelated_question_is_handed_off(indexed):
    ans = ask(indexed, "Do you sell gift cards for birthdays?", "en")
    assert ans.kind == "handoff"
    assert ans.sources == ()


def test_the_hybrid_retriever_is_a_langchain_retriever_over_the_store(indexed, monkeypatch):
    """What a LangChain app gets from `HybridRetriever`: Documents carrying the chunk and its
    scores, exactly the hits `search()` returns, and a retriever run its callbacks see."""
    from langchain_core.callbacks import BaseCallbackHandler

    from knowledge.retrieval import HybridRetriever, hit_of

    monkeypatch.setattr("knowledge.stores.get_store", lambda: indexed)
    seen: list[str] = []

    class Retrievals(BaseCallbackHandler):
        def on_retriever_end(self, documents, **kwargs):
            seen.append(f"{len(documents)} documents")

    retriever = HybridRetriever(k=3, language="nl")
    docs = retriever.invoke("Hoe lang is de garantie op de accu?", {"callbacks": [Retrievals()]})
    assert docs[0].metadata["title"] == "Garantie op de accu"
    assert docs[0].metadata["url"] == "https://shop.example.com/nl/battery"
    direct = indexed.search("Hoe lang is de garantie op de accu?", k=3, language="nl")
    assert [hit_of(d) for d in docs] == direct
    assert seen == [f"{len(docs)} documents"]
    assert retriever.for_language("en").language == "en" and retriever.language == "nl"
