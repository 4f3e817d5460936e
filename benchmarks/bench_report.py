"""`customer-agent report` over 10,000 generated conversations in a SQLite tracker store.

Usage: .venv/bin/python benchmarks/bench_report.py [--conversations 10000]
Writes rows in Rasa's events schema (tests/knowledge/operations/trackers.py), then times the
report as an admin runs it (a subprocess, JSON out, gaps skipped: they depend on the model).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.knowledge.operations.trackers import (
    HOUR,
    answered,
    bot,
    feedback,
    handoff,
    user,
    write_tracker,
)


def generate(db: Path, n: int, now: float) -> None:
    rng = random.Random(7)
    channels = ["webchat", "whatsapp", "messenger", "email"]
    for i in range(n):
        t0 = now - rng.uniform(4, 29) * 24 * HOUR
        ch = rng.choice(channels)
        roll = rng.random()
        if roll < 0.6:
            rows = answered(t0, channel=ch, url=f"https://shop.example/p{rng.randrange(40)}")
            if rng.random() < 0.3:
                rows.append(feedback(t0 + 5, rng.choice(["up", "up", "down"]), channel=ch))
        elif roll < 0.75:
            rows = handoff(t0, f"question {rng.randrange(200)}", "no_answer", ch)
        elif roll < 0.9:
            rows = [user(t0, "How do I cancel?", ch), bot(t0 + 1, "Order or Flex?", "clarify")]
        else:
            rows = [user(t0, "hi", ch), bot(t0 + 1, "Hello!", "smalltalk")]
        write_tracker(db, f"c{i}", rows)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=10_000)
    args = parser.parse_args()
    now = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "tracker.db"
        generate(db, args.conversations, now)
        env = {**os.environ, "CUSTOMER_AGENT_TRACKER_DB": str(db)}
        cli = Path(sys.executable).parent / "customer-agent"
        start = time.perf_counter()
        out = subprocess.run(
            [str(cli), "report", "--json", "--no-gaps", "--since", "30d", "--now", str(now)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        ).stdout
        seconds = time.perf_counter() - start
    report = json.loads(out)
    print(f"conversations: {report['conversations']}  report: {seconds:.2f} s (subprocess)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
