"""`customer-agent search`: the ranked chunks retrieval returns, to see why the agent answered.

One query prints a ranked list (or JSON with `--json`); `--batch FILE.jsonl` runs many queries in
one process, so the model loads once: input lines `{"id", "question", "lang"?, "history"?}`,
output lines `{"id", "results": [{"source", "title", "url", "language", "score"}, ...]}`; an
item that cannot be read or searched becomes `{"id", "line", "error"}` and the batch goes on (the
exit status is 1 when any item failed).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

RESULT_KEYS = ("source", "title", "url", "language", "score")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("search", help="show the chunks retrieval ranks for a query")
    p.add_argument("query", nargs="?", help="the question (omit with --batch)")
    p.add_argument("--lang", help="query language (ISO 639-1); detected when omitted")
    p.add_argument("-k", type=int, default=10, help="number of results (default 10)")
    p.add_argument("--source", action="append", dest="sources", help="only this source (repeat)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--batch", type=Path, help="JSONL file of {id, question, lang?, history?}")
    p.add_argument("--out", type=Path, help="write batch results here (default: stdout)")
    p.set_defaults(handler=run)


def _results(question: str, lang: str | None, k: int, sources: list[str] | None) -> list[dict]:
    from knowledge.retrieval import search

    hits = search(question, language=lang, k=k, sources=sources)
    return [{key: h.to_dict()[key] for key in RESULT_KEYS} for h in hits]


def _query_with_history(question: str, history: Any, lang: str | None) -> str:
    """Follow-up questions borrow the earlier user turn the way the answer chain does."""
    if not isinstance(history, list) or not history:
        return question
    from knowledge.types import Turn

    turns = [
        Turn(role="user" if t.get("role") == "user" else "agent", text=str(t.get("text", "")))
        for t in history
        if isinstance(t, dict)
    ]
    try:
        from knowledge.answer.chain import build_query
    except ImportError:  # answer chain not installed: search the question alone
        return question
    return build_query(question, turns, lang or "")


def _read_batch(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """(line number, item or None, error) for each non-blank line."""
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                yield n, None, f"line {n}: not JSON ({exc.msg})"
                continue
            if not isinstance(item, dict) or not str(item.get("question", "")).strip():
                yield n, None, f"line {n}: needs a non-empty 'question'"
                continue
            yield n, item, ""


def _run_batch(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    if not args.batch.is_file():
        raise ValueError(f"no such file: {args.batch}")
    out: TextIO = args.out.open("w", encoding="utf-8") if args.out else sys.stdout
    failed = 0
    try:
        items = list(_read_batch(args.batch))
        for n, item, error in tqdm(items, desc="search", unit="q", disable=args.out is None):
            if item is None:
                failed += 1
                print(f"warning: {error}", file=sys.stderr)
                out.write(json.dumps({"id": None, "line": n, "error": error}) + "\n")
                continue
            lang = item.get("lang") or args.lang
            try:
                query = _query_with_history(str(item["question"]), item.get("history"), lang)
                results = _results(query, lang, args.k, args.sources)
            except Exception as exc:  # one bad item is an error line, never the end of the batch
                failed += 1
                error = f"line {n}: {type(exc).__name__}: {exc}"
                print(f"warning: {error}", file=sys.stderr)
                row = {"id": item.get("id"), "line": n, "error": error}
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                continue
            out.write(json.dumps({"id": item.get("id"), "results": results}, ensure_ascii=False))
            out.write("\n")
    finally:
        if args.out:
            out.close()
    return 1 if failed else 0


def run(args: argparse.Namespace) -> int:
    if args.k <= 0:
        raise ValueError("-k must be positive")
    if args.batch:
        return _run_batch(args)
    if not args.query or not args.query.strip():
        raise ValueError('give a query, e.g. customer-agent search "how do I reset my password"')
    results = _results(args.query, args.lang, args.k, args.sources)
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return 0
    if not results:
        print("no results (is anything indexed? try: customer-agent sources list)")
        return 0
    for rank, r in enumerate(results, 1):
        print(f"{rank:>2}. {r['score']:.3f}  [{r['language']}] {r['title']}  ({r['source']})")
        print(f"    {r['url']}")
    return 0
