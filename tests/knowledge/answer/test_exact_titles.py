"""A question that is a section's title is answered from that section (issue 13).

Real ingestion, chunker, embedded store and bundled embeddings over a numbered FAQ in English
and Dutch, laid out as one page with numbered section headings and as one page per numbered
section, decided with the shipped thresholds (`bot/answering.yml`). Titles such as "1.7. How
do I return it?" used to be asked about ("Do you mean one of these?", that very section first).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from knowledge.answer.config import load_config
from knowledge.answer.decide import decide

ROOT = Path(__file__).resolve().parents[3]

FAQ_EN = """# Orders and delivery FAQ

## 1.1. How do I change my delivery address?

Open My orders, choose the order and click Change address. This works until the parcel ships.

## 1.2. How do I change my delivery date?

Choose Change delivery date in My orders. Any weekday in the next three weeks is possible.

## 1.3. How do I change my billing address?

Your billing address is under Account > Invoices. Invoices already sent keep the old address.

## 1.4. Can I change my order after paying?

You can add or remove items for 30 minutes after paying, from the order page.

## 1.5. How do I cancel my order?

Click Cancel order on the order page before it ships; the refund follows within 5 days.

## 1.6. Can I pause it?

A Flex subscription can be paused for up to two months in Account > Flex.

## 1.7. How do I return it?

Return an item within 30 days: print the label from My orders and drop the parcel off.
"""

FAQ_NL = """# Veelgestelde vragen over bestellen en bezorgen

## 1.1. Hoe wijzig ik mijn bezorgadres?

Open Mijn bestellingen, kies de bestelling en klik op Adres wijzigen, tot het pakket verzonden is.

## 1.2. Hoe wijzig ik mijn bezorgdatum?

Kies Bezorgdatum wijzigen in Mijn bestellingen. Elke werkdag in de komende drie weken kan.

## 1.3. Hoe wijzig ik mijn factuuradres?

Je factuuradres staat onder Account > Facturen. Verzonden facturen houden het oude adres.
"""

SECTIONS_EN = [
    line[3:].strip() for line in FAQ_EN.splitlines() if line.startswith("## ")
]  # "1.1. How do I change my delivery address?", ...
SECTIONS_NL = [line[3:].strip() for line in FAQ_NL.splitlines() if line.startswith("## ")]


def _documents(layout: str) -> list[dict[str, str]]:
    docs = []
    for lang, text in (("en", FAQ_EN), ("nl", FAQ_NL)):
        page = text.splitlines()[0][2:]
        if layout == "sections":
            url = f"https://shop.example.com/{lang}/faq"
            docs.append({"doc_id": f"{lang}/faq", "title": page, "url": url, "text": text})
            continue
        for part in re.split(r"^## ", text, flags=re.MULTILINE)[1:]:
            title, body = part.split("\n", 1)
            number = title.split()[0].strip(".")
            url = f"https://shop.example.com/{lang}/faq/{number}"
            docs.append({"doc_id": f"{lang}/{number}", "title": title, "url": url, "text": body})
    return docs


@pytest.fixture(scope="module", params=["sections", "pages"])
def store(request, tmp_path_factory):
    from knowledge.ingest.chunking import chunk_document
    from knowledge.ingest.documents import make_document
    from knowledge.settings import Settings
    from knowledge.stores import build_store

    data = tmp_path_factory.mktemp(f"faq-{request.param}")
    store = build_store(Settings(data_dir=data))
    chunks = []
    for doc in _documents(request.param):
        chunks += chunk_document(make_document(source="faq", language=doc["doc_id"][:2], **doc))
    store.upsert(chunks)
    yield store
    store.close()


def _decide(store, question: str, language: str):
    config = load_config(ROOT / "bot" / "answering.yml")
    hits = store.search(question, k=config.retrieve_k, language=language)
    return decide(question, hits, language=language, config=config)


@pytest.mark.parametrize(
    ("question", "language"),
    [(q, "en") for q in SECTIONS_EN] + [(q, "nl") for q in SECTIONS_NL],
)
def test_a_sections_numbered_title_is_answered_from_that_section(store, question, language):
    v = _decide(store, question, language)
    assert (v.kind, v.rule) == ("answer", "exact_title"), v
    assert _label(v.hits[0]) == question


def _label(hit) -> str:
    """The section a hit is: its heading on the one-page layout, its title on the other."""
    return hit.chunk.heading_path[-1] if hit.chunk.heading_path else hit.chunk.title


@pytest.mark.parametrize(
    ("question", "section"),
    [
        ("How do I change my delivery date?", "1.2. How do I change my delivery date?"),
        ("how do i cancel my order", "1.5. How do I cancel my order?"),
        ("Hoe wijzig ik mijn factuuradres", "1.3. Hoe wijzig ik mijn factuuradres?"),
    ],
)
def test_the_title_without_its_number_or_punctuation_is_the_same_section(store, question, section):
    language = "nl" if question.startswith("Hoe") else "en"
    v = _decide(store, question, language)
    assert (v.kind, _label(v.hits[0])) == ("answer", section)
