"""MTRAG-UN dev in two halves by conversation: tune on dev, report test untouched beside it.

Every task of one conversation lands in the same half (`benchmarks/splits.py`: a hash of the
conversation id, the part of `task_id` before `<::>`), so no half sees a conversation the other
was tuned on. In `tasks.dev.jsonl` each of the 203 tasks is its own conversation, so this is a
task split that stays a conversation split if tasks of one conversation are added.

Same set-up as `eval_answers.py`'s MTRAG-UN set: the whole 1,152-passage pool indexed (each
passage one document), every task asked with its history through the real chain (extractive),
expected ANSWERABLE/PARTIAL -> answer, UNANSWERABLE -> handoff, UNDERSPECIFIED -> clarify, and
"correct" = the share of a group that got its expected decision.

    .venv/bin/python benchmarks/eval_mtrag.py                    # both halves (make eval)
    .venv/bin/python benchmarks/eval_mtrag.py --split dev --json dev.json

The index lives in `var/eval/mtrag-split/`; embeddings are shared with `eval_answers.py`'s
MTRAG-UN cache (same texts). Data: MTRAG-UN (IBM/mt-rag-benchmark), Apache-2.0, see
../shared/eval/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.eval_answers import EXPECTED_GROUP, mtrag_items, stratified  # noqa: E402
from benchmarks.eval_removed import embedding_cache, run  # noqa: E402
from benchmarks.splits import conversation_id, split_of, wanted  # noqa: E402

GROUPS = ("ANSWERABLE", "PARTIAL", "UNANSWERABLE", "UNDERSPECIFIED")
KINDS = ("answer", "clarify", "handoff")
FLOORS = {"ANSWERABLE": 0.80, "UNANSWERABLE": 0.75, "UNDERSPECIFIED": 0.50}  # issue 13, test half


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per answerability group: n, answer / clarify / handoff counts, correct rate."""
    out: dict[str, Any] = {}
    for group in GROUPS:
        part = [r for r in rows if r["group"] == group]
        if not part:
            continue
        kinds = Counter(r["kind"] for r in part)
        answered = [r for r in part if r["kind"] == "answer" and r["gold"]]
        out[group] = {
            "n": len(part),
            **{k: kinds[k] for k in KINDS},
            "correct": round(kinds[EXPECTED_GROUP[group]] / len(part), 3),
            "answers_citing_gold": (
                round(sum(r["cites_gold"] for r in answered) / len(answered), 3)
                if answered
                else None
            ),
        }
    return out


def print_table(rep: dict[str, Any]) -> None:
    splits = list(rep)
    head = f"{'expected':<16}" + "".join(f"{s + ': n  a/c/h':>22}{'correct':>9}" for s in splits)
    print(
        "\n== MTRAG-UN dev by conversation (floors on test: answerable answered >= 80%, "
        "unanswerable handed off >= 75%, underspecified clarified >= 50%)"
    )
    print(head)
    for group in GROUPS:
        cells = []
        for s in splits:
            row = rep[s].get(group)
            if row is None:
                cells.append(f"{'-':>22}{'-':>9}")
                continue
            counts = f"{row['n']}  {row['answer']}/{row['clarify']}/{row['handoff']}"
            cells.append(f"{counts:>22}{row['correct']:>9.1%}")
        print(f"{group:<16}" + "".join(cells))


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "eval")
    parser.add_argument("--split", choices=("dev", "test", "both"), default="both")
    parser.add_argument("--limit", type=int, help="tasks per half (stratified by answerability)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--dump", type=Path, help="write per-task results here (JSONL)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    os.environ.setdefault("CUSTOMER_AGENT_COMPOSER", "extractive")
    os.environ["CUSTOMER_AGENT_EMBEDDING_CACHE"] = str(embedding_cache(args.data_dir, "mtrag"))
    from knowledge.logs import configure_logging

    configure_logging()
    items = mtrag_items(args.data_dir / "mtrag-split", None, 0)
    rep: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    for half in ("dev", "test"):
        if not wanted(half, args.split):
            continue
        part = [i for i in items if split_of(conversation_id(i["id"])) == half]
        if args.limit:
            part = stratified(part, "group", args.limit)
        done = [{**r, "split": half} for r in run(part, f"mtrag-un {half}")]
        rows.extend(done)
        rep[half] = summarise(done)
    print_table(rep)
    if args.json:
        args.json.write_text(json.dumps(rep, indent=2), encoding="utf-8")
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
