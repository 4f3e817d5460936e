"""A real local HTTP server standing in for Twilio's Messages API and Meta's Send API.

Only the platforms are stood in for, at their HTTP boundary, with their documented payloads:
- Twilio: POST /2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded, HTTP basic auth
  (AccountSid, AuthToken); 201 with a Message resource, errors as {"code","message","status"}.
- Graph: POST /{version}/me/messages?access_token=..., JSON {"recipient","messaging_type",
  "message"}; 200 {"recipient_id","message_id"}, errors as {"error": {...}}.
Tests script failures (`fail_next`) to exercise retries and read what arrived from `twilio` /
`graph`. A platform's connector tests and its feedback tests share their fixtures through
`stub_fixture` and `connector_env_fixture`, so both run against the same stub and environment.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.support.stack import free_port

__all__ = [
    "Captured",
    "PlatformStub",
    "connector_env_fixture",
    "free_port",
    "running_stub",
    "stub_fixture",
]


@dataclass
class Captured:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    form: dict[str, str] = field(default_factory=dict)
    json: Any = None


class PlatformStub:
    def __init__(
        self,
        *,
        account_sid: str = "AC" + "0" * 32,
        auth_token: str = "twilio-token",
        page_token: str = "page-token",
        app_secret: str | None = None,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.page_token = page_token
        self.app_secret = app_secret  # when set, appsecret_proof is required (as Meta does)
        self.twilio: list[Captured] = []
        self.graph: list[Captured] = []
        self.attempts = 0  # every request, failed or not
        self.fail_next: list[tuple[int, dict[str, Any]]] = []  # (status, JSON body) to answer
        self.port = free_port()
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._twilio)
        app.router.add_post("/{version}/me/messages", self._graph)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_for(self, kind: str, count: int, timeout: float = 5.0) -> list[Captured]:
        """Wait until at least `count` requests of `kind` ("twilio"/"graph") arrived."""
        items = self.twilio if kind == "twilio" else self.graph
        deadline = asyncio.get_running_loop().time() + timeout
        while len(items) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"expected {count} {kind} requests, got {len(items)}")
            await asyncio.sleep(0.02)
        return items

    def _scripted_failure(self) -> web.Response | None:
        self.attempts += 1
        if self.fail_next:
            status, body = self.fail_next.pop(0)
            return web.json_response(body, status=status)
        return None

    async def _twilio(self, request: web.Request) -> web.Response:
        expected = (
            "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        )
        if request.headers.get("Authorization") != expected:
            return web.json_response(
                {"code": 20003, "message": "Authenticate", "status": 401}, status=401
            )
        if request.match_info["sid"] != self.account_sid:
            return web.json_response(
                {"code": 20404, "message": "The requested resource was not found", "status": 404},
                status=404,
            )
        if request.content_type != "application/x-www-form-urlencoded":
            return web.json_response({"code": 20001, "message": "bad type", "status": 400}, 400)
        form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        failure = self._scripted_failure()
        if failure is not None:
            return failure
        if (
            "To" not in form
            or "Body" not in form
            or not ({"From", "MessagingServiceSid"} & form.keys())
        ):
            return web.json_response(
                {"code": 21604, "message": "A 'To' phone number is required.", "status": 400}, 400
            )
        if len(form["Body"]) > 1600:
            return web.json_response(
                {
                    "code": 21617,
                    "message": "The concatenated message body exceeds the 1600 character limit.",
                    "status": 400,
                },
                400,
            )
        self.twilio.append(
            Captured(request.path, dict(request.query), dict(request.headers), form=form)
        )
        sid = "SM" + uuid.uuid4().hex
        return web.json_response(
            {
                "sid": sid,
                "account_sid": self.account_sid,
                "to": form["To"],
                "from": form.get("From"),
                "messaging_service_sid": form.get("MessagingServiceSid"),
                "body": form["Body"],
                "status": "queued",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                "num_segments": "1",
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            },
            status=201,
        )

    async def _graph(self, request: web.Request) -> web.Response:
        if request.query.get("access_token") != self.page_token:
            return web.json_response(
                {
                    "error": {
                        "message": "Invalid OAuth access token.",
                        "type": "OAuthException",
                        "code": 190,
                        "fbtrace_id": "stub",
                    }
                },
                status=400,
            )
        if self.app_secret is not None:
            proof = hmac.new(
                self.app_secret.encode(), self.page_token.encode(), hashlib.sha256
            ).hexdigest()
            if request.query.get("appsecret_proof") != proof:
                return web.json_response(
                    {
                        "error": {
                            "message": "Invalid appsecret_proof provided in the API argument",
                            "type": "GraphMethodException",
                            "code": 100,
                        }
                    },
                    status=400,
                )
        body = await request.json()
        failure = self._scripted_failure()
        if failure is not None:
            return failure
        recipient = (body.get("recipient") or {}).get("id")
        message = body.get("message") or {}
        if not recipient or not (message.get("text") or message.get("attachment")):
            return web.json_response(
                {
                    "error": {
                        "message": "(#100) param missing",
                        "type": "OAuthException",
                        "code": 100,
                    }
                },
                status=400,
            )
        if len(message.get("text") or "") > 2000:
            return web.json_response(
                {
                    "error": {
                        "message": "(#100) Length of param message[text] must be <= 2000",
                        "type": "OAuthException",
                        "code": 100,
                    }
                },
                status=400,
            )
        self.graph.append(
            Captured(request.path, dict(request.query), dict(request.headers), json=body)
        )
        return web.json_response({"recipient_id": recipient, "message_id": "m_" + uuid.uuid4().hex})


@contextlib.asynccontextmanager
async def running_stub(**credentials: Any) -> AsyncIterator[PlatformStub]:
    """A started stub that accepts `credentials` (PlatformStub's keywords), stopped on the way
    out even when the test fails, so its port and captures never reach another test."""
    stub = PlatformStub(**credentials)
    await stub.start()
    try:
        yield stub
    finally:
        await stub.stop()


def stub_fixture(**credentials: Any) -> Any:
    """A fresh `running_stub(**credentials)` per test, as a fixture named after the module
    variable it is bound to (`stub = stub_fixture(page_token=PAGE_TOKEN)`): a channel's tests
    and its feedback tests bind the same credentials their requests are signed with."""

    @pytest.fixture
    async def fixture() -> AsyncIterator[PlatformStub]:
        async with running_stub(**credentials) as stub:
            yield stub

    return fixture


def connector_env_fixture(platform_vars: Iterable[str], **env: str) -> Any:
    """An autouse fixture (bound like `stub_fixture`) giving each test its own data directory
    (CUSTOMER_AGENT_DATA: the channels' dedupe, window and prompt stores), retries 10 ms apart,
    the extra `env`, and none of `platform_vars` from the shell that runs the tests: a channel
    falls back to its variables for every credential a test leaves out
    (connectors/common/config.py `setting`), so a developer's real Twilio or Meta settings
    would otherwise change what the tests see."""
    names = tuple(platform_vars)

    @pytest.fixture(autouse=True)
    def fixture(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        monkeypatch.setenv("CUSTOMER_AGENT_DATA", str(tmp_path))
        monkeypatch.setenv("CUSTOMER_AGENT_CONNECTOR_BACKOFF_S", "0.01")
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        for name in names:
            monkeypatch.delenv(name, raising=False)

    return fixture
