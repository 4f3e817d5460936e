"""Facebook Messenger: a Rasa input channel (Meta webhook) paired with an output channel
(Graph Send API).

Register in credentials.yml as `connectors.messenger.MessengerInput`; the webhook is
`/webhooks/messenger/webhook` (GET for Meta's verification, POST for events). Configuration
(credentials.yml keys, else env vars):

    verify_token       MESSENGER_VERIFY_TOKEN       what Meta echoes in GET hub.verify_token
    app_secret         MESSENGER_APP_SECRET         key of X-Hub-Signature-256
    page_access_token  MESSENGER_PAGE_ACCESS_TOKEN  token for the Send API
    api_version        MESSENGER_API_VERSION        default v21.0
    api_base           GRAPH_API_BASE               default https://graph.facebook.com

Every POST must carry `X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body>`; it is
compared in constant time and anything else - including a missing app secret - is a 403.
Text, quick replies and postbacks reach Rasa (a quick reply or postback as its payload); echoes,
read receipts, deliveries and other events are acknowledged and ignored. Each message id (`mid`)
is processed once. Replies are split into Messenger's 2000-character limit with sources as plain
links; buttons become quick replies on the last part.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.common.chat_channel import ChatWebhookInput
from connectors.common.config import retry_policy_from_env, setting
from connectors.common.outbound import OutboundError, RetryPolicy, post_with_retries
from connectors.common.senders import SenderBook
from connectors.common.text import (
    BotMessage,
    Option,
    chat_markup,
    join_blocks,
    match_option,
    phrase,
    render_options,
    render_sources,
    split_text,
)
from connectors.common.window import WindowClosedHandler, window_closed

logger = logging.getLogger(__name__)

CHANNEL = "messenger"
MAX_CHARS = 2000  # Send API limit for message.text
MAX_QUICK_REPLIES = 13
MAX_QUICK_REPLY_TITLE = 20
DEFAULT_API_VERSION = "v21.0"
WINDOW_S = 24 * 3600  # standard messaging window
HUMAN_AGENT_WINDOW_S = 7 * 24 * 3600  # HUMAN_AGENT tag: a person may still answer
WINDOW_SUBCODES = {2018278}  # Graph: "message sent outside of allowed window"


@dataclass(frozen=True)
class MessengerConfig:
    verify_token: str | None
    app_secret: str | None
    page_access_token: str | None
    api_version: str = DEFAULT_API_VERSION
    api_base: str = "https://graph.facebook.com"
    policy: RetryPolicy = field(default_factory=RetryPolicy)

    @classmethod
    def load(cls, credentials: Mapping[str, Any] | None) -> MessengerConfig:
        return cls(
            verify_token=setting(credentials, "verify_token", "MESSENGER_VERIFY_TOKEN"),
            app_secret=setting(credentials, "app_secret", "MESSENGER_APP_SECRET"),
            page_access_token=setting(
                credentials, "page_access_token", "MESSENGER_PAGE_ACCESS_TOKEN"
            ),
            api_version=setting(
                credentials, "api_version", "MESSENGER_API_VERSION", DEFAULT_API_VERSION
            )
            or DEFAULT_API_VERSION,
            api_base=(
                setting(credentials, "api_base", "GRAPH_API_BASE", "https://graph.facebook.com")
                or ""
            ).rstrip("/"),
            policy=retry_policy_from_env(),
        )

    @property
    def missing(self) -> list[str]:
        """Settings without which events are refused (403)."""
        out = []
        if not self.app_secret:
            out.append("MESSENGER_APP_SECRET")
        if not self.page_access_token:
            out.append("MESSENGER_PAGE_ACCESS_TOKEN")
        if not self.verify_token:
            out.append("MESSENGER_VERIFY_TOKEN")
        return out

    @property
    def send_url(self) -> str:
        return f"{self.api_base}/{self.api_version}/me/messages"

    def auth_params(self) -> dict[str, str]:
        """access_token plus appsecret_proof (what "Require App Secret" in the app asks for)."""
        token = self.page_access_token or ""
        proof = hmac.new(
            (self.app_secret or "").encode(), token.encode(), hashlib.sha256
        ).hexdigest()
        return {"access_token": token, "appsecret_proof": proof}


def signature_is_valid(app_secret: str | None, body: bytes, header: str | None) -> bool:
    """X-Hub-Signature-256 check; False when the secret or header is missing or malformed."""
    if not app_secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len("sha256=") :].strip().lower())


def quick_replies(options: list[Option]) -> list[dict[str, str]]:
    """Send API quick replies (at most 13, titles cut to 20 characters)."""
    out = []
    for o in options[:MAX_QUICK_REPLIES]:
        title = o.title
        if len(title) > MAX_QUICK_REPLY_TITLE:
            title = title[: MAX_QUICK_REPLY_TITLE - 1].rstrip() + "…"
        out.append({"content_type": "text", "title": title, "payload": o.payload[:1000]})
    return out


class MessengerOutput(OutputChannel):
    """Sends bot messages to one Messenger user (page-scoped id) through the Send API."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(
        self,
        config: MessengerConfig,
        senders: SenderBook,
        window_closed_handlers: list[WindowClosedHandler] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.senders = senders
        self.window_closed_handlers = window_closed_handlers or []
        self.clock = clock

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """One message per bot utterance: text (+ full option list when quick-reply titles had
        to be cut), sources as links, quick replies attached to the last part."""
        bot = BotMessage.from_rasa(message)
        body = join_blocks(
            chat_markup(bot.text),
            *bot.media,
            self._option_list(bot.options, bot.language),
            render_sources(bot.sources, bot.language),
        )
        if body:
            await self.deliver(
                recipient_id,
                body,
                options=bot.options,
                language=bot.language,
                human=bot.kind == "human",
            )

    @staticmethod
    def _option_list(options: list[Option], language: str | None) -> str:
        too_long = any(len(o.title) > MAX_QUICK_REPLY_TITLE for o in options)
        if too_long or len(options) > MAX_QUICK_REPLIES:
            return render_options(options, language)
        return ""

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.deliver(recipient_id, text)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_response(recipient_id, {"text": text, "buttons": buttons})

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        await self.send_response(recipient_id, {"custom": json_message})

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.deliver(recipient_id, image)

    async def deliver(
        self,
        recipient_id: str,
        body: str,
        *,
        options: list[Option] | None = None,
        language: str | None = None,
        human: bool = False,
    ) -> bool:
        """Send `body` (split if long); False if it could not be sent. Platform errors are
        logged with the conversation id, never raised into the dialogue.

        Messenger's policy: replies within 24 h of the user's last message; after that only a
        human agent may answer (tag HUMAN_AGENT, up to 7 days). Anything else is not sent but
        logged and passed to `window_closed_handlers`."""
        parts = split_text(body, MAX_CHARS)
        if not parts:
            return False
        routing = await self._routing(recipient_id, human)
        if routing is None:
            await self._window_closed(recipient_id, body)
            return False
        if language:
            await self.senders.set_language(CHANNEL, recipient_id, language)
        if options:
            await self.senders.set_options(CHANNEL, recipient_id, options)
        for i, part in enumerate(parts):
            message: dict[str, Any] = {"text": part}
            if options and i == len(parts) - 1:
                message["quick_replies"] = quick_replies(options)
            payload = {"recipient": {"id": recipient_id}, **routing, "message": message}
            try:
                await post_with_retries(
                    self.config.send_url,
                    json=payload,
                    params=self.config.auth_params(),
                    policy=self.config.policy,
                    what="messenger send",
                )
            except OutboundError as exc:
                error = exc.body.get("error") if isinstance(exc.body, dict) else None
                if isinstance(error, dict) and error.get("error_subcode") in WINDOW_SUBCODES:
                    await self._window_closed(recipient_id, body)
                else:
                    logger.error(
                        "messenger send failed conversation_id=%s status=%s graph_error=%s",
                        recipient_id,
                        exc.status,
                        error or exc,
                    )
                return False
        return True

    async def _routing(self, recipient_id: str, human: bool) -> dict[str, str] | None:
        """messaging_type (+ tag) allowed for this user now, or None when nothing is."""
        last = (await self.senders.get(CHANNEL, recipient_id)).last_inbound
        age = None if last is None else self.clock() - last
        if age is not None and age <= WINDOW_S:
            return {"messaging_type": "RESPONSE"}
        if human and age is not None and age <= HUMAN_AGENT_WINDOW_S:
            return {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
        return None

    async def _window_closed(self, recipient_id: str, body: str) -> None:
        await window_closed(CHANNEL, recipient_id, body, self.window_closed_handlers)


@dataclass(frozen=True)
class Inbound:
    """One user event worth answering."""

    sender: str
    mid: str
    text: str | None  # None: an attachment-only message (gets the "text only" reply)
    kind: str  # "text" | "quick_reply" | "postback" | "attachment"


def _id_of(party: Any) -> str:
    """`{"id": ...}` -> the id as text; "" for anything malformed."""
    value = party.get("id") if isinstance(party, Mapping) else None
    return str(value) if isinstance(value, (str, int)) and str(value) else ""


def parse_event(event: Mapping[str, Any]) -> Inbound | None:
    """The message/postback in a `messaging` entry, or None for echoes, reads, deliveries,
    reactions and anything else that needs no answer."""
    sender = _id_of(event.get("sender"))
    if not sender:
        return None
    message = event.get("message")
    if isinstance(message, dict):
        if message.get("is_echo"):
            return None
        mid = str(message.get("mid") or "")
        if not mid:
            return None
        quick = message.get("quick_reply")
        if isinstance(quick, dict) and quick.get("payload"):
            return Inbound(sender, mid, str(quick["payload"]), "quick_reply")
        text = message.get("text")
        if isinstance(text, str) and text.strip():
            return Inbound(sender, mid, text.strip(), "text")
        if message.get("attachments") or message.get("sticker_id"):
            return Inbound(sender, mid, None, "attachment")
        return None
    postback = event.get("postback")
    if isinstance(postback, dict):
        payload = postback.get("payload") or postback.get("title")
        if not payload:
            return None
        mid = str(postback.get("mid") or f"postback:{sender}:{event.get('timestamp')}")
        return Inbound(sender, mid, str(payload), "postback")
    return None


class MessengerInput(ChatWebhookInput[MessengerConfig]):
    """Meta's Messenger webhook. Fails closed: without the secrets every request gets 403."""

    channel = CHANNEL
    label = "Messenger"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(MessengerConfig.load(credentials))

    def make_output(self) -> OutputChannel:
        return MessengerOutput(self.config, self.senders, self.window_closed_handlers)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("messenger_webhook", __name__)

        @bp.listener("before_server_stop")
        async def finish_in_flight(*_: Any) -> None:
            await self.shutdown()

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if not self.config.missing else "disabled"})

        @bp.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            mode = request.args.get("hub.mode")
            token = request.args.get("hub.verify_token") or ""
            challenge = request.args.get("hub.challenge") or ""
            expected = self.config.verify_token
            if (
                mode == "subscribe"
                and expected
                and hmac.compare_digest(token.encode(), expected.encode())
            ):
                return response.text(challenge)
            return response.text("verification failed", HTTPStatus.FORBIDDEN)

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if self.config.missing or not signature_is_valid(
                self.config.app_secret,
                request.body or b"",
                request.headers.get("X-Hub-Signature-256"),
            ):
                return response.text("invalid or missing X-Hub-Signature-256", HTTPStatus.FORBIDDEN)
            try:
                payload = json.loads(request.body or b"")
            except ValueError:
                return response.text("body must be JSON", HTTPStatus.BAD_REQUEST)
            if not isinstance(payload, dict) or payload.get("object") != "page":
                return response.text("not a page event", HTTPStatus.NOT_FOUND)
            for entry in payload.get("entry") or []:
                if not isinstance(entry, dict):
                    continue
                for event in entry.get("messaging") or []:
                    if isinstance(event, dict):
                        await self._accept(event, on_new_message)
            return response.text("EVENT_RECEIVED")

        return bp

    async def _accept(
        self,
        event: Mapping[str, Any],
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        inbound = parse_event(event)
        if inbound is None:
            return
        if not await self.processed.claim(CHANNEL, inbound.mid):
            logger.info(
                "duplicate delivery ignored mid=%s conversation_id=%s", inbound.mid, inbound.sender
            )
            return
        await self.senders.touch_inbound(CHANNEL, inbound.sender)
        page_id = _id_of(event.get("recipient"))
        self.tasks.spawn(
            self._handle(inbound, page_id, on_new_message),
            conversation_id=inbound.sender,
            what="messenger message",
        )

    async def _handle(
        self,
        inbound: Inbound,
        page_id: str,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        output = MessengerOutput(self.config, self.senders, self.window_closed_handlers)
        record = await self.senders.get(CHANNEL, inbound.sender)
        if inbound.text is None:
            await output.deliver(inbound.sender, phrase("text_only", record.language))
            return
        text = inbound.text
        if record.options:
            if inbound.kind == "text":
                text = match_option(text, record.options) or text
            await self.senders.set_options(CHANNEL, inbound.sender, [])
        metadata = {"channel": CHANNEL, "message_id": inbound.mid, "page_id": page_id}
        await on_new_message(
            UserMessage(
                text,
                output,
                inbound.sender,
                input_channel=CHANNEL,
                message_id=inbound.mid,
                metadata=metadata,
            )
        )
