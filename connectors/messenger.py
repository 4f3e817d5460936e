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
    feedback_prompt    MESSENGER_FEEDBACK_PROMPT    "Was this helpful?" once per conversation (true)

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
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.common import feedback
from connectors.common.chat_channel import ChatWebhookInput, Inbound
from connectors.common.chat_output import ChatOutput, Routing
from connectors.common.config import flag, retry_policy_from_env, setting
from connectors.common.outbound import OutboundError, RetryPolicy, post_with_retries
from connectors.common.text import (
    BotMessage,
    Option,
    chat_markup,
    join_blocks,
    render_options,
    render_sources,
)

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
    feedback_prompt: bool = True  # "Was this helpful?" after a conversation's first answer

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
            feedback_prompt=flag(
                credentials, "feedback_prompt", "MESSENGER_FEEDBACK_PROMPT", default=True
            ),
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


class MessengerOutput(ChatOutput[MessengerConfig]):
    """Sends to one Messenger user (page-scoped id) through the Send API: text (+ the full
    option list when quick-reply titles had to be cut), sources as links, quick replies on the
    last part.

    Messenger's policy: the assistant replies within 24 h of the user's last message; a person
    may answer up to 7 days after it with the HUMAN_AGENT tag. Anything later is not sent."""

    channel = CHANNEL
    max_chars = MAX_CHARS
    window_error = (
        "outside Messenger's messaging window (24 h after the visitor's last message for the "
        "assistant, 7 days for a person with the HUMAN_AGENT tag)"
    )

    def render(self, bot: BotMessage) -> str:
        return join_blocks(
            chat_markup(bot.text),
            *bot.media,
            self._option_list(bot.options, bot.language),
            render_sources(bot.sources, bot.language),
        )

    @staticmethod
    def _option_list(options: list[Option], language: str | None) -> str:
        too_long = any(len(o.title) > MAX_QUICK_REPLY_TITLE for o in options)
        if too_long or len(options) > MAX_QUICK_REPLIES:
            return render_options(options, language)
        return ""

    async def routing(self, recipient_id: str, human: bool) -> Routing | None:
        """messaging_type (+ tag) allowed for this user now, or None when nothing is: a
        person's message within 7 days is tagged HUMAN_AGENT, the assistant's goes out as a
        RESPONSE within 24 h."""
        age = self.last_inbound_age((await self.senders.get(CHANNEL, recipient_id)).last_inbound)
        if age is None:
            return None
        if human and age <= HUMAN_AGENT_WINDOW_S:
            return {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
        if not human and age <= WINDOW_S:
            return {"messaging_type": "RESPONSE"}
        return None

    async def post(
        self, recipient_id: str, part: str, routing: Routing, options: list[Option] | None
    ) -> None:
        message: dict[str, Any] = {"text": part}
        if options:
            message["quick_replies"] = quick_replies(options)
        await post_with_retries(
            self.config.send_url,
            json={"recipient": {"id": recipient_id}, **routing, "message": message},
            params=self.config.auth_params(),
            policy=self.config.policy,
            what="messenger send",
        )

    def feedback_prompt(self, language: str | None) -> str:
        """Messenger: the question; its two quick replies carry the answers."""
        return feedback.question(language)

    def is_window_error(self, exc: OutboundError) -> bool:
        error = exc.body.get("error") if isinstance(exc.body, dict) else None
        return isinstance(error, dict) and error.get("error_subcode") in WINDOW_SUBCODES


def _id_of(party: Any) -> str:
    """`{"id": ...}` -> the id as text; "" for anything malformed."""
    value = party.get("id") if isinstance(party, Mapping) else None
    return str(value) if isinstance(value, (str, int)) and str(value) else ""


def parse_event(event: Mapping[str, Any]) -> Inbound | None:
    """The message/postback in a `messaging` entry, or None for echoes, reads, deliveries,
    reactions and anything else that needs no answer. Kind: "text", "quick_reply",
    "postback" or "attachment" (text None)."""
    sender = _id_of(event.get("sender"))
    if not sender:
        return None
    meta = {"page_id": _id_of(event.get("recipient"))}
    message = event.get("message")
    if isinstance(message, dict):
        if message.get("is_echo"):
            return None
        mid = str(message.get("mid") or "")
        if not mid:
            return None
        quick = message.get("quick_reply")
        if isinstance(quick, dict) and quick.get("payload"):
            return Inbound(sender, mid, str(quick["payload"]), "quick_reply", meta)
        text = message.get("text")
        if isinstance(text, str) and text.strip():
            return Inbound(sender, mid, text.strip(), "text", meta)
        if message.get("attachments") or message.get("sticker_id"):
            return Inbound(sender, mid, None, "attachment", meta)
        return None
    postback = event.get("postback")
    if isinstance(postback, dict):
        payload = postback.get("payload") or postback.get("title")
        if not payload:
            return None
        mid = str(postback.get("mid") or f"postback:{sender}:{event.get('timestamp')}")
        return Inbound(sender, mid, str(payload), "postback", meta)
    return None


class MessengerInput(ChatWebhookInput[MessengerConfig]):
    """Meta's Messenger webhook. Fails closed: without the secrets every request gets 403."""

    channel = CHANNEL
    label = "Messenger"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(MessengerConfig.load(credentials))

    def make_output(self) -> MessengerOutput:
        return MessengerOutput(
            self.config,
            self.senders,
            self.window_closed_handlers,
            prompts=self.prompts if self.config.feedback_prompt else None,
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = self.new_blueprint("messenger_webhook")

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
                    inbound = parse_event(event) if isinstance(event, dict) else None
                    if inbound is not None:
                        await self.accept(request.app, on_new_message, inbound)
            return response.text("EVENT_RECEIVED")

        return bp
