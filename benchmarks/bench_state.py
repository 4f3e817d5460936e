"""Shared state (issue 12): what one store call costs on SQLite and on PostgreSQL.

Runs in the bot env, one process, the stores the connectors use (connectors/common/): a
message-id claim (every inbound WhatsApp/Messenger/email message), a sender-book read plus the
inbound touch (every WhatsApp/Messenger message), an outbox push and the poll acknowledging it
(every message pushed to the web chat), a web chat rate-limit check (two per widget message: IP
and conversation, one per poll). SQLite is a fresh file in a temporary directory;
PostgreSQL is `--pg URL` (default: the local server), its tables in a fresh schema dropped
afterwards. Sequential calls: latency, not throughput under load.

    .venv-bot/bin/python benchmarks/bench_state.py -n 2000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_handoff import pct  # noqa: E402  (the percentile every latency benchmark reports)


def timed(n: int, op: Callable[[int], object]) -> list[float]:
    out = []
    for i in range(n):
        started = time.perf_counter()
        op(i)
        out.append((time.perf_counter() - started) * 1000)
    return out


def bench(backend: str, db_for: Callable[[tuple[str, ...]], object], n: int) -> None:
    from connectors.common import dedupe, outbox, ratelimit, senders

    ids = dedupe.ProcessedIds(db=db_for(dedupe.SCHEMA))  # type: ignore[arg-type]
    book = senders.SenderBook(db=db_for(senders.SCHEMA))  # type: ignore[arg-type]
    box = outbox.Outbox(db=db_for(outbox.SCHEMA))  # type: ignore[arg-type]
    # a limit never reached: every check is the counting upsert (a refusal costs the same)
    limiter = ratelimit.SharedRateLimiter(
        10**9,
        scope="bench",
        db=db_for(ratelimit.SCHEMA),  # type: ignore[arg-type]
    )
    ids.claim_sync("bench", "warm-up"), book.get_sync("bench", "x"), box.fetch("warm-up")
    limiter.allow("warm-up")

    def sender(i: int) -> None:
        book.get_sync("whatsapp", f"+{i % 50}")
        book.touch_inbound_sync("whatsapp", f"+{i % 50}")

    def push_and_ack(i: int) -> None:
        new_id = box.put(f"c{i % 50}", {"text": "a person replied"})
        box.fetch(f"c{i % 50}", new_id)

    rows = [
        ("round trip (SELECT 1)", timed(n, lambda i: ids.db.execute("SELECT 1"))),
        ("dedupe claim", timed(n, lambda i: ids.claim_sync("whatsapp", f"SM{i}"))),
        ("sender get + touch", timed(n, sender)),
        ("outbox push + acking poll", timed(n, push_and_ack)),
        ("web chat rate-limit check", timed(n, lambda i: limiter.allow(f"c{i % 50}"))),
    ]
    for name, values in rows:
        print(
            f"{backend:<10} {name:<26} n={n:<5} p50 {pct(values, 50):6.2f} ms"
            f"  p95 {pct(values, 95):6.2f} ms  mean {statistics.fmean(values):6.2f} ms"
        )
    for store in (ids, book, box, limiter):
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=2000, help="calls per operation")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    import psycopg2

    from connectors.common.state_db import PostgresDatabase, SQLiteDatabase

    with tempfile.TemporaryDirectory() as tmp:
        bench("sqlite", lambda schema: SQLiteDatabase(Path(tmp) / "state.sqlite3", schema), args.n)
    schema_name = "bench_state_" + uuid.uuid4().hex[:10]
    admin = psycopg2.connect(args.pg, connect_timeout=5)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"CREATE SCHEMA {schema_name}")
    url = f"{args.pg}?options=-csearch_path%3D{schema_name}"
    try:
        bench("postgresql", lambda schema: PostgresDatabase(url, schema), args.n)
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP SCHEMA {schema_name} CASCADE")
        admin.close()


if __name__ == "__main__":
    main()
