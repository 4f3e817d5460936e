"""Threshold sweep for `bot/answering.yml`: retrieves once per question, re-decides per setting.

Uses the indexes `eval_answers.py` builds (run it first). Prints, per setting, the share of
correct decisions per expected behaviour on MTRAG-UN dev and on the help corpora, sorted by
their balanced mean among the settings that meet the floors (`--require`, "!" marks a setting
that misses one), so a threshold change is a visible trade-off rather than a guess.

    .venv/bin/python benchmarks/tune_answering.py [--top 15]
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from eval_answers import EXPECTED_GROUP, cross_items, help_items, mtrag_items  # noqa: E402

GRID = {
    "evidence": ["vector"],
    "min_score": [0.3, 0.4, 0.5, 0.55, 0.6],
    "min_coverage": [0.3, 0.4, 0.5, 0.6],
    "low_coverage_score": [0.6, 0.7, 0.8, 1.01],
    "ambiguity_margin": [0.0, 0.005, 0.01, 0.02],
    "ambiguity_min_score": [0.8, 0.85, 0.9],
}


def collect(items: list[dict[str, Any]], desc: str) -> list[tuple[dict[str, Any], Any, str, str]]:
    """(item, hits, decision question, history text) per item, retrieved once."""
    from knowledge.answer.chain import build_query, default_retriever
    from knowledge.types import Turn

    retrieve = default_retriever(8)
    out = []
    for item in tqdm(items, desc=f"retrieve {desc}"):
        history = [
            Turn("user" if t["role"] == "user" else "agent", t["text"])
            for t in item.get("history", [])
        ][-6:]
        hits = retrieve(build_query(item["question"], history, item["lang"]), item["lang"])
        out.append((item, hits, " ".join(t.text for t in history)))
    return out


def score(rows: list[Any], config: Any) -> dict[str, float]:
    from knowledge.answer.decide import decide

    per: dict[str, list[bool]] = defaultdict(list)
    for item, hits, history_text in rows:
        v = decide(
            item["question"], hits, language=item["lang"], config=config, history_text=history_text
        )
        per[item["group"]].append(v.kind == EXPECTED_GROUP[item["group"]])
    return {g: sum(v) / len(v) for g, v in per.items()}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "eval")
    parser.add_argument("--gnome-pages", type=int, default=100)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--mtrag-tasks", type=int, default=0, help="as in eval_answers.py")
    parser.add_argument("--pool", type=int, default=0, help="as in eval_answers.py")
    parser.add_argument("--sets", default="mtrag,help,cross", help="comma list: mtrag,help,cross")
    parser.add_argument(
        "--sweep",
        default="",
        help='sweep only these, the rest as committed: "title_tie_margin=0,0.05"',
    )
    parser.add_argument(
        "--require",
        default="ANSWERABLE=0.7,UNANSWERABLE=0.6",
        help="floors a setting must meet to rank (the issue's targets)",
    )
    args = parser.parse_args()
    floors = {g: float(v) for g, v in (kv.split("=") for kv in args.require.split(",") if kv)}
    from knowledge.answer.config import load_config

    base = load_config(ROOT / "bot" / "answering.yml")
    loaders = {
        "mtrag": lambda: mtrag_items(
            args.data_dir / f"mtrag-{args.mtrag_tasks}-{args.pool}",
            args.mtrag_tasks or None,
            args.pool,
        ),
        "help": lambda: help_items(
            args.data_dir / f"help-{args.gnome_pages}", None, args.gnome_pages
        ),
        "cross": lambda: cross_items(
            args.data_dir / f"cross-{args.gnome_pages}", None, args.gnome_pages
        ),
    }
    sets = {name: collect(loaders[name](), name) for name in args.sets.split(",")}
    grid = GRID
    if args.sweep:
        grid = {
            k: [type(getattr(base, k))(x) for x in v.split(",")]
            for k, v in (kv.split("=") for kv in args.sweep.split(";"))
        }
    results = []
    keys = list(grid)
    for values in itertools.product(*grid.values()):
        config = replace(base, **dict(zip(keys, values, strict=True)))
        per = {name: score(rows, config) for name, rows in sets.items()}
        flat = [v for p in per.values() for v in p.values()]
        meets = all(p.get(g, 1.0) >= f for p in per.values() for g, f in floors.items())
        results.append((meets, sum(flat) / len(flat), values, per))
    results.sort(key=lambda r: (not r[0], -r[1]))
    current = tuple(getattr(base, k) for k in keys)
    for meets, mean, values, per in [r for r in results if r[2] == current] + results[: args.top]:
        mark = ("*" if values == current else " ") + (" " if meets else "!")
        cells = "  ".join(
            f"{n}: " + " ".join(f"{g[:6]}={v:.2f}" for g, v in sorted(p.items()))
            for n, p in per.items()
        )
        print(f"{mark}{mean:.3f} {dict(zip(keys, values, strict=True))}  {cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
