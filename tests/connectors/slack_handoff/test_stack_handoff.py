"""The handoff through the real agent: `rasa run` (the trained model, our credentials.yml and
endpoints.yml) + the action server, Slack stood in for by the local Web API server. A visitor on
the web chat asks for a person in Dutch; the handoff reaches Slack, the bot is silent while a
person owns the conversation, the visitor's message goes into the thread, the agent's reply
(and not the note) reaches the widget's poll, the Rasa server restarted mid-handoff keeps the
mapping, and after the hand-back the bot answers again.

Slow (starts Rasa twice). The model: the newest under models/ or the file named by
CUSTOMER_AGENT_TEST_MODEL; skipped without one."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.connectors.slack_handoff.harness import SECRET, UNASSIGNED, signed
from tests.connectors.slack_handoff.slack_api import BOT_TOKEN, SlackAPI
from tests.support.stack import (
    AGENT_PY,
    RASA,
    ROOT,
    free_port,
    index_sample,
    stack_env,
    wait_http,
)

MODEL = os.environ.get("CUSTOMER_AGENT_TEST_MODEL") or str(ROOT / "models")
HAS_MODEL = Path(MODEL).is_file() or any(Path(MODEL).glob("*.tar.gz"))
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not HAS_MODEL, reason="no trained model (make train)"),
]


@contextlib.contextmanager
def process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    proc = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def rasa_args(port: int) -> list[str]:
    return [
        str(RASA),
        "run",
        "--model",
        MODEL,
        "--credentials",
        "credentials.yml",
        "--endpoints",
        "endpoints.yml",
        "--port",
        str(port),
    ]


async def until(check, timeout_s: float = 30.0, what: str = "condition"):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while loop.time() < deadline:
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


async def test_dutch_visitor_handoff_relay_restart_and_hand_back(tmp_path):
    slack = SlackAPI(members={UNASSIGNED})
    await slack.start()
    data = tmp_path / "data"
    data.mkdir()
    action_port = free_port()
    env = stack_env(
        data,
        action_port,
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.base_url,
            "SLACK_HANDOFF_CHANNEL": UNASSIGNED,
            "SLACK_POST_INTERVAL_S": "0",
        },
    )
    index_sample(env)  # so the question after the hand-back has content to answer from
    visitor = "H6" + uuid.uuid4().hex  # the widget's id format
    log = tmp_path / "stack.log"
    actions = [str(AGENT_PY), "-m", "rasa_sdk", "--actions", "actions", "--port", str(action_port)]

    async def say(rasa: str, text: str) -> list[dict]:
        body = {"conversation_id": visitor, "message": text, "metadata": {"languages": ["nl"]}}
        async with httpx.AsyncClient(base_url=rasa, timeout=60) as c:
            resp = await c.post("/webhooks/webchat/webhook", content=json.dumps(body))
        assert resp.status_code == 200, resp.text
        return resp.json()["messages"]

    async def agent_says(rasa: str, text: str, ts: str, thread_ts: str) -> None:
        event = {
            "type": "message",
            "channel": UNASSIGNED,
            "user": "UANN00001",
            "text": text,
            "ts": ts,
            "thread_ts": thread_ts,
        }
        body = json.dumps({"type": "event_callback", "event": event}).encode()
        async with httpx.AsyncClient(base_url=rasa, timeout=10) as c:
            resp = await c.post(
                "/webhooks/slack_handoff/events", content=body, headers=signed(body)
            )
        assert resp.status_code == 200

    try:
        with process(actions, env, log) as action_proc:
            await asyncio.to_thread(
                wait_http, f"http://127.0.0.1:{action_port}/health", 240, action_proc
            )
            port = free_port()
            rasa = f"http://127.0.0.1:{port}"
            with process(rasa_args(port), env, log) as rasa_proc:
                await asyncio.to_thread(
                    wait_http, f"{rasa}/webhooks/slack_handoff/", 240, rasa_proc
                )
                await warm_up(rasa)
                first = await say(rasa, "ik wil een mens spreken")
                assert first and first[-1]["custom"]["kind"] == "handoff"
                roots = await until(lambda: posted(slack, None), what="the root message")
                assert roots[0].args["channel"] == UNASSIGNED
                assert "*Language*\\nnl" in json.dumps(roots[0].args["blocks"])
                # the bot is silent while a person owns the conversation
                assert await say(rasa, "hallo, is daar iemand?") == []
                relayed = await until(
                    lambda: posted(slack, "hallo, is daar iemand?"),
                    what="the visitor's message in the thread",
                )
                thread_ts = relayed[0].args["thread_ts"]
                await agent_says(rasa, "note: alleen voor ons", "1800000001.000100", thread_ts)
                await agent_says(rasa, "Hoi, ik ben Ann.", "1800000002.000100", thread_ts)
                got = await until(
                    lambda: poll_has(rasa, visitor, text="Hoi, ik ben Ann."),
                    what="the agent's reply in the web chat poll",
                )
                assert not any("alleen voor ons" in str(m.get("text")) for m in got)
            # restart mid-handoff: the mapping survives, the next reply is relayed
            port = free_port()
            rasa = f"http://127.0.0.1:{port}"
            with process(rasa_args(port), env, log) as rasa_proc:
                await asyncio.to_thread(
                    wait_http, f"{rasa}/webhooks/slack_handoff/", 240, rasa_proc
                )
                await warm_up(rasa)
                await agent_says(rasa, "Nog even geduld.", "1800000003.000100", thread_ts)
                await until(
                    lambda: poll_has(rasa, visitor, text="Nog even geduld."),
                    what="the reply after the restart",
                )
                await agent_says(rasa, "handback", "1800000004.000100", thread_ts)
                await until(
                    lambda: poll_has(rasa, visitor, event="agent_left"),
                    what="the hand-back message",
                )
                answered = await say(rasa, "Hoe lang is de garantie op de accu?")
                assert answered and answered[-1]["custom"]["kind"] in ("answer", "clarify")
    except BaseException:
        print(log.read_text(errors="replace")[-6000:])
        raise
    finally:
        await slack.stop()


async def wait_up(rasa: str, proc: subprocess.Popen) -> None:
    # in a thread: the local Slack server shares this event loop and must keep answering
    await asyncio.to_thread(wait_http, f"{rasa}/webhooks/slack_handoff/", 240, proc)


async def warm_up(rasa: str) -> None:
    """One question from another visitor, so the answer chain's first (cold) call is not the
    one under test."""
    body = {"sender": "warm-up-" + uuid.uuid4().hex, "message": "Hoe lang duurt de levering?"}
    async with httpx.AsyncClient(base_url=rasa, timeout=180) as c:
        await c.post("/webhooks/rest/webhook", json=body)


async def posted(slack: SlackAPI, text: str | None) -> list:
    """chat.postMessage calls: root messages (text None) or thread posts containing `text`."""
    calls = slack.of("chat.postMessage")
    if text is None:
        return [c for c in calls if "blocks" in c.args]
    return [c for c in calls if text in str(c.args.get("text"))]


async def poll_has(
    rasa: str, visitor: str, *, text: str | None = None, event: str | None = None
) -> list[dict]:
    """The widget's poll, if it holds `text` or a message with custom `event` (else [])."""
    async with httpx.AsyncClient(base_url=rasa, timeout=10) as c:
        resp = await c.get("/webhooks/webchat/poll", params={"conversation_id": visitor})
    messages = resp.json()["messages"]
    for m in messages:
        if text is not None and m.get("text") == text:
            return messages
        if event is not None and (m.get("custom") or {}).get("event") == event:
            return messages
    return []
