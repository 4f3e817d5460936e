"""A local HTTP server speaking the parts of Slack's Web API the handoff uses, and a Socket Mode
websocket, as documented at api.slack.com: `auth.test` (with the `x-oauth-scopes` header),
`chat.postMessage`, `chat.update`, `chat.postEphemeral`, `users.info`, `conversations.history`,
`apps.connections.open`. Every call is recorded; `down = True` makes it answer 503 like an
outage, so outbox retries can be tested."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

BOT_TOKEN = "xoxb-test-bot-token"
APP_TOKEN = "xapp-test-app-token"
BOT_USER = "UBOT00001"
BOT_ID = "BBOT00001"
SCOPES = (
    "chat:write,chat:write.customize,channels:history,groups:history,users:read,"
    "usergroups:read,reactions:write"
)


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class SlackAPI:
    def __init__(self, members: set[str] | None = None) -> None:
        self.calls: list[Call] = []
        self.down = False
        self.members = members if members is not None else set()  # channels the bot is in
        self.users = {
            "UANN00001": ("Ann", "https://avatars.example/ann.png"),
            "UBOB00001": ("Bob", "https://avatars.example/bob.png"),
        }
        self.scopes = SCOPES
        self._ts = 1_700_000_000
        self.sockets: list[web.WebSocketResponse] = []
        self.acks: list[str] = []
        self.connected = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_get("/link", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}/api/"

    async def stop(self) -> None:
        for ws in self.sockets:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def next_ts(self) -> str:
        self._ts += 1
        return f"{self._ts}.000100"

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if self.down:
            return web.Response(status=503, text="service unavailable")
        tokens = (f"Bearer {BOT_TOKEN}", f"Bearer {APP_TOKEN}")
        if request.headers.get("Authorization") not in tokens:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        args: dict[str, Any] = dict(request.query)
        body = await request.read()
        if body:
            if request.content_type == "application/json":
                args.update(json.loads(body))
            else:
                args.update(dict(parse_qsl(body.decode())))
        self.calls.append(Call(method, args))
        return self._answer(method, args)

    def _answer(self, method: str, args: dict[str, Any]) -> web.Response:
        ok = web.json_response
        if method == "auth.test":
            return ok(
                {"ok": True, "user_id": BOT_USER, "bot_id": BOT_ID, "team": "Test", "user": "bot"},
                headers={"x-oauth-scopes": self.scopes},
            )
        if method == "chat.postMessage":
            ts = self.next_ts()
            return ok({"ok": True, "channel": args.get("channel"), "ts": ts, "message": {}})
        if method == "chat.update":
            return ok({"ok": True, "channel": args.get("channel"), "ts": args.get("ts")})
        if method == "chat.postEphemeral":
            return ok({"ok": True, "message_ts": self.next_ts()})
        if method == "users.info":
            name, avatar = self.users.get(str(args.get("user")), ("Someone", None))
            profile = {"display_name": name, "real_name": name, "image_192": avatar}
            return ok({"ok": True, "user": {"id": args.get("user"), "profile": profile}})
        if method == "conversations.history":
            if args.get("channel") not in self.members:
                return ok({"ok": False, "error": "not_in_channel"})
            return ok({"ok": True, "messages": []})
        if method == "apps.connections.open":
            return ok({"ok": True, "url": self.base_url.replace("http", "ws", 1)[:-4] + "link"})
        return ok({"ok": False, "error": "unknown_method"})

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1})
        self.connected.set()
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                data = json.loads(msg.data)
                if "envelope_id" in data:
                    self.acks.append(data["envelope_id"])
        return ws

    async def push(self, kind: str, payload: dict[str, Any], envelope_id: str) -> None:
        """Send one Socket Mode envelope (`events_api` or `interactive`) to every client."""
        for ws in self.sockets:
            if not ws.closed:
                envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload}
                await ws.send_json({**envelope, "retry_attempt": 0})
