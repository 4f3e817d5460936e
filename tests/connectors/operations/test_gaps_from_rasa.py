"""`customer-agent gaps` (agent env) over conversations Rasa's own SQLTrackerStore wrote (bot
env): a handoff for lack of knowledge and an answer marked unhelpful with the widget's
`/feedback{...}` message are gaps; a request for a person and a thumbs-up are not."""

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


def answer(t0: float, question: str, answer_id: str, helpful: str) -> DialogueStateTracker:
    custom = {
        "kind": "answer",
        "answer_id": answer_id,
        "sources": [{"title": "Care", "url": "https://shop.example/care"}],
        "language": "en",
        "options": [],
    }
    vote = {"helpful": helpful, "answer_id": answer_id}
    events = [
        UserUttered(question, {"name": "ask_question"}, input_channel="webchat", timestamp=t0),
        SlotSet("language", "en", timestamp=t0 + 0.1),
        BotUttered("Yes, it is waterproof.", data={"custom": custom}, timestamp=t0 + 1.0),
        UserUttered(
            "/feedback" + json.dumps(vote),
            {"name": "feedback", "confidence": 1.0},
            [{"entity": k, "value": v} for k, v in vote.items()],
            input_channel="webchat",
            timestamp=t0 + 5.0,
        ),
    ]
    return DialogueStateTracker.from_events(f"a-{answer_id}", events)


def handoff(sender: str, t0: float, question: str, reason: str) -> DialogueStateTracker:
    events = [
        UserUttered(question, {"name": "ask_question"}, input_channel="webchat", timestamp=t0),
        ActionExecuted("action_answer_question", timestamp=t0 + 0.5),
        SlotSet("handoff_reason", reason, timestamp=t0 + 0.5),
        ActionExecuted("action_handoff", timestamp=t0 + 0.6),
    ]
    return DialogueStateTracker.from_events(sender, events)


@pytest.mark.skipif(not CLI.exists(), reason="agent env not set up")
async def test_gaps_from_conversations_rasa_wrote(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    store = SQLTrackerStore(dialect="sqlite", db=str(db))
    t0 = time.time() - 2 * 24 * HOUR
    await store.save(handoff("h1", t0, "Do you sell gift cards?", "no_answer"))
    await store.save(handoff("h2", t0, "Can I talk to a person?", "visitor_request"))
    await store.save(answer(t0, "Can I ride my e-bike in heavy rain?", "a1", "down"))
    await store.save(answer(t0, "Is the battery waterproof?", "a2", "up"))
    env = {
        **os.environ,
        "CUSTOMER_AGENT_DATA": str(tmp_path / "data"),
        "CUSTOMER_AGENT_TRACKER_STORE": "sqlite",
        "CUSTOMER_AGENT_TRACKER_DB": str(db),
    }
    env.pop("CUSTOMER_AGENT_STATE_DB", None)
    done = await asyncio.to_thread(
        subprocess.run,
        [str(CLI), "gaps", "--json", "--no-search"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        cwd=ROOT,
    )
    gaps = {g["examples"][0]: g for g in json.loads(done.stdout)}
    assert set(gaps) == {"Do you sell gift cards?", "Can I ride my e-bike in heavy rain?"}
    assert gaps["Do you sell gift cards?"]["reasons"] == {"no_answer": 1}
    assert gaps["Can I ride my e-bike in heavy rain?"]["reasons"] == {"unhelpful": 1}
    assert all(g["status"] == "open" and g["id"].startswith("g") for g in gaps.values())
