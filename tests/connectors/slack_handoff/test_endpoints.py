"""The Slack endpoints fail closed: forged, stale, unsigned requests and a server without a
signing secret get 403; the URL-verification challenge is answered; Socket Mode uses the same
handlers over a local websocket; the start-up check reports each problem in one line."""

from __future__ import annotations

import asyncio
import json
import logging
import time

import httpx

from connectors.slack_handoff.check import run_startup_check
from tests.connectors.slack_handoff.harness import (
    SECRET,
    UNASSIGNED,
    make_harness,
    signed,
)
from tests.connectors.slack_handoff.slack_api import APP_TOKEN, SlackAPI

CHALLENGE = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"}).encode()


def domain_text(domain, utter: str, language: str) -> str:
    """The domain's variation of `utter` for the `language` slot value."""
    for variation in domain.responses[utter]:
        conditions = variation.get("condition") or []
        if any(c.get("name") == "language" and c.get("value") == language for c in conditions):
            return variation["text"]
    raise AssertionError(f"{utter} has no {language} variation")


async def post(url: str, path: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        return await client.post(path, content=body, headers=headers)


async def test_signed_challenge_is_answered_and_bad_signatures_get_403(harness):
    ok = await post(harness.url, "/events", CHALLENGE, signed(CHALLENGE))
    assert ok.status_code == 200 and ok.json() == {"challenge": "abc123"}
    forged = await post(harness.url, "/events", CHALLENGE, signed(CHALLENGE, secret="wrong"))
    old = int(time.time()) - 400
    stale = await post(harness.url, "/events", CHALLENGE, signed(CHALLENGE, at=old))
    unsigned = await post(harness.url, "/events", CHALLENGE, {})
    tampered = await post(harness.url, "/events", CHALLENGE + b" ", signed(CHALLENGE))
    assert [r.status_code for r in (forged, stale, unsigned, tampered)] == [403] * 4
    form = b"payload=%7B%7D"
    assert (await post(harness.url, "/interactive", form, {})).status_code == 403
    assert (await post(harness.url, "/interactive", form, signed(form))).status_code == 200
    bad = b"not json"
    assert (await post(harness.url, "/events", bad, signed(bad))).status_code == 400
    async with httpx.AsyncClient(base_url=harness.url) as client:
        health = (await client.get("/")).json()
    assert health["status"] == "ok" and health["handoff_usable"] is True


async def test_no_signing_secret_means_every_request_is_refused(tmp_path):
    env = {"SLACK_SIGNING_SECRET": "", "SLACK_APP_TOKEN": APP_TOKEN}
    h = await make_harness(tmp_path, env=env)
    try:
        resp = await post(h.url, "/events", CHALLENGE, signed(CHALLENGE, secret=SECRET))
        assert resp.status_code == 403
    finally:
        await h.stop()
        await h.slack.stop()


async def test_socket_mode_acks_and_relays_with_the_same_handlers(tmp_path):
    slack = SlackAPI(members={UNASSIGNED})
    await slack.start()
    h = await make_harness(tmp_path, env={"SLACK_APP_TOKEN": APP_TOKEN}, slack=slack)
    try:
        await asyncio.wait_for(slack.connected.wait(), 15)
        await h.visitor_asks_for_human("socket-visitor-000001")
        await h.settle()
        handoff = h.service.store.open_for_sync("socket-visitor-000001")
        event = {
            "type": "message",
            "channel": UNASSIGNED,
            "user": "UANN00001",
            "text": "Via de socket",
            "ts": "1700000200.000100",
            "thread_ts": handoff.thread_ts,
        }
        envelope = {"type": "event_callback", "event": event}
        await slack.push("events_api", envelope, "env-1")
        await slack.push("events_api", envelope, "env-2")  # redelivered: relayed once
        for _ in range(100):
            if len(slack.acks) == 2 and h.pushed:
                break
            await asyncio.sleep(0.05)
        await h.settle()
        assert slack.acks == ["env-1", "env-2"]
        assert [m.text for _, m in h.pushed if m.event == "message"] == ["Via de socket"]
        assert slack.of("apps.connections.open")
    finally:
        await h.stop()
        await slack.stop()
    assert h.channel.socket is None  # stopped with the server


async def test_startup_check_reports_each_problem_and_never_promises_a_human(tmp_path, caplog):
    handoff = {
        "mode": "slack",
        "route": "rules",
        "channel": UNASSIGNED,
        "rules": [{"match": {"language": "de"}, "channel": "C0NOTJOIN"}],
    }
    slack = SlackAPI(members={UNASSIGNED})
    slack.scopes = "chat:write,users:read"
    await slack.start()
    caplog.set_level(logging.ERROR, logger="connectors.slack_handoff.check")
    h = await make_harness(tmp_path, handoff, slack=slack)
    try:
        problems = h.channel.problems
        assert any("lacks scopes" in p and "groups:history" in p for p in problems)
        assert any("C0NOTJOIN" in p and "not_in_channel" in p for p in problems)
        assert h.service.usable is False
        assert sum("slack handoff:" in r.message for r in caplog.records) >= len(problems)
        # the visitor is told no colleague is available and the bot resumes
        await h.visitor_asks_for_human("unusable-visitor-0001", language="de")
        tracker = await h.agent.tracker_store.retrieve("unusable-visitor-0001")
        assert not tracker.is_paused() and tracker.get_slot("handoff_active") is False
        assert h.pushed and h.pushed[-1][1].language == "de"
        expected = domain_text(h.agent.domain, "utter_handoff_unavailable", "de")
        assert h.pushed[-1][1].text == expected
        assert h.service.store.open_for_sync("unusable-visitor-0001") is None
        # a broken token is one line too, and does not raise
        h.service.directory._identity = None
        h.service.client.token = "xoxb-wrong"
        lines = await run_startup_check(h.service, [], h.channel.settings)
        assert lines == ["Slack auth.test failed: invalid_auth (check SLACK_BOT_TOKEN)"]
    finally:
        await h.stop()
        await slack.stop()
