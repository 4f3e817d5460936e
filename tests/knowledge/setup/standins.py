"""Local HTTP stand-ins for the services `customer-agent check` calls and this machine does not
have: Slack's Web API (`auth.test` with the `x-oauth-scopes` header, `conversations.history`,
as documented at api.slack.com/methods) and an OpenAI-compatible `GET /v1/models`. Stdlib only
(the agent env has no aiohttp); each request is recorded."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

GOOD_TOKEN = "xoxb-1111-2222-goodtoken"
SCOPES = (
    "chat:write,chat:write.customize,channels:history,groups:history,users:read,"
    "usergroups:read,reactions:write"
)


@dataclass
class StandIn:
    members: set[str] = field(default_factory=set)  # Slack channels the bot was invited to
    scopes: str = SCOPES
    models: list[str] = field(default_factory=list)
    api_key: str = ""
    calls: list[str] = field(default_factory=list)
    base_url: str = ""

    def slack(
        self, method: str, auth: str, params: dict[str, str]
    ) -> tuple[int, dict[str, Any], dict]:
        if auth != f"Bearer {GOOD_TOKEN}":
            return 200, {}, {"ok": False, "error": "invalid_auth"}
        if method == "auth.test":
            data = {"ok": True, "team": "Acme", "user": "agent", "user_id": "UBOT00001"}
            return 200, {"x-oauth-scopes": self.scopes}, data
        if method == "conversations.history":
            if params.get("channel") in self.members:
                return 200, {}, {"ok": True, "messages": []}
            return 200, {}, {"ok": False, "error": "not_in_channel"}
        return 404, {}, {"ok": False, "error": "unknown_method"}

    def openai(self, path: str, auth: str) -> tuple[int, dict[str, Any], dict]:
        if self.api_key and auth != f"Bearer {self.api_key}":
            return 401, {}, {"error": {"message": "Incorrect API key provided"}}
        if path == "/v1/models":
            return 200, {}, {"object": "list", "data": [{"id": m} for m in self.models]}
        return 404, {}, {"error": {"message": "not found"}}


@contextmanager
def running(standin: StandIn) -> Iterator[StandIn]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            auth = self.headers.get("Authorization") or ""
            path, _, query = self.path.partition("?")
            standin.calls.append(path)
            if path.startswith("/api/"):
                params = {k: v[0] for k, v in parse_qs(query).items()}
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    params.update(json.loads(body or "{}"))
                else:
                    params.update({k: v[0] for k, v in parse_qs(body).items()})
                method = path.removeprefix("/api/")
                status, headers, data = standin.slack(method, auth, params)
            else:
                status, headers, data = standin.openai(path, auth)
            raw = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = _answer

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    standin.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
