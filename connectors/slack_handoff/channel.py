"""The `slack_handoff` Rasa input channel: Slack's Events API and interactivity endpoints, the
Socket Mode transport, and the life cycle of the handoff service.

Routes (under `/webhooks/slack_handoff`):
  GET  /             health (and whether handoffs are usable)
  POST /events       Events API (url_verification answered; events handled in the background)
  POST /interactive  button clicks (form-encoded `payload=`)

Every POST is verified with slack-sdk's `SignatureVerifier` over the raw body (5-minute window)
and fails closed: no signing secret configured, a forged, stale or unsigned request = 403.
Slack wants an answer within 3 s, so work runs after the 200 (retries with `X-Slack-Retry-Num`
are deduplicated by channel + message ts in the store, not dropped blindly).
Enabled by `connectors.slack_handoff.channel.SlackHandoffInput` in credentials.yml.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.signature import SignatureVerifier

from connectors.common.config import setting
from connectors.common.tasks import BackgroundTasks
from connectors.common.turn import register_after_turn
from connectors.handoff.store import HandoffStore
from connectors.slack_handoff.check import run_startup_check
from connectors.slack_handoff.client import make_client
from connectors.slack_handoff.config import SlackSettings, load_profile_section
from connectors.slack_handoff.events import handle_event_callback
from connectors.slack_handoff.hooks import AfterTurnHook
from connectors.slack_handoff.interactive import handle_interaction
from connectors.slack_handoff.service import HandoffService
from connectors.slack_handoff.socket import SocketTransport

logger = logging.getLogger(__name__)


class SlackHandoffInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "slack_handoff"

    def __init__(
        self,
        settings: SlackSettings,
        profile_path: Path | None = None,
        store: HandoffStore | None = None,
        min_interval_s: float = 1.0,
    ) -> None:
        self.settings = settings
        if profile_path is None:  # the profile every runtime reads: CUSTOMER_AGENT_BOT_DIR
            from connectors.settings import get_settings

            profile_path = get_settings().profile_path
        self.config, self.config_errors = load_profile_section(profile_path)
        self.store = store or HandoffStore.from_env()
        self.service = HandoffService(
            self.config, self.store, make_client(settings), min_interval_s=min_interval_s
        )
        self.verifier = (
            SignatureVerifier(settings.signing_secret) if settings.signing_secret else None
        )
        self.tasks = BackgroundTasks(self.name())
        self.hook = AfterTurnHook(self.service)
        self.socket: SocketTransport | None = None
        self._socket_task: asyncio.Task[None] | None = None
        self.problems: list[str] = []

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any] | None) -> InputChannel:
        """Called by `rasa run`; each key falls back to its SLACK_* variable."""
        env = {
            name: setting(credentials, key, name) or ""
            for key, name in (
                ("bot_token", "SLACK_BOT_TOKEN"),
                ("signing_secret", "SLACK_SIGNING_SECRET"),
                ("app_token", "SLACK_APP_TOKEN"),
                ("api_url", "SLACK_API_URL"),
                ("timeout_s", "SLACK_TIMEOUT_S"),
            )
        }
        interval = float(setting(credentials, "min_post_interval_s", "SLACK_POST_INTERVAL_S") or 1)
        return cls(SlackSettings.from_env(env), min_interval_s=interval)

    # life cycle --------------------------------------------------------------------------------

    async def start(self, app: Any) -> None:
        """Before the server serves: hook into every visitor turn, start the outbox worker,
        check Slack, open Socket Mode. Never raises: a broken Slack must not stop Rasa."""
        self.service.app = app
        register_after_turn(app, self.hook)  # the same object each time: registered once
        for channel in getattr(app.ctx, "input_channels", None) or ():
            handlers = getattr(channel, "window_closed_handlers", None)
            if isinstance(handlers, list):  # WhatsApp, Messenger (connectors/common/window.py)
                handlers.append(self._window_closed_handler(channel.name()))
        try:
            self.problems = await run_startup_check(self.service, self.config_errors, self.settings)
        except Exception:
            logger.exception("slack handoff: start-up check failed")
            self.service.usable = False
        if self.service.usable:
            self.service.worker.start()
            if self.settings.app_token:
                self._socket_task = asyncio.create_task(self._run_socket())

    def _window_closed_handler(self, channel: str) -> Callable[[str, str], Awaitable[None]]:
        async def handler(conversation_id: str, text: str) -> None:
            # called while Rasa still holds the conversation's lock: work after the turn
            self.tasks.spawn(
                self.service.window_closed(conversation_id, channel, text),
                conversation_id=conversation_id,
                what="window-closed handoff",
            )

        return handler

    async def _run_socket(self) -> None:
        assert self.settings.app_token
        delay = 1.0
        while self.socket is None:
            transport = SocketTransport(self.settings.app_token, self.service.client, self.dispatch)
            try:
                await transport.start()
                self.socket = transport
            except Exception as exc:  # slack-sdk raises several kinds; retry all
                logger.warning("slack Socket Mode connect failed (%s); retry in %.0f s", exc, delay)
                await transport.stop()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)

    async def stop(self) -> None:
        if self._socket_task is not None:
            self._socket_task.cancel()
        if self.socket is not None:
            await self.socket.stop()
            self.socket = None
        await self.service.worker.stop()
        try:
            await asyncio.wait_for(self.tasks.drain(), 10)
        except asyncio.TimeoutError:
            logger.warning("slack handoff: stopped with Slack events still in flight")
        self.store.close()

    async def dispatch(self, kind: str, payload: Mapping[str, Any]) -> None:
        """Handle one verified Slack payload in the background (both transports)."""
        handler = handle_event_callback if kind == "events" else handle_interaction
        self.tasks.spawn(
            handler(self.service, payload), conversation_id="slack", what=f"slack {kind}"
        )

    # HTTP transport ----------------------------------------------------------------------------

    def _verified(self, request: Request) -> bool:
        if self.verifier is None:
            return False  # fail closed: no secret, no trust
        return self.verifier.is_valid_request(request.body or b"", dict(request.headers))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("slack_handoff_webhook", __name__)

        @bp.listener("before_server_start")
        async def started(app: Any, _loop: Any) -> None:
            await self.start(app)

        @bp.listener("before_server_stop")
        async def stopping(app: Any, _loop: Any) -> None:
            await self.stop()

        @bp.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json(
                {"status": "ok", "handoff_usable": self.service.usable, "problems": self.problems}
            )

        @bp.route("/events", methods=["POST"])
        async def events(request: Request) -> HTTPResponse:
            if not self._verified(request):
                return response.json({"error": "invalid signature"}, status=403)
            try:
                body = json.loads(request.body)
            except (ValueError, UnicodeDecodeError):
                return response.json({"error": "body must be JSON"}, status=400)
            if not isinstance(body, dict):
                return response.json({"error": "body must be a JSON object"}, status=400)
            if body.get("type") == "url_verification":
                return response.json({"challenge": str(body.get("challenge", ""))})
            if body.get("type") == "event_callback":
                await self.dispatch("events", body)
            return response.json({"ok": True})

        @bp.route("/interactive", methods=["POST"])
        async def interactive(request: Request) -> HTTPResponse:
            if not self._verified(request):
                return response.json({"error": "invalid signature"}, status=403)
            try:
                form = parse_qs((request.body or b"").decode("utf-8"))
                payload = json.loads(form["payload"][0])
            except (KeyError, IndexError, ValueError, UnicodeDecodeError):
                return response.json({"error": "expected a form field payload"}, status=400)
            if not isinstance(payload, dict):
                return response.json({"error": "payload must be a JSON object"}, status=400)
            await self.dispatch("interactive", payload)
            return response.text("")

        return bp
