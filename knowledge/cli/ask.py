"""`customer-agent ask`: one turn (or a batch) through the same decision + composition as Rasa."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from tqdm import tqdm


def register(sub: Any) -> None:
    p = sub.add_parser("ask", help="ask the knowledge layer a question (answer/clarify/handoff)")
    p.add_argument("question", nargs="?", help="the visitor's question")
    p.add_argument("--lang", help="visitor language (ISO code); detected when omitted")
    p.add_argument("--history", type=Path, help='JSON list of {"role": "user"|"agent", "text"}')
    p.add_argument("--json", action="store_true", help="print the DESIGN section 6 JSON")
    p.add_argument("--batch", type=Path, help='JSONL of {"id", "question", "lang"?, "history"?}')
    p.add_argument("--out", type=Path, help="batch output JSONL (default: stdout)")
    p.set_defaults(handler=run)


def parse_history(raw: Any) -> tuple[Any, ...]:
    """Validate a history list; bad shapes fail with a one-line message."""
    from knowledge.types import Turn

    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ValueError("history must be a JSON list of {role, text} objects")
    turns = []
    for item in raw:
        if not isinstance(item, dict) or item.get("role") not in ("user", "agent"):
            raise ValueError('each history item needs "role": "user"|"agent" and "text"')
        turns.append(Turn(role=item["role"], text=str(item.get("text", ""))))
    return tuple(turns)


def guess_language(question: str, *, min_score: float = 0.6) -> str:
    """The question's language when the detector is confident, else English (pass --lang).

    Short English questions are sometimes read as French at ~0.45 by the lite model.
    """
    from knowledge.language import DEFAULT_LANGUAGE, detect

    found = detect(question)
    return found.language if found.language and found.score >= min_score else DEFAULT_LANGUAGE


def ask_one(question: str, lang: str | None, history: tuple[Any, ...]) -> dict[str, Any]:
    """One turn -> the section 6 JSON (with 'why' when show_why is on)."""
    from knowledge.answer.chain import answer_question
    from knowledge.settings import get_settings

    language = lang or guess_language(question)
    answer = answer_question(question, language=language, history=history)
    out = answer.to_dict()
    out.pop("reason", None)
    if get_settings().show_why:
        out["why"] = answer.to_dict(with_hits=True)
    return out


def run(args: argparse.Namespace) -> int:
    if args.batch:
        return _run_batch(args)
    if not args.question:
        raise ValueError("give a question, or --batch FILE")
    history = parse_history(json.loads(args.history.read_text("utf-8"))) if args.history else ()
    out = ask_one(args.question, args.lang, history)
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(out["text"])
    for o in out["options"]:
        print(f"  [{o}]")
    for s in out["sources"]:
        print(f"  - {s['title']}: {s['url']}")
    print(f"({out['kind']}, confidence {out['confidence']})", file=sys.stderr)
    return 0


def _run_batch(args: argparse.Namespace) -> int:
    lines = [ln for ln in args.batch.read_text("utf-8").splitlines() if ln.strip()]
    sink = args.out.open("w", encoding="utf-8") if args.out else sys.stdout
    try:
        for n, line in enumerate(tqdm(lines, desc="ask", disable=args.out is None), 1):
            try:
                item = json.loads(line)
                question = str(item["question"])
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{args.batch}:{n}: bad line ({exc})") from exc
            start = time.perf_counter()
            out = ask_one(question, item.get("lang"), parse_history(item.get("history")))
            out = {
                "id": item.get("id", n),
                **out,
                "latency_ms": round((time.perf_counter() - start) * 1000, 1),
            }
            sink.write(json.dumps(out, ensure_ascii=False) + "\n")
    finally:
        if sink is not sys.stdout:
            sink.close()
    return 0
