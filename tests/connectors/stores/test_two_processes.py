"""Shared state between separate processes (two Rasa servers), on SQLite and on the local
PostgreSQL: a push made by one process is collected by a poll another serves, a dedupe claim
raced by two processes is won once, and pushes racing an acknowledging poll lose nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from connectors.common.outbox import Outbox

ROOT = Path(__file__).resolve().parents[3]
WORKER = "tests.connectors.stores.state_worker"


def start(*args: object) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", WORKER, *map(str, args)],
        cwd=ROOT,
        env=dict(os.environ),  # CUSTOMER_AGENT_STATE_DB / CUSTOMER_AGENT_DATA of the fixture
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def result(proc: subprocess.Popen, timeout: float = 120) -> object:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err
    return json.loads(out)


def run(*args: object) -> object:
    return result(start(*args))


def test_a_push_in_one_process_is_collected_by_a_poll_in_another(state_db: str) -> None:
    ids = run("push", "web-1", "a person replied", "and again")
    assert isinstance(ids, list) and len(ids) == 2
    polled = run("poll", "web-1", 0)
    assert [m["text"] for m in polled] == ["a person replied", "and again"]
    assert [m["id"] for m in polled] == ids
    # the widget acknowledges through a third process; this one then sees nothing left
    assert run("poll", "web-1", ids[-1]) == []
    outbox = Outbox()
    try:
        assert outbox.fetch("web-1") == []
    finally:
        outbox.close()


def test_a_dedupe_claim_raced_by_two_processes_is_won_once(state_db: str) -> None:
    count = 1000
    start_at = time.time() + 3.0  # both have connected by then
    a, b = start("claim", "whatsapp", count, start_at), start("claim", "whatsapp", count, start_at)
    won_a, won_b = set(result(a)), set(result(b))  # type: ignore[arg-type]
    assert not won_a & won_b, f"{len(won_a & won_b)} ids answered twice"
    assert won_a | won_b == set(range(count))


def test_pushes_racing_an_acknowledging_poll_lose_nothing(state_db: str) -> None:
    """Two processes push into one conversation while a third polls and acknowledges what it
    showed: every message arrives once, in id order (see connectors/common/outbox.py on why
    pushes to one conversation commit in id order)."""
    count = 150
    start_at = time.time() + 3.0
    pushers = [start("burst", "web-race", name, count, start_at) for name in ("a", "b")]
    outbox = Outbox()
    shown: list[dict] = []
    after = 0
    try:
        while True:
            running = any(p.poll() is None for p in pushers)
            batch = outbox.fetch("web-race", after)
            assert [m["id"] for m in batch] == sorted(m["id"] for m in batch)
            if batch:
                shown += batch
                after = batch[-1]["id"]
            elif not running:
                break
            time.sleep(0.005)
        pushed = [i for p in pushers for i in result(p)]  # type: ignore[union-attr]
    finally:
        outbox.close()
    assert sorted(m["id"] for m in shown) == sorted(pushed)
    texts = [m["text"] for m in shown]
    assert len(texts) == 2 * count == len(set(texts))
