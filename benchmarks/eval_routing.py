"""Intent routing eval (bot env): do real questions reach the answer chain, and small talk not?

`eval_answers.py` calls the answer chain directly, so it cannot see what Rasa NLU does before
it: a question classified as greet/thank/chitchat/request_human never reaches the chain (it
gets a canned reply or goes straight to a person). This runs the trained model's NLU (DIET +
`SmallTalkGuard` + fallback, exactly as `rasa run` does) over every question of
`../shared/eval` (help-centre titles/descriptions and FAQ questions in en and nl, MTRAG-UN
questions and the user turns of their histories) and over held-out small talk written for
this purpose (`benchmarks/data/smalltalk_heldout.tsv`, never used as training data).

    .venv-bot/bin/python benchmarks/eval_routing.py [--model models/X.tar.gz]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import logging
import os
import sys
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
TO_CHAIN = {"ask_question", "nlu_fallback", "choose_option"}  # rules send these to the chain


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def questions() -> dict[str, list[str]]:
    """Questions per eval set: each one is for the chain (answer, clarify or hand off)."""
    sets: dict[str, list[str]] = {
        "relay-faq": [],
        "gnome-help": [],
        "onetimesecret": [],
        "mtrag-un": [],
    }
    for d in read_jsonl(EVAL / "relay-faq" / "relay_faq_en_nl.jsonl"):
        sets["relay-faq"] += [d["question_en"], d["question_nl"]]
    for d in read_jsonl(EVAL / "gnome-help" / "gnome_help_en_nl.jsonl"):
        sets["gnome-help"] += [d.get("desc_en") or d["title_en"], d.get("desc_nl") or d["title_nl"]]
    for d in read_jsonl(EVAL / "onetimesecret" / "onetimesecret_en_nl.jsonl"):
        sets["onetimesecret"] += [d["title_en"], d["title_nl"]]
    for d in read_jsonl(EVAL / "mtrag-un" / "tasks.dev.jsonl"):
        sets["mtrag-un"].append(d["question"])
        sets["mtrag-un"] += [t["text"] for t in d["history"] if t["role"] == "user"]
    return sets


async def parse_all(model: str, texts: list[str]) -> list[str]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    with contextlib.redirect_stdout(io.StringIO()):  # rasa's structlog prints every parse
        return [(await agent.parse_message(t))["intent"]["name"] for t in texts]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="a trained model (default: the newest under models/)")
    parser.add_argument("--show", type=int, default=10, help="misrouted questions to print")
    args = parser.parse_args()
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    model = args.model or str(max((ROOT / "models").glob("*.tar.gz"), key=os.path.getmtime))
    sets = questions()
    small = [
        line.rstrip("\n").split("\t")
        for line in (ROOT / "benchmarks" / "data" / "smalltalk_heldout.tsv").open(encoding="utf-8")
        if line.strip()
    ]
    texts = [q for qs in sets.values() for q in qs] + [t for _, t in small]
    print(f"model {Path(model).name}: parsing {len(texts)} messages", file=sys.stderr)
    intents = asyncio.run(parse_all(model, texts))
    i = 0
    print(f"\n{'set':<15}{'n':>6}{'to chain':>10}  misrouted to")
    misrouted: list[tuple[str, str]] = []
    for name, qs in sets.items():
        got = intents[i : i + len(qs)]
        i += len(qs)
        wrong = Counter(g for g in got if g not in TO_CHAIN)
        misrouted += [(g, q) for g, q in zip(got, qs, strict=True) if g not in TO_CHAIN]
        share = 1 - sum(wrong.values()) / len(qs)
        print(f"{name:<15}{len(qs):>6}{share:>10.1%}  {dict(wrong)}")
    got = intents[i:]
    right = sum(g == want for g, (want, _) in zip(got, small, strict=True))
    share = right / len(small)
    print(f"\nheld-out small talk: {right}/{len(small)} ({share:.1%}) get their intent")
    for g, (want, text) in zip(got, small, strict=True):
        if g != want:
            print(f"  {want:<14} -> {g:<14} {text}")
    if misrouted and args.show:
        print("\nquestions not sent to the answer chain (first few):")
        for g, q in misrouted[: args.show]:
            print(f"  {g:<14} {q[:90]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
