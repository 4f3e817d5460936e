"""Rasa input/output channel for email. Register in credentials.yml as
`connectors.email.channel.EmailInput:` (settings there or in `EMAIL_*` env vars, see .env.example).

There is no webhook: when the Rasa server starts, the channel starts an IMAP poller as a background
task and stops it when the server stops. `GET /webhooks/email/` reports its health. Each mail is
one turn (`connectors.common.turn.run_turn`: masked, answered, after-turn hooks); a person's
message from the Slack handoff (`push`) goes out as a reply in the same thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.common.delivery import DeliveryResult, OutboundMessage
from connectors.common.masking import mask_secrets
from connectors.common.turn import run_turn
from connectors.email.config import EmailConfig, is_configured, load_config
from connectors.email.parsing import InboundMail
from connectors.email.poller import EmailPoller
from connectors.email.render import ReplyContent, build_reply, collect
from connectors.email.smtp import SendFailed, SmtpSender
from connectors.email.store import EmailStore
from connectors.replies import merge_utterance

logger = logging.getLogger(__name__)
STOP_TIMEOUT_S = 10.0


def agent_ready(app: Any) -> bool:
    """Whether Rasa's server has a loaded agent (rasa.server puts it on `app.ctx.agent`);
    an app without that attribute is not a Rasa server (tests, custom hosts): ready."""
    if not hasattr(app.ctx, "agent"):
        return True
    agent = app.ctx.agent
    return agent is not None and bool(agent.is_ready())


class EmailTurnCollector(OutputChannel):
    """Collects every bot message of one turn so they leave as ONE reply mail."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    @classmethod
    def name(cls) -> str:
        return "email"

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        self.messages.append({"text": text})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        self.messages.append({"text": text, "buttons": buttons})

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        self.messages.append({"custom": json_message})

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        self.messages.append({"text": image})

    async def send_attachment(self, recipient_id: str, attachment: str, **kwargs: Any) -> None:
        self.messages.append({"text": str(attachment)})


class EmailOutput(EmailTurnCollector):
    """Messages outside a visitor's turn (a reminder, anything Rasa sends later): each bot
    utterance is sent at once as ONE reply in the conversation's thread."""

    def __init__(self, config: EmailConfig, store: EmailStore, sender: SmtpSender) -> None:
        super().__init__()
        self.config = config
        self.store = store
        self.sender = sender

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Text, options and sources of one utterance in one mail (Rasa's default would send
        the text and the custom payload as two)."""
        utterance = merge_utterance(message, show_why=False)
        if utterance:
            await self.reply_in_thread(recipient_id, collect([utterance]))

    async def _flush(self, recipient_id: str) -> None:
        messages, self.messages = self.messages, []
        await self.reply_in_thread(recipient_id, collect(messages))

    async def reply_in_thread(self, recipient_id: str, content: ReplyContent) -> DeliveryResult:
        """One reply mail in the conversation's thread ("Re:" subject, In-Reply-To and
        References of the visitor's last mail); never raises for SMTP errors."""
        conversation = await asyncio.to_thread(self.store.conversation, recipient_id)
        if conversation is None or content.empty:
            logger.warning("email output: unknown conversation=%s", recipient_id)
            return DeliveryResult.failure("email: unknown conversation or empty message")
        mail = build_reply(
            content,
            from_address=self.config.from_address,
            from_name=self.config.from_name,
            to_address=conversation.address,
            subject=conversation.subject,
            in_reply_to=conversation.last_message_id,
            references=conversation.refs,
        )
        try:
            await self.sender.send(
                mail.as_bytes(),
                self.config.from_address,
                [conversation.address],
                log_id=recipient_id,
            )
        except SendFailed as exc:
            return DeliveryResult.failure(f"email: {exc}")
        await asyncio.to_thread(
            self.store.map_message,
            str(mail["Message-ID"]),
            recipient_id,
            conversation.last_activity,
        )
        return DeliveryResult.success()

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await super().send_text_message(recipient_id, text)
        await self._flush(recipient_id)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await super().send_text_with_buttons(recipient_id, text, buttons)
        await self._flush(recipient_id)

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        await super().send_custom_json(recipient_id, json_message)
        await self._flush(recipient_id)


class EmailInput(InputChannel):
    """Polls one mailbox; each new mail becomes a UserMessage in its thread's conversation."""

    def __init__(self, config: EmailConfig | None) -> None:
        self.config = config
        self.poller: EmailPoller | None = None
        self._task: asyncio.Task | None = None
        self._store: EmailStore | None = None
        self._sender: SmtpSender | None = None

    @classmethod
    def name(cls) -> str:
        return "email"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> EmailInput:
        if not is_configured(credentials):
            logger.warning("email channel listed but EMAIL_IMAP_HOST is unset: channel disabled")
            return cls(None)
        return cls(load_config(credentials))

    @property
    def store(self) -> EmailStore:
        assert self.config is not None
        if self._store is None:
            self._store = EmailStore(self.config.state_path)
        return self._store

    @property
    def sender(self) -> SmtpSender:
        assert self.config is not None
        if self._sender is None:
            self._sender = SmtpSender(self.config)
        return self._sender

    def get_output_channel(self) -> OutputChannel | None:
        if self.config is None:
            return None
        return EmailOutput(self.config, self.store, self.sender)

    async def push(self, sender_id: str, message: OutboundMessage) -> DeliveryResult:
        """A person's message (`connectors.common.delivery`), signed with their name, as a
        reply in the visitor's thread; SMTP refusing it is the result's error."""
        output = self.get_output_channel()
        if not isinstance(output, EmailOutput):
            return DeliveryResult.failure("email: channel not configured")
        texts = [message.text]
        if message.agent is not None and message.event == "message":
            texts.append(f"— {message.agent.name}")
        content = ReplyContent(texts=texts, language=message.language)
        return await output.reply_in_thread(sender_id, content)

    def make_handler(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]], app: Any = None
    ) -> Callable[[InboundMail, str], Awaitable[ReplyContent]]:
        async def handle(mail: InboundMail, conversation_id: str) -> ReplyContent:
            collector = EmailTurnCollector()
            metadata = {
                "email": {
                    "from": mail.address,
                    "name": mail.name,
                    "subject": mask_secrets(mail.subject),
                    "to": list(mail.to),  # our addresses it was sent to (profile `channels:`)
                }
            }
            message = UserMessage(
                text=mail.text,
                output_channel=collector,
                sender_id=conversation_id,
                input_channel=self.name(),
                message_id=mail.message_id,
                metadata=metadata,
            )
            # an exception is retried by the poller (a later poll), not answered with a fallback
            await run_turn(app, on_new_message, message, reraise=True)
            return collect(collector.messages)

        return handle

    def start(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        ready: Callable[[], bool] = lambda: True,
        app: Any = None,
    ) -> None:
        """Start polling (idempotent); called from the server's start listener. Mail is only
        fetched while `ready()`: Rasa's agent ignores messages until a model is loaded, and a
        mail answered by nobody must stay unread rather than be marked done."""
        if self.config is None or self._task is not None:
            return
        self.poller = EmailPoller(
            self.config,
            self.store,
            self.sender,
            self.make_handler(on_new_message, app),
            ready=ready,
        )
        self._task = asyncio.get_running_loop().create_task(self.poller.run())

    async def stop(self) -> None:
        """Let the poller finish its current mail and leave IDLE; cancel if it hangs."""
        task, self._task = self._task, None
        if self.poller is not None:
            self.poller.stop()
        if task is not None:
            try:
                await asyncio.wait_for(task, STOP_TIMEOUT_S)
            except asyncio.TimeoutError:
                logger.warning("email poller did not stop in time; cancelled")
            except Exception as exc:
                logger.warning("email poller ended with error=%s", type(exc).__name__)
        if self._store is not None:
            self._store.close()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        email_webhook = Blueprint("email_webhook", __name__)

        @email_webhook.listener("after_server_start")
        async def start_poller(app: Any, loop: Any) -> None:
            self.start(on_new_message, ready=lambda: agent_ready(app), app=app)

        @email_webhook.listener("before_server_stop")
        async def stop_poller(app: Any, loop: Any) -> None:
            await self.stop()

        @email_webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            if self.config is None:
                return response.json({"status": "disabled"})
            poller = self.poller
            running = self._task is not None and not self._task.done()
            connected = bool(poller and poller.connected)
            status = "ok" if running and connected else ("connecting" if running else "stopped")
            return response.json({"status": status}, status=200 if status == "ok" else 503)

        return email_webhook
