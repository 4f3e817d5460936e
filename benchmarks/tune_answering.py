"""Tune `bot/answering.yml` on the DEV halves only, and show the TEST halves beside them.

Retrieves once per question (cached under `var/eval/tune/`), then re-decides with
`knowledge.answer.decide.decide` per setting, which is what the chain does after retrieval.
Sets: the removed-page evals (`benchmarks/eval_removed.py`: GNOME, Relay, Onetime Secret,
MTRAG-UN pool; en->en, nl->nl, nl->en; a removed page's question should be handed off or
followed up, a kept page's answered) and MTRAG-UN dev over its whole pool (answerable ->
answer, unanswerable -> handoff, underspecified -> clarify), split by conversation
(`benchmarks/splits.py`).

    .venv/bin/python benchmarks/tune_answering.py                  # figures at answering.yml
    .venv/bin/python benchmarks/tune_answering.py --fit            # fit answerability weights
    .venv/bin/python benchmarks/tune_answering.py --sweep "answerability_min=0.3,0.4,0.5"

`--fit` fits the logistic answerability weights (knowledge/answer/answerability.py) on the dev
rows only (kept/answerable = 1, removed/unanswerable = 0), separately for passages in the
question's language and in another, and prints them as YAML for answering.yml; the threshold
is then chosen with `--sweep` on the dev columns and left alone.
"""

from __future__ import annotations

import argparse
import itertools
import os
import pickle
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.splits import conversation_id, split_of  # noqa: E402

Row = tuple[dict[str, Any], list[Any], str]  # item, hits, history text


def _retrieve_rows(items: list[dict[str, Any]], k: int, config: Any) -> list[Row]:
    """Each item's hits as the chain retrieves them (query, the fallback translation, then the
    cross-lingual rerank)."""
    from knowledge.answer.chain import build_query
    from knowledge.answer.crosslingual import rerank
    from knowledge.answer.fallback import with_fallback_translation
    from knowledge.retrieval import search
    from knowledge.types import Turn

    def retrieve(query: str, language: str) -> list[Any]:
        return search(query, language=language, k=k)

    rows = []
    for item in items:
        history = [
            Turn("user" if t["role"] == "user" else "agent", t["text"])
            for t in item.get("history", [])
        ][-config.history_turns :]
        lang = item["lang"]
        query = build_query(item["question"], history, lang)
        hits = retrieve(query, lang)
        hits = with_fallback_translation(hits, lang, config, retrieve)
        hits = rerank(query, hits, lang, config.cross_lingual_mix)
        rows.append((item, hits, " ".join(t.text for t in history)))
    return rows


def collect(data_root: Path, config: Any, refresh: bool, only: list[str]) -> dict[str, list[Row]]:
    """{set name: rows}: MTRAG-UN dev and every removed-page setting, retrieved once each.

    Each set is cached on its own under `var/eval/tune/` (an interrupted run keeps the sets it
    finished); `--refresh` retrieves again after an index or retrieval change.
    """
    from benchmarks import eval_removed

    cache = data_root / "tune" / f"k{config.retrieve_k}"
    cache.mkdir(parents=True, exist_ok=True)
    loaders: dict[str, Callable[[], list[dict[str, Any]]]] = {}
    for setting in eval_removed.SETTINGS:
        for corpus in (*eval_removed.HELP, "mtrag"):
            if corpus == "mtrag" and setting != "en-en":
                continue
            loaders[f"removed:{setting}:{corpus}"] = lambda c=corpus, s=setting: (
                eval_removed.prepare(c, s, data_root)
            )
    loaders["mtrag"] = lambda: _mtrag(data_root)
    sets: dict[str, list[Row]] = {}
    for name, load in loaders.items():
        if only and not any(part in name for part in only):
            continue
        file = cache / f"{name.replace(':', '_')}.pickle"
        if file.exists() and not refresh:
            with file.open("rb") as fh:
                sets[name] = pickle.load(fh)
            continue
        items = load()
        print(f"retrieve {name}: {len(items)}", file=sys.stderr)
        sets[name] = _retrieve_rows(items, config.retrieve_k, config)
        with file.open("wb") as fh:
            pickle.dump(sets[name], fh)
    return sets


def _mtrag(data_root: Path) -> list[dict[str, Any]]:
    """MTRAG-UN dev over the whole pool (the index eval_mtrag.py builds), split by conversation."""
    from benchmarks import eval_answers, eval_removed

    os.environ["CUSTOMER_AGENT_EMBEDDING_CACHE"] = str(
        eval_removed.embedding_cache(data_root, "mtrag")
    )
    items = eval_answers.mtrag_items(data_root / "mtrag-split", None, 0)
    for item in items:
        item["split"] = split_of(conversation_id(item["id"]))
    return items


def expected(name: str, item: dict[str, Any]) -> str:
    """What the item should get: 'answer', 'handoff', 'deflect' (handoff or clarify), 'clarify'."""
    if name.startswith("removed"):
        return "deflect" if item["removed"] else "answer"
    return {
        "ANSWERABLE": "answer",
        "PARTIAL": "answer",
        "UNANSWERABLE": "handoff",
        "UNDERSPECIFIED": "clarify",
    }[item["group"]]


def correct(want: str, kind: str) -> bool:
    return kind in ("handoff", "clarify") if want == "deflect" else kind == want


def group_of(name: str, item: dict[str, Any]) -> str:
    if name.startswith("removed"):
        setting = name.split(":")[1]
        return f"{setting} {'removed' if item['removed'] else 'kept'}"
    return f"mtrag {item['group']}"


def evaluate(sets: dict[str, list[Row]], config: Any) -> dict[str, dict[str, list[bool]]]:
    """{group: {split: [correct?]}} for `config`."""
    from knowledge.answer.decide import decide

    out: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for name, rows in sets.items():
        for item, hits, history_text in rows:
            v = decide(
                item["question"],
                hits,
                language=item["lang"],
                config=config,
                history_text=history_text,
            )
            out[group_of(name, item)][item["split"]].append(correct(expected(name, item), v.kind))
    return out


def share(values: list[bool]) -> float:
    return sum(values) / len(values) if values else float("nan")


def print_table(result: dict[str, dict[str, list[bool]]], title: str) -> None:
    print(f"\n== {title}")
    print(f"{'group':<26}{'dev n':>6}{'dev':>8}{'test n':>8}{'test':>8}")
    for group in sorted(result):
        d, t = result[group].get("dev", []), result[group].get("test", [])
        print(f"{group:<26}{len(d):>6}{share(d):>8.1%}{len(t):>8}{share(t):>8.1%}")


def features(sets: dict[str, list[Row]], config: Any, split: str) -> dict[bool, tuple[Any, Any]]:
    """{cross?: (X, y)} answerability features of `split` rows with a primary passage."""
    import numpy as np

    from knowledge.answer.evidence import gather, relevance

    data: dict[bool, tuple[list[tuple[float, ...]], list[int]]] = {False: ([], []), True: ([], [])}
    for name, rows in sets.items():
        for item, hits, history_text in rows:
            want = expected(name, item)
            if item["split"] != split or want == "clarify" or not hits:
                continue
            ev = gather(
                item["question"],
                hits,
                language=item["lang"],
                config=config,
                history_text=history_text,
            )
            if ev.signals is None or ev.primary is None:
                continue
            x, y = data[ev.signals.cross]
            x.append(ev.signals.features(relevance(ev.primary, config)))
            y.append(1 if want == "answer" else 0)
    return {k: (np.array(x, dtype=float), np.array(y, dtype=float)) for k, (x, y) in data.items()}


def fit_logistic(x: Any, y: Any, l2: float = 1.0, iterations: int = 50) -> list[float]:
    """L2-regularised logistic regression by Newton's method (no bias penalty), numpy only.

    Classes are weighted to balance, so the threshold is not pulled by the larger class.
    """
    import numpy as np

    w = np.zeros(x.shape[1])
    pos = max(1.0, y.sum())
    neg = max(1.0, len(y) - y.sum())
    sample = np.where(y == 1, len(y) / (2 * pos), len(y) / (2 * neg))
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-np.clip(x @ w, -30, 30)))
        grad = x.T @ (sample * (p - y)) + penalty * w
        hess = (x * (sample * p * (1 - p))[:, None]).T @ x + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return [round(float(v), 3) for v in w]


def auc(scores: Any, y: Any) -> float:
    """Area under the ROC curve: the chance an answerable row outscores an unanswerable one."""
    pos = [s for s, t in zip(scores, y, strict=True) if t == 1]
    neg = [s for s, t in zip(scores, y, strict=True) if t == 0]
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return float(wins / (len(pos) * len(neg)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "eval")
    parser.add_argument("--refresh", action="store_true", help="retrieve again (index changed)")
    parser.add_argument(
        "--sets", default="", help='only sets whose name contains one of these: "gnome,relay"'
    )
    parser.add_argument("--fit", action="store_true", help="fit answerability weights on dev")
    parser.add_argument(
        "--sweep", default="", help='settings to sweep, ";"-separated: "answerability_min=0.4,0.5"'
    )
    parser.add_argument("--config", type=Path, default=ROOT / "bot" / "answering.yml")
    args = parser.parse_args()
    from knowledge.answer.config import load_config
    from knowledge.logs import configure_logging

    configure_logging()
    base = load_config(args.config)
    only = [x for x in args.sets.split(",") if x]
    sets = collect(args.data_dir, base, args.refresh, only)
    if args.fit:
        import numpy as np

        from knowledge.answer.answerability import FEATURES

        for cross, (x, y) in features(sets, base, "dev").items():
            if len(y) < 10:
                continue
            weights = fit_logistic(x, y)
            key = "answerability_cross" if cross else "answerability_same"
            note = f"{', '.join(FEATURES)}; dev n={len(y)}, {int(y.sum())} answerable"
            print(f"{key}: {weights}  # {note}")
            aucs = ", ".join(f"{n} {auc(x[:, i], y):.2f}" for i, n in enumerate(FEATURES) if i)
            print(f"  # dev AUC per feature (0.5 = no separation): {aucs}")
            print(f"  # dev AUC of the fitted score: {auc(x @ np.array(weights), y):.3f}")
        return 0
    run: Callable[[Any], dict[str, dict[str, list[bool]]]] = lambda c: evaluate(sets, c)  # noqa: E731
    if not args.sweep:
        print_table(run(base), f"thresholds of {args.config.name}")
        return 0
    grid = {
        k: [type(getattr(base, k))(x) for x in v.split(",")]
        for k, v in (kv.split("=") for kv in args.sweep.split(";"))
    }
    for values in itertools.product(*grid.values()):
        changes = dict(zip(grid, values, strict=True))
        print_table(run(replace(base, **changes)), str(changes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
