"""The report over conversations written by Rasa's own SQLTrackerStore (bot env), read by
`.venv/bin/customer-agent report --json` (agent env) as an admin runs it."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

ROOT = Path(__file__).resolve().parents[3]
CLI = ROOT / ".venv" / "bin" / "customer-agent"
HOUR = 3600.0


def custom(kind: str, url: str = "") -> dict:
    sources = [{"title": "Delivery", "url": url}] if url else []
    return {"custom": {"kind": kind, "sources": sources, "language": "en", "options": []}}


def conversation(sender: str, t0: float, kind: str, channel: str) -> DialogueStateTracker:
    events = [
        UserUttered("How long does delivery take?", input_channel=channel, timestamp=t0),
        SlotSet("language", "en", timestamp=t0 + 0.1),
        BotUttered(
            "Two days.", data=custom(kind, "https://shop.example/delivery"), timestamp=t0 + 1.0
        ),
        ActionExecuted("action_answer_question", timestamp=t0 + 1.0),
    ]
    if kind == "handoff":
        events.append(SlotSet("handoff_reason", "no_answer", timestamp=t0 + 1.0))
    return DialogueStateTracker.from_events(sender, events)


@pytest.mark.skipif(not CLI.exists(), reason="agent env not set up")
async def test_report_counts_conversations_rasa_wrote(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    store = SQLTrackerStore(dialect="sqlite", db=str(db))
    now = time.time()
    t0 = now - 5 * 24 * HOUR
    await store.save(conversation("w1", t0, "answer", "webchat"))
    await store.save(conversation("w2", t0, "smalltalk", "webchat"))
    await store.save(conversation("m1", t0, "answer", "messenger"))
    await store.save(conversation("h1", t0, "handoff", "whatsapp"))
    env = {
        **os.environ,
        "CUSTOMER_AGENT_TRACKER_STORE": "sqlite",
        "CUSTOMER_AGENT_TRACKER_DB": str(db),
    }
    done = await asyncio.to_thread(
        subprocess.run,
        [str(CLI), "report", "--json", "--no-gaps", "--now", str(now)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=ROOT,
    )
    report = json.loads(done.stdout)
    assert report["conversations"] == 4
    assert report["by_channel"] == {"webchat": 2, "messenger": 1, "whatsapp": 1}
    assert report["billable"]["per_conversation"] == 2
    assert report["resolution"]["assumed"] == 2
    assert report["handoff_reasons"] == {"no_answer": 1}
    assert report["latency_ms"]["p50"] == 1000.0
