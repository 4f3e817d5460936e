"""Messenger feedback: after a conversation's first AI answer, "Was this helpful?" with two
quick replies whose payloads are the feedback shortcut naming the answer; the visitor's tap
reaches Rasa as that shortcut (the stack test below: the tracker store and the report)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.connectors.common.platform_stub import PlatformStub, connector_env_fixture, stub_fixture
from tests.connectors.feedback_agent import FeedbackAgent
from tests.connectors.test_messenger import (
    MESSENGER_ENV,
    PAGE_TOKEN,
    PSID,
    SECRET,
    VERIFY,
    Harness,
    page,
    text_event,
)
from tests.connectors.test_messenger import make as messenger_channel
from tests.support.stack import ROOT, has_model, running_stack

CLI = ROOT / ".venv" / "bin" / "customer-agent"
UP = '/feedback{"helpful":"up","answer_id":"ans0000000000001x"}'
DOWN = '/feedback{"helpful":"down","answer_id":"ans0000000000001x"}'


stub = stub_fixture(page_token=PAGE_TOKEN, app_secret=SECRET)
env = connector_env_fixture(MESSENGER_ENV)


def make(stub: PlatformStub) -> Harness:
    """test_messenger's channel with `feedback_prompt` left out, so the default (on) holds, and
    an agent that utters answers with an answer_id."""
    h = messenger_channel(stub, feedback_prompt=None)
    assert h.channel.config.feedback_prompt
    h.agent = FeedbackAgent()  # type: ignore[assignment]
    h.app.ctx.agent = h.agent
    return h


def quick_reply(title: str, payload: str) -> dict:
    return text_event(title, quick_reply={"payload": payload})


async def test_quick_replies_carry_the_shortcut_and_a_tap_reaches_rasa(stub):
    h = make(stub)
    await h.post(page(text_event("When will my parcel arrive?")))
    answer, prompt = await stub.wait_for("graph", 2)
    assert answer.json["message"] == {"text": "Answer to: When will my parcel arrive?"}
    assert prompt.json == {
        "recipient": {"id": PSID},
        "messaging_type": "RESPONSE",
        "message": {
            "text": "Was this helpful?",
            "quick_replies": [
                {"content_type": "text", "title": "👍 Yes", "payload": UP},
                {"content_type": "text", "title": "👎 No", "payload": DOWN},
            ],
        },
    }
    await h.post(page(quick_reply("👎 No", DOWN)))
    assert h.agent.messages[-1].text == DOWN
    assert h.agent.messages[-1].input_channel == "messenger"
    thanks = (await stub.wait_for("graph", 3))[2]
    assert thanks.json["message"] == {"text": "Thanks for your feedback!"}
    await h.post(page(text_event("And to Belgium?")))  # one prompt per conversation
    assert [c.json["message"].get("quick_replies") for c in stub.graph[3:]] == [None]


async def test_typed_reply_to_the_prompt_also_counts_and_other_text_does_not(stub):
    h = make(stub)
    await h.post(page(text_event("When will my parcel arrive?")))
    await h.post(page(text_event("yes")))
    assert h.agent.messages[-1].text == UP
    h2 = make(stub)
    await h2.post(page(text_event("hi")))
    await h2.post(page(text_event("yes")))  # small talk has no prompt: "yes" is just text
    assert h2.agent.messages[-1].text == "yes"


def _signed(body: bytes) -> dict[str, str]:
    sig = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Hub-Signature-256": sig}


def _post(url: str, payload: dict) -> int:
    body = json.dumps(payload).encode()
    request = urllib.request.Request(url, data=body, headers=_signed(body), method="POST")
    with urllib.request.urlopen(request, timeout=30) as resp:
        return int(resp.status)


def _wait(predicate: Callable[[], bool], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.25)


def _report(db: Path) -> dict:
    env = {
        **os.environ,
        "CUSTOMER_AGENT_TRACKER_STORE": "sqlite",
        "CUSTOMER_AGENT_TRACKER_DB": str(db),
    }
    done = subprocess.run(
        [str(CLI), "report", "--json", "--no-gaps", "--since", "1d", "--now", str(time.time())],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return dict(json.loads(done.stdout))


@pytest.mark.slow
@pytest.mark.skipif(not has_model() or not CLI.exists(), reason="needs `make train` and .venv")
def test_a_quick_reply_on_the_real_agent_reaches_the_report(tmp_path: Path) -> None:
    """The real agent (trained model, action server, sample help centre) behind the Messenger
    webhook, Meta's Send API stood in for: the tapped "No" is in the tracker and the report."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    stub = PlatformStub(page_token=PAGE_TOKEN, app_secret=SECRET)
    asyncio.run_coroutine_threadsafe(stub.start(), loop).result(10)
    env = {
        "MESSENGER_VERIFY_TOKEN": VERIFY,
        "MESSENGER_APP_SECRET": SECRET,
        "MESSENGER_PAGE_ACCESS_TOKEN": PAGE_TOKEN,
        "GRAPH_API_BASE": stub.base_url,
    }
    try:
        with running_stack(tmp_path / "stack", env) as stack:
            url = f"{stack.rasa_url}/webhooks/messenger/webhook"
            assert _post(url, page(text_event("How long does delivery to Belgium take?"))) == 200
            _wait(lambda: len(stub.graph) >= 2)
            answer, prompt = stub.graph[0].json["message"], stub.graph[1].json["message"]
            assert "Belgium" in answer["text"] and "quick_replies" not in answer
            assert prompt["text"] == "Was this helpful?"
            no = prompt["quick_replies"][1]
            assert no["payload"].startswith('/feedback{"helpful":"down","answer_id":"')
            assert _post(url, page(quick_reply(no["title"], no["payload"]))) == 200
            _wait(lambda: len(stub.graph) >= 3)
            assert stub.graph[2].json["message"] == {"text": "Thanks for your feedback!"}
            db = stack.data_dir / "tracker.db"
            _wait(lambda: _report(db)["feedback"]["negative"] == 1, timeout=30)
            report = _report(db)
    finally:
        asyncio.run_coroutine_threadsafe(stub.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
    assert report["by_channel"] == {"messenger": 1}
    assert report["feedback"] == {"positive": 0, "negative": 1}
    assert report["resolution"]["unresolved"] == 1 and report["billable"]["per_conversation"] == 1
