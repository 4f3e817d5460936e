"""A handoff harness for tests and benchmarks/bench_handoff.py: the real `slack_handoff` channel
in a real Sanic server with a real Rasa agent (the project's domain, in-memory tracker and lock
stores), the handoff store on a SQLite file, and the local Slack API server. The visitor's
channel is either recorded (a registered push) or the real web chat channel."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import yaml
from rasa.core.agent import Agent
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    BotUttered,
    ConversationPaused,
    SlotSet,
    UserUttered,
)
from sanic import Sanic

from connectors.common.delivery import DeliveryResult, OutboundMessage, register_push
from connectors.common.turn import Turn, after_turn_hooks
from connectors.handoff.db import SQLiteDatabase
from connectors.handoff.store import HandoffStore
from connectors.slack_handoff.channel import SlackHandoffInput
from connectors.slack_handoff.config import SlackSettings
from tests.connectors.slack_handoff.slack_api import BOT_TOKEN, SlackAPI
from tests.support.stack import free_port

ROOT = Path(__file__).resolve().parents[3]
SECRET = "test-signing-secret"
UNASSIGNED = "C0UNASSIGN"
TEAM = "C0BILLING1"


def signed(body: bytes, secret: str = SECRET, at: int | None = None) -> dict[str, str]:
    """Headers Slack sends: v0 HMAC-SHA256 over "v0:{timestamp}:{body}"."""
    ts = str(int(time.time()) if at is None else at)
    base = b"v0:" + ts.encode() + b":" + body
    sig = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig}


def profile(tmp_path: Path, handoff: dict[str, Any]) -> Path:
    path = tmp_path / "agent_profile.yml"
    path.write_text(yaml.safe_dump({"name": "Ava", "handoff": handoff}), encoding="utf-8")
    return path


@dataclass
class Harness:
    app: Sanic
    channel: SlackHandoffInput
    slack: SlackAPI
    agent: Agent
    pushed: list[tuple[str, OutboundMessage]] = field(default_factory=list)
    push_result: DeliveryResult = field(default_factory=DeliveryResult.success)
    url: str = ""
    base_url: str = ""
    server: Any = None
    client: httpx.AsyncClient | None = None

    @property
    def service(self):
        return self.channel.service

    async def visitor_asks_for_human(
        self, sender: str, text: str = "ik wil een mens spreken", language: str = "nl"
    ) -> None:
        """The turn the agent hands off in (what action_handoff leaves in the tracker)."""
        store = self.agent.tracker_store
        tracker = await store.get_or_create_tracker(sender)
        for event in (
            UserUttered(text, {"name": "request_human"}),
            SlotSet("language", language),
            SlotSet("handoff_reason", "visitor_request"),
            BotUttered("Een collega neemt het over.", {"custom": {"kind": "handoff"}}),
            SlotSet("handoff_active", True),
            ConversationPaused(),
        ):
            tracker.update(event, self.agent.domain)
        await store.save(tracker)
        replies = [{"text": "Een collega neemt het over.", "custom": {"kind": "handoff"}}]
        await self.turn(sender, text, replies)

    async def turn(self, sender: str, text: str, replies: list[dict[str, Any]]) -> None:
        for hook in after_turn_hooks(self.app):
            await hook(Turn(self.app, sender, "webchat", text, {}, tuple(replies)))

    async def settle(self, until_sent: bool = True, timeout_s: float = 10.0) -> None:
        """Background Slack events handled and (unless told otherwise) the outbox posted."""
        await self.channel.tasks.drain()
        deadline = time.monotonic() + timeout_s
        while True:  # the background worker may hold a lease: poll the store
            posted = await self.service.worker.flush()
            pending = self.service.store.pending_count_sync()
            if not posted and (not until_sent or not pending or time.monotonic() > deadline):
                return
            await asyncio.sleep(0.02)

    async def post_event(self, event: dict[str, Any], **headers: str) -> httpx.Response:
        body = json.dumps({"type": "event_callback", "event_id": "Ev1", "event": event}).encode()
        return await self.http().post("/events", content=body, headers={**signed(body), **headers})

    async def click(self, action: str, handoff_id: str, user: str) -> httpx.Response:
        payload = {
            "type": "block_actions",
            "user": {"id": user},
            "channel": {"id": self.service.store.get_sync(handoff_id).slack_channel},
            "container": {"message_ts": "1.0"},
            "actions": [{"action_id": action, "value": handoff_id}],
        }
        body = urlencode({"payload": json.dumps(payload)}).encode()
        headers = {**signed(body), "Content-Type": "application/x-www-form-urlencoded"}
        return await self.http().post("/interactive", content=body, headers=headers)

    def http(self) -> httpx.AsyncClient:
        """One client for all requests (building one loads the CA bundle: ~100 ms)."""
        if self.client is None:
            self.client = httpx.AsyncClient(base_url=self.url, timeout=10)
        return self.client

    async def stop(self) -> None:
        if self.client is not None:
            await self.client.aclose()
            self.client = None
        if self.server is not None:
            await self.server.before_stop()
            self.server.close()
            await self.server.wait_closed()
            await self.server.after_stop()
            self.server = None


DEFAULT_HANDOFF = {"mode": "slack", "route": "nobody", "channel": UNASSIGNED}


async def make_harness(
    tmp_path: Path,
    handoff: dict[str, Any] | None = None,
    *,
    members: set[str] | None = None,
    env: dict[str, str] | None = None,
    slack: SlackAPI | None = None,
    webchat: bool = False,
) -> Harness:
    """`webchat=True`: the real web chat channel serves the visitor (its persistent outbox and
    `/webhooks/webchat/poll`); otherwise pushes to "webchat" are recorded in `pushed`."""
    slack = slack or SlackAPI(members={UNASSIGNED, TEAM} if members is None else members)
    if not slack.base_url:
        await slack.start()
    settings = SlackSettings.from_env(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.base_url,
            "SLACK_TIMEOUT_S": "3",
            **(env or {}),
        }
    )
    channel = SlackHandoffInput(
        settings,
        profile_path=profile(tmp_path, handoff or DEFAULT_HANDOFF),
        store=HandoffStore(SQLiteDatabase(tmp_path / "handoff.sqlite3")),
        min_interval_s=0.0,
    )
    domain = Domain.load(str(ROOT / "bot" / "domain"))
    agent = Agent(
        domain=domain, tracker_store=InMemoryTrackerStore(domain), lock_store=InMemoryLockStore()
    )
    app = Sanic(f"handoff_test_{id(channel)}")
    app.ctx.agent = agent

    async def noop(_message: Any) -> None:
        return None

    app.blueprint(channel.blueprint(noop), url_prefix="/webhooks/slack_handoff")
    harness = Harness(app, channel, slack, agent)
    channels: list[Any] = [channel]
    if webchat:
        from connectors.webchat import WebChatInput

        chat = WebChatInput(ip_rate_limit_per_minute=0)  # the benchmark polls every 10 ms
        app.blueprint(chat.blueprint(noop), url_prefix="/webhooks/webchat")
        channels.append(chat)
    app.ctx.input_channels = channels  # as rasa.core.channels.channel.register sets it

    async def push(sender_id: str, message: OutboundMessage) -> DeliveryResult:
        harness.pushed.append((sender_id, message))
        return harness.push_result

    if not webchat:
        register_push(app, "webchat", push)
    port = free_port()
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )
    await server.startup()
    await server.before_start()
    await server.after_start()
    harness.server = server
    harness.url = f"http://127.0.0.1:{port}/webhooks/slack_handoff"
    harness.base_url = f"http://127.0.0.1:{port}"
    return harness
