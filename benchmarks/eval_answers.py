"""Answering eval: decisions, cited sources, reply language and latency per turn.

Runs the real chain (`knowledge.answer.chain.answer_question`: retrieval -> decision ->
composition) over two indexes built with the real ingestion and store, cached under
`var/eval/` so reruns skip embedding:

- MTRAG-UN dev (`../shared/eval/mtrag-un/tasks.dev.jsonl`, index = `pool_corpus.jsonl`, each
  passage one document, questions with their `history`): decision confusion matrix per expected
  behaviour, cited-source precision against `reference_passage_ids`, language match, latency.
- Help corpora in English and Dutch (GNOME Help, Firefox Relay FAQ, Onetime Secret docs, both
  languages in one mixed index): page titles / descriptions / FAQ questions as questions in each
  language (expected: answer, gold = that page). One GNOME page in five is left out of the index
  and its questions are expected to be handed off (unanswerable by construction).

    .venv/bin/python benchmarks/eval_answers.py                 # default (make eval)
    .venv/bin/python benchmarks/eval_answers.py --limit 50      # fewer questions per set
    .venv/bin/python benchmarks/eval_answers.py --json out.json # also write the figures

Data: third-party, licences in ../shared/eval/README.md (MTRAG-UN Apache-2.0, GNOME Help
CC BY-SA 3.0, Relay FAQ MPL-2.0, Onetime Secret MIT).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EVAL = ROOT.parent / "shared" / "eval"
KINDS = ("answer", "clarify", "handoff")
EXPECTED = {
    "answer": "answer",
    "decline_or_handoff": "handoff",
    "ask_clarifying_question": "clarify",
    "partial_answer_and_flag_gap": "answer",  # an answer is expected (with the gap flagged)
}


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def use_data_dir(path: Path) -> None:
    """Point the settings and the shared store at `path` (one index per eval set)."""
    from knowledge.settings import get_settings
    from knowledge.stores import reset_store

    os.environ["CUSTOMER_AGENT_DATA"] = str(path)
    get_settings.cache_clear()
    reset_store()


def optimize(store: Any) -> None:
    """Fold the new rows into the keyword indexes and compact, as `customer-agent sync` does
    after every change: without it the turn's latency measured here is that of an index no
    deployment serves (MTRAG-UN pool: p50 166 -> 72 ms per turn)."""
    fold = getattr(store, "optimize", None)
    if callable(fold):
        fold()


def build_index(docs: list[dict[str, str]], marker: Path, desc: str) -> None:
    """Chunk + upsert `docs` unless `marker` says this exact set is already indexed."""
    from knowledge.ingest.chunking import chunk_document
    from knowledge.ingest.documents import make_document
    from knowledge.stores import get_store

    key = f"{len(docs)}:{sum(len(d['text']) for d in docs)}"
    if marker.exists() and marker.read_text() == key and get_store().count() > 0:
        optimize(get_store())  # an index built before the builder optimized
        return
    store = get_store()
    batch: list[Any] = []
    for d in tqdm(docs, desc=f"index {desc}", unit="doc", disable=not sys.stderr.isatty()):
        batch.extend(chunk_document(make_document(**d)))
        if len(batch) >= 64:
            store.upsert(batch)
            batch = []
    if batch:
        store.upsert(batch)
    optimize(store)
    marker.write_text(key)


def doc_key(url: str) -> str:
    return url.split("#", 1)[0]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


_NO_LANGUAGE = re.compile(r"```.*?```|\]\([^)]*\)|https?://\S+", re.DOTALL)


def reply_language(text: str, fallback: str) -> str:
    """Language of a reply's words: code blocks and link targets are in no language."""
    from knowledge.language import detect

    found = detect(_NO_LANGUAGE.sub(" ", text))
    return found.language or fallback


def run_items(items: list[dict[str, Any]], desc: str) -> list[dict[str, Any]]:
    """Ask every item through the chain; adds kind, cited docs, reply language and latency."""
    from knowledge.answer.chain import answer_question
    from knowledge.answer.responses import as_visitor_sees
    from knowledge.types import Turn

    out = []
    for item in tqdm(items, desc=desc, unit="q", disable=not sys.stderr.isatty()):
        history = [
            Turn("user" if t["role"] == "user" else "agent", t["text"])
            for t in item.get("history", [])
        ]
        start = time.perf_counter()
        ans = answer_question(
            item["question"], language=item["lang"], history=history, composer="extractive"
        )
        latency = (time.perf_counter() - start) * 1000
        ans = as_visitor_sees(ans)  # a handoff's text is the domain response the visitor reads
        body = ans.text.split("\n\n", 1)[-1] if ans.kind == "answer" else ans.text
        body = body if len(_NO_LANGUAGE.sub("", body).strip()) > 20 else ans.text
        out.append(
            {
                **item,
                "kind": ans.kind,
                "reason": ans.reason,
                "confidence": ans.confidence,
                "cited": [doc_key(s.url) for s in ans.sources],
                "reply_lang": reply_language(body, item["lang"]),
                "question_lang": reply_language(item["question"], item["lang"]),
                "framing_lang": reply_language(ans.text.split("\n", 1)[0], item["lang"]),
                "latency_ms": latency,
            }
        )
    return out


def summarise(results: list[dict[str, Any]]) -> dict[str, Any]:
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    for r in results:
        confusion[r["group"]][r["kind"]] += 1
    per_group = {
        g: {
            "n": sum(c.values()),
            **{k: c[k] for k in KINDS},
            "correct": round(c[EXPECTED_GROUP[g]] / max(1, sum(c.values())), 3),
        }
        for g, c in confusion.items()
    }
    answered = [r for r in results if r["kind"] == "answer" and r["gold"]]
    cited = sum(len(r["cited"]) for r in answered)
    relevant = sum(len(set(r["cited"]) & set(r["gold"])) for r in answered)
    hit_any = sum(bool(set(r["cited"]) & set(r["gold"])) for r in answered)
    lat = [r["latency_ms"] for r in results]
    by_lang: dict[str, list[bool]] = defaultdict(list)
    for r in results:
        by_lang[r["lang"]].append(r["framing_lang"] == r["lang"])
    # bodies quote the corpus: judged only where the question is in its labelled language
    # (some "Dutch" help-page descriptions were never translated and ask in English)
    answers_lang: dict[str, list[bool]] = defaultdict(list)
    mislabelled = Counter(r["lang"] for r in results if r["question_lang"] != r["lang"])
    for r in results:
        if r["kind"] == "answer" and r["question_lang"] == r["lang"]:
            answers_lang[r["lang"]].append(r["reply_lang"] == r["lang"])
    correct = sum(r["kind"] == EXPECTED_GROUP[r["group"]] for r in results)
    return {
        "n": len(results),
        "decision_accuracy": round(correct / max(1, len(results)), 3),
        "per_expected": per_group,
        "cited_precision": round(relevant / cited, 3) if cited else None,
        "answers_citing_a_gold_source": round(hit_any / len(answered), 3) if answered else None,
        "reply_language_match": {k: round(sum(v) / len(v), 3) for k, v in by_lang.items()},
        "answer_body_language_match": {
            k: round(sum(v) / len(v), 3) for k, v in answers_lang.items()
        },
        "questions_not_in_their_labelled_language": dict(mislabelled),
        "latency_ms": {
            "p50": round(percentile(lat, 0.5), 1),
            "p95": round(percentile(lat, 0.95), 1),
        },
    }


EXPECTED_GROUP: dict[str, str] = {
    "ANSWERABLE": "answer",
    "PARTIAL": "answer",
    "UNANSWERABLE": "handoff",
    "UNDERSPECIFIED": "clarify",
    "answerable": "answer",
    "held_out": "handoff",
}


def mtrag(data_dir: Path, limit: int | None, pool_size: int = 0) -> list[dict[str, Any]]:
    return run_items(mtrag_items(data_dir, limit, pool_size), "mtrag-un")


def mtrag_items(data_dir: Path, limit: int | None, pool_size: int = 0) -> list[dict[str, Any]]:
    """MTRAG-UN dev questions over the indexed pool (built on first use).

    With `pool_size`, the index holds the reference passages of the chosen tasks plus other
    pool passages (distractors, in file order) up to that size; 0 = the whole pool.
    """
    use_data_dir(data_dir)
    pool = read_jsonl(EVAL / "mtrag-un" / "pool_corpus.jsonl")
    tasks = read_jsonl(EVAL / "mtrag-un" / "tasks.dev.jsonl")
    if limit:
        tasks = stratified(tasks, "answerability", limit)
    if pool_size:
        refs = {i for t in tasks for i in t["reference_passage_ids"]}
        others = [p for p in pool if p["id"] not in refs]
        pool = [p for p in pool if p["id"] in refs] + others[: max(0, pool_size - len(refs))]
    docs = [
        {
            "source": f"mtrag-{p['domain']}",
            "doc_id": p["id"],
            "title": p.get("title") or "",
            "url": f"mtrag:{p['id']}",
            "language": "en",
            "text": p["text"],
        }
        for p in pool
    ]
    print(f"mtrag-un: {len(tasks)} tasks, index of {len(docs)} pool passages", file=sys.stderr)
    build_index(docs, data_dir / "indexed.txt", "mtrag pool")
    return [
        {
            "id": t["task_id"],
            "group": t["answerability"],
            "lang": "en",
            "question": t["question"],
            "history": t["history"],
            "gold": [f"mtrag:{i}" for i in t["reference_passage_ids"]],
        }
        for t in tasks
    ]


def stratified(rows: list[dict[str, Any]], key: str, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` rows, keeping each group's share (deterministic: first rows of each)."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[r[key]].append(r)
    out: list[dict[str, Any]] = []
    for members in groups.values():
        out.extend(members[: max(1, round(limit * len(members) / len(rows)))])
    return out


def help_corpora(data_dir: Path, limit: int | None, gnome_pages: int = 0) -> list[dict[str, Any]]:
    return run_items(help_items(data_dir, limit, gnome_pages), "help en+nl")


def cross_items(data_dir: Path, limit: int | None, gnome_pages: int = 0) -> list[dict[str, Any]]:
    """Dutch questions over the English pages only: a company whose content is in one language.

    Same pages and questions as `help_items`; the embedding cache of the mixed index is reused
    (same texts), so this costs no embedding when the help set ran first.
    """
    shared = data_dir.parent / f"help-{gnome_pages}" / "cache" / "embeddings.sqlite"
    before = os.environ.get("CUSTOMER_AGENT_EMBEDDING_CACHE")
    if shared.exists():
        os.environ["CUSTOMER_AGENT_EMBEDDING_CACHE"] = str(shared)
    try:
        return help_items(data_dir, limit, gnome_pages, index_langs=("en",), ask_langs=("nl",))
    finally:
        if before is None:
            os.environ.pop("CUSTOMER_AGENT_EMBEDDING_CACHE", None)
        else:
            os.environ["CUSTOMER_AGENT_EMBEDDING_CACHE"] = before


def help_items(
    data_dir: Path,
    limit: int | None,
    gnome_pages: int = 0,
    index_langs: tuple[str, ...] = ("en", "nl"),
    ask_langs: tuple[str, ...] = ("en", "nl"),
) -> list[dict[str, Any]]:
    """Help-centre questions in `ask_langs` over an index of the pages in `index_langs`.

    A question's gold is its page in every indexed language (built on first use).
    """
    use_data_dir(data_dir)
    gnome = read_jsonl(EVAL / "gnome-help" / "gnome_help_en_nl.jsonl")
    if gnome_pages:
        gnome = gnome[:gnome_pages]
    relay = read_jsonl(EVAL / "relay-faq" / "relay_faq_en_nl.jsonl")
    ots = read_jsonl(EVAL / "onetimesecret" / "onetimesecret_en_nl.jsonl")
    docs: list[dict[str, str]] = []
    items: list[dict[str, Any]] = []
    for i, page in enumerate(gnome):
        held_out = i % 5 == 4
        urls = {lang: f"https://help.gnome.org/{lang}/{page['id']}" for lang in index_langs}
        for lang in index_langs:
            if not held_out:
                docs.append(
                    {
                        "source": "gnome-help",
                        "doc_id": f"{lang}/{page['id']}",
                        "title": page[f"title_{lang}"],
                        "url": urls[lang],
                        "language": lang,
                        "text": page[f"markdown_{lang}"],
                    }
                )
        for lang in ask_langs:
            question = page.get(f"desc_{lang}") or page[f"title_{lang}"]
            items.append(
                {
                    "id": f"gnome:{lang}:{page['id']}",
                    "lang": lang,
                    "group": "held_out" if held_out else "answerable",
                    "question": question,
                    "gold": [] if held_out else list(urls.values()),
                }
            )
    for faq in relay:
        urls = {lang: f"https://relay.firefox.com/{lang}/faq#{faq['id']}" for lang in index_langs}
        for lang in index_langs:
            docs.append(
                {
                    "source": "relay-faq",
                    "doc_id": f"{lang}/{faq['id']}",
                    "title": faq[f"question_{lang}"],
                    "url": urls[lang],
                    "language": lang,
                    "text": faq[f"answer_{lang}"],
                }
            )
        for lang in ask_langs:
            items.append(
                {
                    "id": f"relay:{lang}:{faq['id']}",
                    "lang": lang,
                    "group": "answerable",
                    "question": faq[f"question_{lang}"],
                    "gold": [doc_key(u) for u in urls.values()],
                }
            )
    for page in ots:
        urls = {
            lang: f"https://docs.onetimesecret.com/{lang}/{page['path']}" for lang in index_langs
        }
        for lang in index_langs:
            docs.append(
                {
                    "source": "onetimesecret",
                    "doc_id": f"{lang}/{page['path']}",
                    "title": page[f"title_{lang}"],
                    "url": urls[lang],
                    "language": lang,
                    "text": page[f"markdown_{lang}"],
                }
            )
        for lang in ask_langs:
            items.append(
                {
                    "id": f"ots:{lang}:{page['path']}",
                    "lang": lang,
                    "group": "answerable",
                    "question": page[f"title_{lang}"],
                    "gold": list(urls.values()),
                }
            )
    build_index(docs, data_dir / "indexed.txt", "help corpora en+nl")
    if limit:
        items = stratified(items, "group", limit)
    return items


def print_summary(name: str, s: dict[str, Any]) -> None:
    print(f"\n== {name}: {s['n']} questions, decision accuracy {s['decision_accuracy']:.1%}")
    print(f"{'expected':<16}{'n':>5}{'answer':>8}{'clarify':>8}{'handoff':>8}{'correct':>9}")
    for group, row in sorted(s["per_expected"].items()):
        print(
            f"{group:<16}{row['n']:>5}{row['answer']:>8}{row['clarify']:>8}"
            f"{row['handoff']:>8}{row['correct']:>9.1%}"
        )
    print(
        f"cited-source precision: {s['cited_precision']}  "
        f"answers citing a gold source: {s['answers_citing_a_gold_source']}"
    )
    print(
        f"reply language match (framing): {s['reply_language_match']}  "
        f"(answer bodies: {s['answer_body_language_match']}; questions not in their "
        f"labelled language, left out of the body figure: "
        f"{s['questions_not_in_their_labelled_language']})"
    )
    print(f"latency per turn: p50 {s['latency_ms']['p50']} ms, p95 {s['latency_ms']['p95']} ms")


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "eval")
    parser.add_argument("--limit", type=int, default=None, help="questions per set (stratified)")
    parser.add_argument(
        "--mtrag-tasks", type=int, default=0, help="MTRAG-UN dev tasks (stratified; 0 = all 203)"
    )
    parser.add_argument(
        "--pool",
        type=int,
        default=0,
        help="MTRAG-UN passages indexed (gold of the tasks + distractors; 0 = all)",
    )
    parser.add_argument(
        "--sets",
        default="mtrag,help,cross",
        help="comma list: mtrag,help,cross (cross: nl questions, en pages only)",
    )
    parser.add_argument(
        "--gnome-pages",
        type=int,
        default=100,
        help="GNOME pages in the help index (0 = all 296; embedding is the cost)",
    )
    parser.add_argument("--json", type=Path, help="write summaries and per-question rows here")
    parser.add_argument("--dump", type=Path, help="write per-question results (JSONL)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    os.environ.setdefault("CUSTOMER_AGENT_COMPOSER", "extractive")
    from knowledge.logs import configure_logging

    configure_logging()
    sets = {
        "mtrag": lambda d, n: mtrag(d, n, args.pool),
        "help": lambda d, n: help_corpora(d, n, args.gnome_pages),
        "cross": lambda d, n: run_items(
            cross_items(d, n, args.gnome_pages), "nl questions, en pages"
        ),
    }
    report: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    for name in args.sets.split(","):
        if name == "mtrag":
            subdir = f"mtrag-{args.mtrag_tasks}-{args.pool}"
            results = sets[name](args.data_dir / subdir, args.mtrag_tasks or None)
        else:
            subdir = f"{name}-{args.gnome_pages}"
            results = sets[name](args.data_dir / subdir, args.limit)
        rows.extend({**r, "set": name} for r in results)
        report[name] = summarise(results)
        print_summary(name, report[name])
        if name == "help":
            for lang in ("en", "nl"):
                sub = [r for r in results if r["lang"] == lang]
                report[f"help-{lang}"] = summarise(sub)
                print_summary(f"help, {lang} questions", report[f"help-{lang}"])
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
