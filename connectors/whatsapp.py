"""WhatsApp via Twilio: a Rasa input channel (webhook) paired with an output channel (REST API).

Register in credentials.yml as `connectors.whatsapp.WhatsAppInput`; the webhook is
`POST /webhooks/whatsapp/webhook`. Configuration (credentials.yml keys, else env vars):

    account_sid      TWILIO_ACCOUNT_SID
    auth_token       TWILIO_AUTH_TOKEN        also the key of X-Twilio-Signature
    whatsapp_number  TWILIO_WHATSAPP_NUMBER   our sender, "+14155238886" or "whatsapp:+1415..."
    messaging_service_sid  TWILIO_MESSAGING_SERVICE_SID  (optional, instead of the number)
    webhook_url      TWILIO_WEBHOOK_URL       public URL Twilio calls (behind a proxy)
    trust_forwarded  TWILIO_TRUST_FORWARDED   rebuild the URL from X-Forwarded-Proto/Host
    api_base         TWILIO_API_BASE          default https://api.twilio.com
    feedback_prompt  TWILIO_FEEDBACK_PROMPT   "Was this helpful?" once per conversation (true)

Inbound requests are verified with Twilio's `RequestValidator` over the public URL Twilio
called; a bad or missing signature, or no auth token configured, is answered 403. Each
MessageSid is processed once (platform retries are acknowledged and dropped). Replies go out
through `POST {api_base}/2010-04-01/Accounts/{sid}/Messages.json`, split at sentence boundaries
into WhatsApp's 1600-character limit, with sources as plain links and buttons as numbered
options. Free-form replies are only sent within 24 h of the visitor's last message (WhatsApp's
customer-service window); outside it a bot reply is logged and handed to the
`window_closed_handlers` instead, while a person's push (`deliver_to_visitor`) only gets the
error back (the Slack handoff posts it into the thread).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

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

CHANNEL = "whatsapp"
MAX_CHARS = 1600  # Twilio's limit for one WhatsApp message body
WINDOW_S = 24 * 3600  # WhatsApp customer-service window
WINDOW_ERROR_CODES = {63016}  # Twilio: "outside the allowed window"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def whatsapp_address(number: str) -> str:
    """ "+31 6 1234" or "whatsapp:+316..." -> "whatsapp:+316..."."""
    number = number.strip()
    if number.startswith("whatsapp:"):
        return number
    return "whatsapp:" + number.replace(" ", "")


@dataclass(frozen=True)
class TwilioConfig:
    account_sid: str | None
    auth_token: str | None
    whatsapp_number: str | None
    messaging_service_sid: str | None = None
    webhook_url: str | None = None
    trust_forwarded: bool = False
    api_base: str = "https://api.twilio.com"
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    feedback_prompt: bool = True  # "Was this helpful?" after a conversation's first answer

    @classmethod
    def load(cls, credentials: Mapping[str, Any] | None) -> TwilioConfig:
        number = setting(credentials, "whatsapp_number", "TWILIO_WHATSAPP_NUMBER")
        return cls(
            account_sid=setting(credentials, "account_sid", "TWILIO_ACCOUNT_SID"),
            auth_token=setting(credentials, "auth_token", "TWILIO_AUTH_TOKEN"),
            whatsapp_number=whatsapp_address(number) if number else None,
            messaging_service_sid=setting(
                credentials, "messaging_service_sid", "TWILIO_MESSAGING_SERVICE_SID"
            ),
            webhook_url=setting(credentials, "webhook_url", "TWILIO_WEBHOOK_URL"),
            trust_forwarded=flag(credentials, "trust_forwarded", "TWILIO_TRUST_FORWARDED"),
            api_base=(
                setting(credentials, "api_base", "TWILIO_API_BASE", "https://api.twilio.com") or ""
            ).rstrip("/"),
            policy=retry_policy_from_env(),
            feedback_prompt=flag(
                credentials, "feedback_prompt", "TWILIO_FEEDBACK_PROMPT", default=True
            ),
        )

    @property
    def missing(self) -> list[str]:
        """Names of the settings without which the channel must stay closed."""
        out = []
        if not self.auth_token:
            out.append("TWILIO_AUTH_TOKEN")
        if not self.account_sid:
            out.append("TWILIO_ACCOUNT_SID")
        if not (self.whatsapp_number or self.messaging_service_sid):
            out.append("TWILIO_WHATSAPP_NUMBER")
        return out

    @property
    def messages_url(self) -> str:
        return f"{self.api_base}/2010-04-01/Accounts/{self.account_sid}/Messages.json"


class FormParams(dict[str, list[str]]):
    """A form body with blank values kept: Twilio signs `Body=` of a media message too, and
    Sanic's `request.form` would drop it. `getall` is what `RequestValidator` looks for."""

    @classmethod
    def parse(cls, request: Request) -> FormParams:
        if request.content_type.split(";")[0].strip() != "application/x-www-form-urlencoded":
            return cls()
        text = (request.body or b"").decode("utf-8", errors="replace")
        return cls(parse_qs(text, keep_blank_values=True))

    def getall(self, name: str) -> list[str]:
        return self[name]

    def first(self, name: str) -> str | None:
        values = super().get(name)
        return values[0] if values else None


class WhatsAppOutput(ChatOutput[TwilioConfig]):
    """Sends to one WhatsApp visitor through Twilio's Messages API: text (WhatsApp's `*bold*`),
    then numbered options, then sources, in one message per utterance."""

    channel = CHANNEL
    max_chars = MAX_CHARS
    window_error = (
        "outside WhatsApp's 24-hour window (the visitor last wrote more than 24 h ago); "
        "only an approved template can reach them now"
    )

    def render(self, bot: BotMessage) -> str:
        return join_blocks(
            chat_markup(bot.text, bold="*"),
            *bot.media,
            render_options(bot.options, bot.language),
            render_sources(bot.sources, bot.language),
        )

    async def routing(self, recipient_id: str, human: bool) -> Routing | None:
        """Free-form messages only within 24 h of the visitor's last one, whoever writes."""
        age = self.last_inbound_age((await self.senders.get(CHANNEL, recipient_id)).last_inbound)
        return {} if age is not None and age <= WINDOW_S else None

    async def post(
        self, recipient_id: str, part: str, routing: Routing, options: list[Option] | None
    ) -> None:
        data = {"To": whatsapp_address(recipient_id), "Body": part}
        if self.config.messaging_service_sid:
            data["MessagingServiceSid"] = self.config.messaging_service_sid
        else:
            data["From"] = self.config.whatsapp_number or ""
        await post_with_retries(
            self.config.messages_url,
            data=data,
            auth=(self.config.account_sid or "", self.config.auth_token or ""),
            policy=self.config.policy,
            what="twilio message",
        )

    def feedback_prompt(self, language: str | None) -> str:
        """WhatsApp has no quick replies without Content templates: ask for 1 or 2."""
        return feedback.text_prompt(language)

    def is_window_error(self, exc: OutboundError) -> bool:
        code = exc.body.get("code") if isinstance(exc.body, dict) else None
        return code in WINDOW_ERROR_CODES


def has_media(form: FormParams) -> bool:
    """A picture, voice note, file or location: something to answer with "text only"."""
    num_media = form.first("NumMedia") or "0"
    return (num_media.isdigit() and int(num_media) > 0) or "Latitude" in form


class WhatsAppInput(ChatWebhookInput[TwilioConfig]):
    """Twilio's WhatsApp webhook. Fails closed: without an auth token every POST gets 403."""

    channel = CHANNEL
    label = "WhatsApp"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(TwilioConfig.load(credentials))

    def make_output(self) -> WhatsAppOutput:
        return WhatsAppOutput(
            self.config,
            self.senders,
            self.window_closed_handlers,
            prompts=self.prompts if self.config.feedback_prompt else None,
        )

    def public_url(self, request: Request) -> str:
        """The URL Twilio signed: the configured public URL (plus the query string), or the
        request's URL rebuilt from X-Forwarded-* when the proxy is trusted, or as received."""
        query = f"?{request.query_string}" if request.query_string else ""
        if self.config.webhook_url:
            return self.config.webhook_url + ("" if "?" in self.config.webhook_url else query)
        if self.config.trust_forwarded:
            proto = request.headers.get("X-Forwarded-Proto", request.scheme).split(",")[0]
            host = request.headers.get("X-Forwarded-Host", request.host).split(",")[0]
            return f"{proto.strip()}://{host.strip()}{request.path}{query}"
        return request.url

    def is_authentic(self, request: Request, form: FormParams) -> bool:
        signature = request.headers.get("X-Twilio-Signature")
        if not self.config.auth_token or not signature:
            return False
        try:
            validator = RequestValidator(self.config.auth_token)
            return bool(validator.validate(self.public_url(request), form, signature))
        except Exception:
            logger.warning("could not verify X-Twilio-Signature; rejecting", exc_info=True)
            return False

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = self.new_blueprint("whatsapp_webhook")

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            form = FormParams.parse(request)
            if self.config.missing or not self.is_authentic(request, form):
                return response.text("invalid or missing X-Twilio-Signature", HTTPStatus.FORBIDDEN)
            sid = form.first("MessageSid") or form.first("SmsMessageSid")
            sender = form.first("From") or ""
            if not sid or not sender:
                return response.text("MessageSid and From are required", HTTPStatus.BAD_REQUEST)
            ok = response.text(EMPTY_TWIML, content_type="text/xml")
            if not sender.startswith("whatsapp:") or "MessageStatus" in form:
                # SMS to the same number, or a delivery status callback: nothing to answer
                logger.debug("ignoring non-message webhook sid=%s", sid)
                return ok
            text = (form.first("Body") or "").strip()
            if not text and not has_media(form):
                return ok  # nothing to answer (an empty message)
            # "to": which of our numbers it was sent to (channel assignment, profile `channels:`)
            metadata = {"profile_name": form.first("ProfileName"), "to": form.first("To")}
            inbound = Inbound(sender, sid, text or None, "text", metadata)
            await self.accept(request.app, on_new_message, inbound)
            return ok

        return bp
