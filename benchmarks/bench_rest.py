"""REST round trip through the whole agent (Rasa server + action server + knowledge layer).

Measures, on this machine:
  * `rasa train` wall time from scratch (--force, into a temp dir) unless --skip-train;
  * p50/p95/max latency of REST turns over N messages, split into small talk (NLU + rules,
    still calls the action server for language detection) and questions (full answer turn).

Usage: .venv/bin/python benchmarks/bench_rest.py [-n 200] [--skip-train] [--corpus sample|gnome]
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.stack import RASA, running_stack  # noqa: E402

SMALL_TALK = ["hello", "hallo", "thanks", "bedankt", "guten Tag", "bonjour", "bye", "hola"]
SAMPLE_QUESTIONS = [
    "How long does delivery to Belgium take?",
    "How do I reset my password?",
    "Can I pause my Flex subscription in winter?",
    "Hoe lang is de garantie op de accu?",
    "Wat zijn de openingstijden van de showroom in Utrecht?",
    "Hoeveel kost verzending naar Duitsland?",
]
GNOME = ROOT.parent / "shared" / "eval" / "gnome-help" / "gnome_help_en_nl.jsonl"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def train_time() -> float:
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        subprocess.run(
            [
                str(RASA),
                "train",
                "--domain",
                "bot/domain",
                "--data",
                "data",
                "--config",
                "config.yml",
                "--out",
                out,
                "--force",
                "--quiet",
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - t0


def gnome_questions(limit: int) -> list[str]:
    out = []
    with GNOME.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            for lang in ("en", "nl"):
                if row.get(f"desc_{lang}"):
                    out.append(row[f"desc_{lang}"])
            if len(out) >= limit:
                break
    return out


def index_gnome(env: dict[str, str]) -> None:
    """Add the GNOME help pages as a source of the benchmark's data dir (both languages)."""
    docs = Path(env["CUSTOMER_AGENT_DATA"]) / "gnome-docs"
    for lang in ("en", "nl"):
        (docs / lang).mkdir(parents=True, exist_ok=True)
    with GNOME.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            for lang in ("en", "nl"):
                body = row.get(f"markdown_{lang}")
                if not body:
                    continue
                front = (
                    f"---\ntitle: {json.dumps(row[f'title_{lang}'])}\n"
                    f"url: https://help.gnome.org/{lang}/{row['id']}\nlang: {lang}\n---\n"
                )
                (docs / lang / f"{row['id']}.md").write_text(front + body, encoding="utf-8")
    agent_py = ROOT / ".venv" / "bin" / "customer-agent"
    added = subprocess.run(
        [str(agent_py), "sources", "add", str(docs), "--name", "gnome"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if added.returncode != 0 and "already registered" not in added.stderr:  # a rerun: just sync
        sys.stderr.write(added.stderr)
        raise SystemExit("could not add the GNOME source")
    subprocess.run([str(agent_py), "sync", "--source", "gnome"], cwd=ROOT, env=env, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=200, help="messages per kind")
    parser.add_argument("--skip-train", action="store_true")
    parser.add_argument("--corpus", choices=("sample", "gnome"), default="sample")
    parser.add_argument("--data-dir", type=Path, help="keep the index here between runs")
    args = parser.parse_args()

    if not args.skip_train:
        print("training from scratch (rasa train --force) ...", flush=True)
        print(f"rasa train: {train_time():.1f} s")

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir.resolve() if args.data_dir else Path(tmp) / "data"
        with running_stack(data_dir) as stack:
            questions = SAMPLE_QUESTIONS
            if args.corpus == "gnome":
                print("indexing gnome-help (en + nl) ...", flush=True)
                index_gnome(stack.env)
                questions = gnome_questions(args.n)
            url = f"{stack.rasa_url}/webhooks/rest/webhook"
            rows = []
            # fresh conversations every run: a kept --data-dir keeps its tracker store, and
            # senders reused across runs would make every run's trackers longer than the last
            run = uuid.uuid4().hex[:8]
            with httpx.Client(timeout=60) as client:
                client.post(url, json={"sender": "warmup", "message": questions[0]})
                for kind, pool in (("small talk", SMALL_TALK), ("question", questions)):
                    lat = []
                    for i, text in tqdm(
                        zip(range(args.n), itertools.cycle(pool)),
                        total=args.n,
                        desc=kind,
                        disable=not sys.stderr.isatty(),
                    ):
                        t0 = time.perf_counter()
                        resp = client.post(
                            url,
                            json={"sender": f"bench-{run}-{kind}-{i % 20}", "message": text[:4000]},
                        )
                        lat.append((time.perf_counter() - t0) * 1000)
                        resp.raise_for_status()
                    rows.append((kind, lat))
    print(f"\nREST round trip ({args.n} messages per kind, corpus={args.corpus})")
    print(f"{'kind':<12} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'mean ms':>8}")
    for kind, lat in rows:
        print(
            f"{kind:<12} {pct(lat, 0.5):8.1f} {pct(lat, 0.95):8.1f} {max(lat):8.1f} "
            f"{statistics.mean(lat):8.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
