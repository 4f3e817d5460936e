"""An agent's Slack reply reaches the real web chat channel: the persistent outbox the widget
polls (whichever Rasa process serves the poll), with the agent's name and Slack avatar, and the
header events (joined, back with the assistant)."""

from __future__ import annotations

import httpx

from tests.connectors.slack_handoff.harness import make_harness

SENDER = "Wc0nversation_abcdefghijk"  # the widget's id format (22-64 URL-safe characters)


async def poll(base_url: str, after: int = 0) -> list[dict]:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        resp = await client.get(
            "/webhooks/webchat/poll", params={"conversation_id": SENDER, "after": after}
        )
    assert resp.status_code == 200
    return resp.json()["messages"]


async def test_agent_reply_and_hand_back_reach_the_widget_poll(tmp_path, monkeypatch):
    monkeypatch.setenv("CUSTOMER_AGENT_DATA", str(tmp_path / "data"))
    h = await make_harness(tmp_path, webchat=True)
    try:
        await h.visitor_asks_for_human(SENDER)
        await h.settle()
        handoff = h.service.store.open_for_sync(SENDER)
        event = {
            "type": "message",
            "channel": handoff.slack_channel,
            "user": "UANN00001",
            "text": "Hallo, ik ben Ann van de klantenservice.",
            "ts": "1700000300.000100",
            "thread_ts": handoff.thread_ts,
        }
        assert (await h.post_event(event)).status_code == 200
        await h.settle()
        joined, said = await poll(h.base_url)
        assert joined["custom"]["event"] == "agent_joined"
        assert joined["custom"]["agent"] == {
            "name": "Ann",
            "avatar_url": "https://avatars.example/ann.png",
        }
        assert said["text"] == "Hallo, ik ben Ann van de klantenservice."
        assert said["custom"]["kind"] == "human" and said["custom"]["agent"]["name"] == "Ann"
        await h.post_event({**event, "text": "handback", "ts": "1700000300.000200"})
        await h.settle()
        (back,) = await poll(h.base_url, after=said["id"])
        assert back["custom"]["event"] == "agent_left" and back["custom"]["language"] == "nl"
    finally:
        await h.stop()
        await h.slack.stop()
