"""Web chat channel: the REST API the embeddable widget talks to, and the widget's static files.

Why REST and not websockets: every reply is a complete, merged message (text + buttons + the
`custom` payload), a reload must keep the conversation, and messages pushed later by a human
(Slack handoff) are rare; a small outbox polled by the widget covers them without sticky sessions.

Routes (under `/webhooks/webchat`):
  GET  /              health
  POST /webhook       {"conversation_id", "message", "metadata": {"languages", "page_url"}}
  GET  /config        agent name, avatar, sample questions, show-why flag (what the widget needs)
  GET  /poll          ?conversation_id=&after=<last id shown>: messages pushed outside a request
                      (a person in the Slack handoff), from the persistent outbox
                      (`connectors.common.outbox`), so any Rasa process can serve the poll
  GET  /static/<f>    widget.js, widget.css, i18n.js, avatar.svg
  GET  /test          the admin test-chat page, only when show-why is enabled (else 404)
  POST /test/batch    the profile's sample questions as test cases (connectors/webchat_batch.py)

Browsers call it with "simple" CORS requests (text/plain JSON bodies, no custom headers), so no
preflight is needed: Rasa's own sanic-cors middleware answers every OPTIONS request itself.
Requests from an origin that is neither this server nor configured are refused with 403.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.common.browser import BadRequest, BrowserGate
from connectors.common.delivery import DeliveryResult, OutboundMessage
from connectors.common.outbox import Outbox
from connectors.common.profile import load_profile
from connectors.common.ratelimit import SharedRateLimiter
from connectors.common.turn import run_turn
from connectors.replies import merge_utterance
from connectors.settings import get_settings
from connectors.settings import profile as agent_profile
from connectors.webchat_batch import mount_batch

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static" / "webchat"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
STATIC_FILES = {
    "widget.js": "application/javascript; charset=utf-8",
    "widget.css": "text/css; charset=utf-8",
    "i18n.js": "application/javascript; charset=utf-8",
    "avatar.svg": "image/svg+xml",
}
UI_LANGUAGES = ("en", "nl", "de", "fr", "es")
# 128 bits or more of browser randomness, URL-safe: nobody can pick another visitor's id.
CONVERSATION_ID = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,4}$")


def ui_language(languages: list[str] | None) -> str:
    """First browser language the widget has strings for; English otherwise."""
    for tag in languages or []:
        primary = tag.split("-")[0].lower()
        if primary in UI_LANGUAGES:
            return primary
    return "en"


class WebChatOutput(OutputChannel):
    """Collects the merged replies to one visitor request (`merge_utterance`)."""

    def __init__(self, show_why: bool) -> None:
        self.show_why = show_why
        self.messages: list[dict[str, Any]] = []

    @classmethod
    def name(cls) -> str:
        return "webchat"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        merged = merge_utterance(message, show_why=self.show_why)
        if merged:
            self.messages.append(merged)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text, **kwargs})

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        await self.send_response(recipient_id, {**kwargs, "custom": json_message})


class OutboxOutput(WebChatOutput):
    """Out-of-band sender (Rasa reminders, anything outside a request): queued in the
    persistent outbox until the widget polls."""

    def __init__(self, outbox: Outbox, show_why: bool) -> None:
        super().__init__(show_why)
        self.outbox = outbox

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        merged = merge_utterance(message, show_why=self.show_why)
        if merged:
            self.messages.append(merged)
            await self.outbox.put_async(recipient_id, merged)


class WebChatInput(InputChannel):
    """Input channel for the embeddable widget.

    Enabled by the `connectors.webchat.WebChatInput` key of credentials.yml.
    """

    @classmethod
    def name(cls) -> str:
        return "webchat"

    def __init__(
        self,
        cors_origins: list[str] | None = None,
        max_message_chars: int = 1000,
        max_body_bytes: int = 16_384,
        rate_limit_per_minute: int = 20,
        ip_rate_limit_per_minute: int = 120,
        show_why: bool = False,
        profile_path: Path | None = None,
        greet_payload: str | None = "/greet",
        poll_interval_s: float = 4.0,
    ) -> None:
        self.gate = BrowserGate(cors_origins or [], max_body_bytes)
        self.cors_origins = self.gate.cors_origins
        self.max_message_chars = max_message_chars
        self.max_body_bytes = max_body_bytes
        # counted in the shared state database, so every server gives a visitor one budget
        self.conversation_limiter = SharedRateLimiter(
            rate_limit_per_minute, scope="webchat_conversation"
        )
        self.ip_limiter = SharedRateLimiter(ip_rate_limit_per_minute, scope="webchat_ip")
        self.show_why = show_why
        self.profile_path = profile_path  # None: the one in the settings' bot_dir
        self.greet_payload = greet_payload
        self.poll_interval_s = poll_interval_s
        self.outbox = Outbox()  # opened on first use, under $CUSTOMER_AGENT_DATA
        self._profile: dict[str, Any] | None = None

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Called by `rasa run`. Show-why follows CUSTOMER_AGENT_SHOW_WHY unless set here; sites
        listed in CUSTOMER_AGENT_WEBCHAT_ORIGINS are added to `cors_origins` (both read once by
        `connectors.settings`). The agent profile is read and checked here, at start-up."""
        creds = credentials or {}
        origins = creds.get("cors_origins") or []
        if isinstance(origins, str):
            origins = origins.split(",")
        settings = get_settings()
        origins = [*origins, *settings.webchat_origins]
        origins = [str(o).strip() for o in origins if str(o).strip()]
        show_why = creds.get("show_why")
        profile = creds.get("profile")
        channel = cls(
            cors_origins=list(origins),
            max_message_chars=int(creds.get("max_message_chars", 1000)),
            max_body_bytes=int(creds.get("max_body_bytes", 16_384)),
            rate_limit_per_minute=int(creds.get("rate_limit_per_minute", 20)),
            ip_rate_limit_per_minute=int(creds.get("ip_rate_limit_per_minute", 120)),
            show_why=settings.show_why if show_why is None else bool(show_why),
            profile_path=PROJECT_ROOT / profile if profile else None,
            greet_payload=creds.get("greet_payload", "/greet"),
            poll_interval_s=float(creds.get("poll_interval_s", 4.0)),
        )
        channel.profile()  # a mistake in the profile stops start-up, one line per mistake
        return channel

    def get_output_channel(self) -> OutputChannel | None:
        """Used by Rasa (and the Slack handoff) to reach a visitor outside a request."""
        return OutboxOutput(self.outbox, self.show_why)

    # request checks -------------------------------------------------------------------------

    def _conversation_id(self, value: Any) -> str:
        if not isinstance(value, str) or not CONVERSATION_ID.match(value):
            raise BadRequest(400, "conversation_id must be 22-64 URL-safe characters")
        return value

    def parse_webhook(self, request: Request) -> tuple[str, str, dict[str, Any]]:
        """Validates a widget POST; raises BadRequest with the status to return."""
        data = self.gate.read_json(request)
        conversation_id = self._conversation_id(data.get("conversation_id"))
        text = data.get("message")
        if not isinstance(text, str) or not text.strip():
            raise BadRequest(400, "message must be a non-empty string")
        if len(text) > self.max_message_chars:
            raise BadRequest(413, f"message longer than {self.max_message_chars} characters")
        return conversation_id, text, self.clean_metadata(data.get("metadata"))

    @staticmethod
    def clean_metadata(raw: Any) -> dict[str, Any]:
        """Only `languages` (browser tags) and `page_url` pass; anything malformed is dropped."""
        if not isinstance(raw, dict):
            return {}
        meta: dict[str, Any] = {}
        languages = raw.get("languages")
        if isinstance(languages, list):
            tags = [t for t in languages[:10] if isinstance(t, str) and LANGUAGE_TAG.match(t)]
            if tags:
                meta["languages"] = tags
        page_url = raw.get("page_url")
        if isinstance(page_url, str) and page_url.startswith(("http://", "https://")):
            meta["page_url"] = page_url[:2000]
        return meta

    def _check_rate(self, request: Request, conversation_id: str) -> None:
        if not self.ip_limiter.allow(f"ip:{request.ip}"):
            raise BadRequest(429, "too many requests")
        if not self.conversation_limiter.allow(conversation_id):
            raise BadRequest(429, "too many messages, please wait a moment")

    def profile(self) -> dict[str, Any]:
        """The agent profile fields the widget shows; read once, on first use."""
        if self._profile is None:
            found = load_profile(self.profile_path) if self.profile_path else agent_profile()
            self._profile = {
                "name": found.name,
                "role": found.role,
                "avatar_url": found.avatar_url or None,
                "sample_questions": {k: list(v) for k, v in found.sample_questions.items()},
            }
        return self._profile

    # routes ---------------------------------------------------------------------------------

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webchat = Blueprint("webchat_webhook", __name__)

        @webchat.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webchat.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                conversation_id, text, metadata = self.parse_webhook(request)
                self._check_rate(request, conversation_id)
            except BadRequest as err:
                return self.gate.error(request, err)
            message = UserMessage(
                text,
                WebChatOutput(self.show_why),
                conversation_id,
                input_channel=self.name(),
                metadata=metadata,
            )
            messages = await run_turn(
                request.app,
                on_new_message,
                message,
                fallback_language=ui_language(metadata.get("languages")),
            )
            return self.gate.json(
                request, {"conversation_id": conversation_id, "messages": messages}
            )

        @webchat.route("/config", methods=["GET"])
        async def config(request: Request) -> HTTPResponse:
            if not self.gate.origin_allowed(request):
                return self.gate.error(request, BadRequest(403, "origin not allowed"))
            body = {
                **self.profile(),
                "show_why": self.show_why,
                "greet_payload": self.greet_payload,
                "max_message_chars": self.max_message_chars,
                "poll_interval_s": self.poll_interval_s,
            }
            return self.gate.json(request, body)

        @webchat.route("/poll", methods=["GET"])
        async def poll(request: Request) -> HTTPResponse:
            try:
                self.gate.check_origin(request)
                conversation_id = self._conversation_id(request.args.get("conversation_id"))
                after = request.args.get("after") or "0"
                if not after.isdigit() or len(after) > 18:
                    raise BadRequest(400, "after must be a message id")
                if not self.ip_limiter.allow(f"poll:{request.ip}"):
                    raise BadRequest(429, "too many requests")
            except BadRequest as err:
                return self.gate.error(request, err)
            messages = await self.outbox.fetch_async(conversation_id, int(after))
            return self.gate.json(request, {"messages": messages})

        @webchat.route("/static/<filename>", methods=["GET"])
        async def static(request: Request, filename: str) -> HTTPResponse:
            content_type = STATIC_FILES.get(filename)
            if content_type is None:
                return response.json({"error": "not found"}, status=404)
            return await response.file(
                STATIC_DIR / filename,
                mime_type=content_type,
                headers={"Cache-Control": "public, max-age=300"},
            )

        @webchat.route("/test", methods=["GET"])
        async def test_page(request: Request) -> HTTPResponse:
            if not self.show_why:
                return response.json({"error": "not found"}, status=404)
            return await response.file(
                STATIC_DIR / "test-chat.html",
                mime_type="text/html; charset=utf-8",
                headers={"Cache-Control": "no-store"},
            )

        mount_batch(webchat, self, on_new_message)  # POST /test/batch: the sample questions
        return webchat

    async def push(self, sender_id: str, message: OutboundMessage) -> DeliveryResult:
        """A person's message (`connectors.common.delivery`): queued in the persistent outbox;
        the widget shows it with the person's name on its next poll, and "agent_joined" /
        "agent_left" / "closed" switch its header."""
        merged = merge_utterance({"text": message.text, "custom": message.custom()}, show_why=False)
        try:
            await self.outbox.put_async(sender_id, merged)
        except Exception as exc:  # sqlite3.Error, a full disk: tell the agent, keep serving
            logger.exception("webchat: outbox write failed conversation_id=%s", sender_id)
            return DeliveryResult.failure(f"webchat: outbox unavailable ({type(exc).__name__})")
        return DeliveryResult.success()
