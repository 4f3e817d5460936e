"""Handoff in Slack (issue 10): how fast a handoff reaches Slack and an agent's reply the widget.

Runs in the bot env, in one process: the real `slack_handoff` and web chat channels on a real
Sanic server, a Rasa agent's tracker and lock stores (the project's domain), the handoff store
(SQLite file, or PostgreSQL with --pg), and the local Slack Web API server of the tests
(tests/connectors/slack_handoff/slack_api.py) on loopback. No Rasa model is involved: neither
path runs NLU or policies (the visitor's handoff turn itself is timed by bench_rest.py).

- open -> Slack post: from the after-turn hook that sees `handoff_active` (tracker read,
  routing, store transaction with the outbox rows) to the root message arriving at Slack's
  `chat.postMessage`.
- agent reply -> web chat poll: from the signed Events API POST of a thread reply to the first
  `/webhooks/webchat/poll` answer that contains it (ack, background handling, persistent dedupe,
  users.info, the web chat outbox write, the tracker write), polled every 10 ms. The widget
  itself polls every `poll_interval_s` (4 s by default), which a visitor adds on top.

Posts are not paced here (`--interval 0`); in production one channel gets at most one post per
`SLACK_POST_INTERVAL_S` (1 s), so a root message right after another post waits up to that long.

    .venv-bot/bin/python benchmarks/bench_handoff.py -n 100
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def fail(what: str) -> bool:
    raise SystemExit(f"bench_handoff: {what}")


def summary(name: str, values: list[float]) -> str:
    return (
        f"{name:<34} n={len(values):<4} p50 {pct(values, 50):7.1f} ms"
        f"  p95 {pct(values, 95):7.1f} ms  max {max(values):7.1f} ms"
        f"  mean {statistics.fmean(values):7.1f} ms"
    )


async def run(n: int, warmup: int, interval: float, pg: str | None) -> None:
    import httpx

    from connectors.handoff.db import PostgresDatabase
    from connectors.handoff.store import HandoffStore
    from tests.connectors.slack_handoff.harness import make_harness

    tmp = Path(tempfile.mkdtemp(prefix="bench-handoff-"))
    os.environ["CUSTOMER_AGENT_DATA"] = str(tmp / "data")
    h = await make_harness(tmp, webchat=True)
    h.service.worker.min_interval_s = interval
    if pg:
        h.service.store.db.close()
        store = HandoffStore(PostgresDatabase(pg))
        h.channel.store = h.service.store = h.service.worker.store = store
    opens: list[float] = []
    replies: list[float] = []
    try:
        async with httpx.AsyncClient(base_url=h.base_url, timeout=10) as client:
            for i in range(warmup + n):
                sender = f"bench{i:04d}_{os.getpid()}_abcdefghijklmnop"
                roots_before = len(
                    [c for c in h.slack.of("chat.postMessage") if "blocks" in c.args]
                )
                t0 = time.monotonic()
                await h.visitor_asks_for_human(sender)
                while time.monotonic() - t0 < 30 or fail(f"no root post for {sender}"):
                    roots = [c for c in h.slack.of("chat.postMessage") if "blocks" in c.args]
                    if len(roots) > roots_before:
                        opens.append((roots[-1].at - t0) * 1000)
                        break
                    await asyncio.sleep(0.001)
                await h.settle()
                handoff = h.service.store.open_for_sync(sender)
                text = f"Antwoord nummer {i}"
                event = {
                    "type": "message",
                    "channel": handoff.slack_channel,
                    "user": "UANN00001",
                    "text": text,
                    "ts": f"{1_800_000_000 + i}.000100",
                    "thread_ts": handoff.thread_ts,
                }
                t0 = time.monotonic()
                resp = await h.post_event(event)
                assert resp.status_code == 200, resp.text
                while time.monotonic() - t0 < 30 or fail(f"reply {i} never reached the poll"):
                    got = await client.get(
                        "/webhooks/webchat/poll", params={"conversation_id": sender}
                    )
                    got.raise_for_status()
                    if any(m.get("text") == text for m in got.json()["messages"]):
                        replies.append((time.monotonic() - t0) * 1000)
                        break
                    await asyncio.sleep(0.01)
                await h.settle()
    finally:
        await h.stop()
        await h.slack.stop()
    opens, replies = opens[warmup:], replies[warmup:]
    backend = "postgresql" if pg else "sqlite"
    print(f"handoff store: {backend}; {n} handoffs after {warmup} warm-up; interval {interval} s")
    print(summary("handoff open -> Slack root post", opens))
    print(summary("agent reply -> web chat poll", replies))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=100, help="handoffs (one reply each)")
    parser.add_argument("--warmup", type=int, default=3, help="first rounds not counted")
    parser.add_argument("--interval", type=float, default=0.0, help="post pacing per channel (s)")
    parser.add_argument("--pg", help="PostgreSQL URL for the handoff store (default: SQLite)")
    args = parser.parse_args()
    asyncio.run(run(args.n, args.warmup, args.interval, args.pg))


if __name__ == "__main__":
    main()
