"""Web chat channel: the REST API the embeddable widget talks to, and the widget's static files.

Why REST and not websockets: every reply is a complete, merged message (text + buttons + the
`custom` payload), a reload must keep the conversation, and messages pushed later by a human
(Slack handoff) are rare; a small outbox polled by the widget covers them without sticky sessions.

Routes (under `/webhooks/webchat`):
  GET  /              health
  POST /webhook       {"conversation_id", "message", "metadata": {"languages", "page_url"}}
  GET  /config        agent name, avatar, sample questions, show-why flag (what the widget needs)
  GET  /poll          messages sent outside a request (human takeover), drained once
  GET  /static/<f>    widget.js, widget.css, i18n.js, avatar.svg
  GET  /test          the admin test-chat page, only when show-why is enabled (else 404)

Browsers call it with "simple" CORS requests (text/plain JSON bodies, no custom headers), so no
preflight is needed: Rasa's own sanic-cors middleware answers every OPTIONS request itself.
Requests from an origin that is neither this server nor configured are refused with 403.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.replies import fallback_reply
from connectors.rest import REPLY_TIMEOUT_S

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
CUSTOM_KEYS = ("kind", "sources", "language", "options", "agent", "confidence", "why")
# sanic-cors skips its own header logic when this request-context flag is set.
SANIC_CORS_EVALUATED = "_sanic_cors_e"

FALLBACK_TEXT = {
    "en": "Sorry, something went wrong on our side. Please try again in a moment.",
    "nl": "Sorry, er ging bij ons iets mis. Probeer het zo nog eens.",
    "de": "Entschuldigung, bei uns ist etwas schiefgelaufen. "
    "Bitte versuchen Sie es gleich noch einmal.",
    "fr": "Désolé, un problème est survenu de notre côté. Veuillez réessayer dans un instant.",
    "es": "Lo sentimos, algo ha fallado por nuestra parte. Inténtalo de nuevo en un momento.",
}


class BadRequest(Exception):
    """A visitor-facing 4xx: a status and a short message, never a stack trace."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class RateLimiter:
    """Sliding-window limit per key (conversation id, client IP), bounded in memory.

    In-process on purpose: one Rasa process serves the widget in the default deployment; behind
    several workers each gets its own budget, which still stops a runaway client.
    """

    def __init__(self, limit: int, window_s: float = 60.0, max_keys: int = 10_000) -> None:
        self.limit = limit
        self.window_s = window_s
        self.max_keys = max_keys
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def allow(self, key: str, now: float | None = None) -> bool:
        if self.limit <= 0:
            return True
        now = time.monotonic() if now is None else now
        hits = self._hits.pop(key, None) or deque()
        while hits and now - hits[0] >= self.window_s:
            hits.popleft()
        allowed = len(hits) < self.limit
        if allowed:
            hits.append(now)
        self._hits[key] = hits
        while len(self._hits) > self.max_keys:
            self._hits.popitem(last=False)
        return allowed


def ui_language(languages: list[str] | None) -> str:
    """First browser language the widget has strings for; English otherwise."""
    for tag in languages or []:
        primary = tag.split("-")[0].lower()
        if primary in UI_LANGUAGES:
            return primary
    return "en"


def clean_custom(custom: Any, show_why: bool) -> dict[str, Any] | None:
    """Keep the documented payload keys; `why` only reaches browsers when show-why is on."""
    if not isinstance(custom, dict):
        return None
    kept = {k: custom[k] for k in CUSTOM_KEYS if k in custom}
    if not show_why:
        kept.pop("why", None)
    return kept


def merge_message(message: dict[str, Any], show_why: bool) -> dict[str, Any]:
    """One bot utterance as one widget message: text, buttons and custom together.

    Rasa's base OutputChannel would send text, buttons and the JSON payload as separate messages
    (and the collecting channel splits text on blank lines); the widget needs them as one unit so
    sources sit under their answer.
    """
    out: dict[str, Any] = {}
    text = message.get("text")
    if isinstance(text, str) and text.strip():
        out["text"] = text
    buttons = message.get("buttons") or message.get("quick_replies") or []
    kept_buttons = [
        {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
        for b in buttons
        if isinstance(b, dict) and b.get("title") and b.get("payload")
    ]
    if kept_buttons:
        out["buttons"] = kept_buttons
    custom = clean_custom(message.get("custom"), show_why)
    if custom:
        out["custom"] = custom
    if isinstance(message.get("image"), str):
        out["image"] = message["image"]
    return out


class WebChatOutput(OutputChannel):
    """Collects the merged replies to one visitor request."""

    def __init__(self, show_why: bool) -> None:
        self.show_why = show_why
        self.messages: list[dict[str, Any]] = []

    @classmethod
    def name(cls) -> str:
        return "webchat"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        merged = merge_message(message, self.show_why)
        if merged:
            self.messages.append(merged)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text, **kwargs})

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        await self.send_response(recipient_id, {**kwargs, "custom": json_message})


class OutboxOutput(WebChatOutput):
    """Out-of-band sender (human takeover, proactive messages): queued until the widget polls."""

    def __init__(self, outbox: Outbox, show_why: bool) -> None:
        super().__init__(show_why)
        self.outbox = outbox

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        merged = merge_message(message, self.show_why)
        if merged:
            self.outbox.put(recipient_id, merged)


class Outbox:
    """Per-conversation queues of pushed messages, bounded in conversations and length."""

    def __init__(self, max_conversations: int = 5_000, max_messages: int = 50) -> None:
        self.max_conversations = max_conversations
        self.max_messages = max_messages
        self._queues: OrderedDict[str, deque[dict[str, Any]]] = OrderedDict()

    def put(self, conversation_id: str, message: dict[str, Any]) -> None:
        queue = self._queues.pop(conversation_id, None) or deque(maxlen=self.max_messages)
        queue.append(message)
        self._queues[conversation_id] = queue
        while len(self._queues) > self.max_conversations:
            self._queues.popitem(last=False)

    def drain(self, conversation_id: str) -> list[dict[str, Any]]:
        return list(self._queues.pop(conversation_id, ()))


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


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
        self.cors_origins = [o.rstrip("/") for o in (cors_origins or [])]
        self.max_message_chars = max_message_chars
        self.max_body_bytes = max_body_bytes
        self.conversation_limiter = RateLimiter(rate_limit_per_minute)
        self.ip_limiter = RateLimiter(ip_rate_limit_per_minute)
        self.show_why = show_why
        self.profile_path = profile_path or PROJECT_ROOT / "bot" / "agent_profile.yml"
        self.greet_payload = greet_payload
        self.poll_interval_s = poll_interval_s
        self.outbox = Outbox()
        self._profile: dict[str, Any] | None = None

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Called by `rasa run`. Show-why follows CUSTOMER_AGENT_SHOW_WHY unless set here; sites
        listed in CUSTOMER_AGENT_WEBCHAT_ORIGINS (comma-separated) are added to `cors_origins`."""
        creds = credentials or {}
        origins = creds.get("cors_origins") or []
        if isinstance(origins, str):
            origins = origins.split(",")
        origins = [*origins, *os.environ.get("CUSTOMER_AGENT_WEBCHAT_ORIGINS", "").split(",")]
        origins = [str(o).strip() for o in origins if str(o).strip()]
        show_why = creds.get("show_why")
        profile = creds.get("profile")
        return cls(
            cors_origins=list(origins),
            max_message_chars=int(creds.get("max_message_chars", 1000)),
            max_body_bytes=int(creds.get("max_body_bytes", 16_384)),
            rate_limit_per_minute=int(creds.get("rate_limit_per_minute", 20)),
            ip_rate_limit_per_minute=int(creds.get("ip_rate_limit_per_minute", 120)),
            show_why=_env_flag("CUSTOMER_AGENT_SHOW_WHY") if show_why is None else bool(show_why),
            profile_path=PROJECT_ROOT / profile if profile else None,
            greet_payload=creds.get("greet_payload", "/greet"),
            poll_interval_s=float(creds.get("poll_interval_s", 4.0)),
        )

    def get_output_channel(self) -> OutputChannel | None:
        """Used by Rasa (and the Slack handoff) to reach a visitor outside a request."""
        return OutboxOutput(self.outbox, self.show_why)

    # request checks -------------------------------------------------------------------------

    def _origin_allowed(self, request: Request) -> bool:
        origin = request.headers.get("origin")
        if not origin:
            return True  # not a browser cross-site call; CORS cannot apply
        origin = origin.rstrip("/")
        own = f"{request.scheme}://{request.host}"
        return origin == own or origin in self.cors_origins or "*" in self.cors_origins

    def _cors(self, request: Request, resp: HTTPResponse) -> HTTPResponse:
        origin = request.headers.get("origin")
        setattr(request.ctx, SANIC_CORS_EVALUATED, "1")
        if origin:
            resp.headers["Access-Control-Allow-Origin"] = origin.rstrip("/")
            resp.headers["Vary"] = "Origin"
        return resp

    def _json(self, request: Request, body: Any, status: int = 200) -> HTTPResponse:
        return self._cors(request, response.json(body, status=status))

    def _error(self, request: Request, err: BadRequest) -> HTTPResponse:
        # CORS headers even on a 403: the body reveals nothing, and the widget can then read the
        # status and tell the site owner why it stays hidden instead of failing mysteriously
        return self._cors(request, response.json({"error": err.message}, status=err.status))

    def _conversation_id(self, value: Any) -> str:
        if not isinstance(value, str) or not CONVERSATION_ID.match(value):
            raise BadRequest(400, "conversation_id must be 22-64 URL-safe characters")
        return value

    def parse_webhook(self, request: Request) -> tuple[str, str, dict[str, Any]]:
        """Validates a widget POST; raises BadRequest with the status to return."""
        if not self._origin_allowed(request):
            raise BadRequest(403, "origin not allowed")
        body = request.body or b""
        if len(body) > self.max_body_bytes:
            raise BadRequest(413, "request too large")
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise BadRequest(400, "body must be JSON") from None
        if not isinstance(data, dict):
            raise BadRequest(400, "body must be a JSON object")
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
            import yaml

            data: dict[str, Any] = {}
            try:
                loaded = yaml.safe_load(self.profile_path.read_text(encoding="utf-8"))
                data = loaded if isinstance(loaded, dict) else {}
            except (OSError, yaml.YAMLError) as exc:
                logger.warning("webchat: agent profile unreadable (%s); using defaults", exc)
            samples = data.get("sample_questions") or {}
            avatar = str(data.get("avatar_url") or "")
            self._profile = {
                "name": str(data.get("name") or "Ava"),
                "role": str(data.get("role") or "customer support"),
                "avatar_url": avatar if avatar.startswith(("https://", "http://", "/")) else None,
                "sample_questions": {
                    str(k): [str(q) for q in v] for k, v in samples.items() if isinstance(v, list)
                },
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
                return self._error(request, err)
            messages = await self._deliver(
                on_new_message, request.app, conversation_id, text, metadata
            )
            return self._json(request, {"conversation_id": conversation_id, "messages": messages})

        @webchat.route("/config", methods=["GET"])
        async def config(request: Request) -> HTTPResponse:
            if not self._origin_allowed(request):
                return self._error(request, BadRequest(403, "origin not allowed"))
            body = {
                **self.profile(),
                "show_why": self.show_why,
                "greet_payload": self.greet_payload,
                "max_message_chars": self.max_message_chars,
                "poll_interval_s": self.poll_interval_s,
            }
            return self._json(request, body)

        @webchat.route("/poll", methods=["GET"])
        async def poll(request: Request) -> HTTPResponse:
            try:
                if not self._origin_allowed(request):
                    raise BadRequest(403, "origin not allowed")
                conversation_id = self._conversation_id(request.args.get("conversation_id"))
                if not self.ip_limiter.allow(f"poll:{request.ip}"):
                    raise BadRequest(429, "too many requests")
            except BadRequest as err:
                return self._error(request, err)
            return self._json(request, {"messages": self.outbox.drain(conversation_id)})

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

        return webchat

    async def _deliver(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        app: Any,
        conversation_id: str,
        text: str,
        metadata: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """One visitor message through Rasa; never silent unless a human owns the conversation.

        The fallback is the shared one (`connectors.replies`, rendered from the tracker's language);
        when it could not be rendered (no tracker yet, e.g. the very first message failed), the
        browser's language is the best guess, so the widget's own strings are used.
        """
        collector = WebChatOutput(self.show_why)
        message = UserMessage(
            text, collector, conversation_id, input_channel=self.name(), metadata=metadata
        )
        try:
            await asyncio.wait_for(on_new_message(message), timeout=REPLY_TIMEOUT_S)
        except asyncio.TimeoutError:
            logger.error("webchat: message handling timed out")
        except Exception:
            logger.exception("webchat: message handling failed")
        messages = list(collector.messages)
        fallback = await fallback_reply(app, conversation_id, self.name(), messages)
        if fallback is not None:
            browser = ui_language(metadata.get("languages"))
            if fallback.get("text") == FALLBACK_TEXT["en"] and browser != "en":
                fallback = {
                    **fallback,
                    "text": FALLBACK_TEXT[browser],
                    "custom": {**(fallback.get("custom") or {}), "language": browser},
                }
            messages.append(merge_message(fallback, self.show_why))
        return messages
