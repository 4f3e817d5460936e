"""`customer-agent ask`: one turn (or a batch) through the same chain as Rasa, printed as the
visitor would see it (a handoff shows the domain response `action_handoff` would utter)."""

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
    p.add_argument("--json", action="store_true", help="print the reply JSON (text + payload)")
    p.add_argument(
        "--batch",
        type=Path,
        help='JSONL of {"id", "question", "lang"?, "history"?}; a failing line becomes an '
        '{"id", "error"} line, the rest still run (exit code 1 if any failed)',
    )
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
    """One turn -> the reply as JSON: the text the visitor reads, the confidence and the
    `custom` payload (with `why` when show-why is on)."""
    from knowledge.answer.chain import run_turn
    from knowledge.answer.responses import as_visitor_sees
    from knowledge.settings import get_settings
    from knowledge.types import TurnRequest

    language = lang or guess_language(question)
    answer = run_turn(TurnRequest(text=question, language=language, history=history))
    seen = as_visitor_sees(answer)
    payload = seen.payload(show_why=get_settings().show_why)
    payload.pop("answer_id", None)  # names a visitor's reply for feedback: none from the CLI
    return {"text": seen.text, "confidence": round(seen.confidence, 4), **payload}


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
    """One output line per input line, in order; a line that fails (bad JSON, no question, the
    chain raising) becomes `{"id": ..., "error": "..."}` and the batch goes on. Exit code 1
    when any line failed."""
    lines = [ln for ln in args.batch.read_text("utf-8").splitlines() if ln.strip()]
    sink = args.out.open("w", encoding="utf-8") if args.out else sys.stdout
    failed = 0
    try:
        for n, line in enumerate(tqdm(lines, desc="ask", disable=args.out is None), 1):
            out = _batch_line(line, n)
            failed += "error" in out
            sink.write(json.dumps(out, ensure_ascii=False) + "\n")
    finally:
        if sink is not sys.stdout:
            sink.close()
    if failed:
        print(f"{failed} of {len(lines)} lines failed (see their error lines)", file=sys.stderr)
    return 1 if failed else 0


def _batch_line(line: str, n: int) -> dict[str, Any]:
    item: Any = None
    try:
        item = json.loads(line)
        if not isinstance(item, dict) or not isinstance(item.get("question"), str):
            raise ValueError('expected {"id", "question", "lang"?, "history"?}')
        start = time.perf_counter()
        out = ask_one(item["question"], item.get("lang"), parse_history(item.get("history")))
        return {
            "id": item.get("id", n),
            **out,
            "latency_ms": round((time.perf_counter() - start) * 1000, 1),
        }
    except Exception as exc:  # one bad line must not cost the rest of the batch
        key = item.get("id", n) if isinstance(item, dict) else n
        return {"id": key, "error": f"{type(exc).__name__}: {exc}"[:500]}
