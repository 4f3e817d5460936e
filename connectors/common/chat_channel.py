"""What the WhatsApp and Messenger inputs share: a fail-closed configuration, exactly-once
message ids, the sender book, one inbound path (`accept` -> `forward` -> `run_turn`), pushes
from a person (`push`), answering in the background and a bounded graceful shutdown.

Each platform keeps what is its own (signature check, payload parsing, output channel); this
base keeps the life cycle identical, so a fix to shutdown, dedupe or option matching lands on
both.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.common.chat_output import ChatOutput
from connectors.common.dedupe import ProcessedIds
from connectors.common.delivery import DeliveryResult, OutboundMessage
from connectors.common.feedback import PromptBook, vote_of
from connectors.common.senders import SenderBook
from connectors.common.tasks import BackgroundTasks
from connectors.common.text import match_option, phrase
from connectors.common.turn import OnNewMessage, run_turn
from connectors.common.window import WindowClosedHandler

logger = logging.getLogger(__name__)


class ChannelConfig(Protocol):
    @property
    def missing(self) -> list[str]:
        """Settings that must be set before the channel opens (empty: open)."""


ConfigT = TypeVar("ConfigT", bound=ChannelConfig)


@dataclass(frozen=True)
class Inbound:
    """One visitor message worth answering, as the platform's webhook parsed it."""

    sender: str  # the platform's visitor id, also the Rasa conversation id
    message_id: str  # the platform's message id (dedupe key)
    text: str | None  # None: media only (answered with the "text only" phrase)
    kind: str = "text"  # "text": typed, so "2" may pick a numbered option; else a payload
    metadata: Mapping[str, Any] = field(default_factory=dict)


class ChatWebhookInput(InputChannel, Generic[ConfigT]):
    """A platform webhook answered in the background; closed (403) until configured."""

    channel = ""  # the Rasa channel name, set by each platform
    label = ""  # the platform's name in log lines

    @classmethod
    def name(cls) -> str:
        return cls.channel

    def __init__(
        self,
        config: ConfigT,
        processed: ProcessedIds | None = None,
        senders: SenderBook | None = None,
        prompts: PromptBook | None = None,
    ) -> None:
        self.config = config
        self.processed = processed or ProcessedIds()
        self.senders = senders or SenderBook()
        self.prompts = prompts or PromptBook()
        self.tasks = BackgroundTasks(self.channel)
        # Anyone may append here to take over replies the platform's window no longer allows.
        self.window_closed_handlers: list[WindowClosedHandler] = []
        if config.missing:
            logger.warning(
                "%s channel disabled (webhook answers 403): set %s",
                self.label,
                ", ".join(config.missing),
            )

    def make_output(self) -> ChatOutput:
        """The platform's output channel for one conversation turn."""
        raise NotImplementedError

    def get_output_channel(self) -> ChatOutput | None:
        return None if self.config.missing else self.make_output()

    def new_blueprint(self, name: str) -> Blueprint:
        """The platform's blueprint with what every webhook has: `GET /` health ("ok" or
        "disabled") and the bounded `shutdown` when the server stops."""
        bp = Blueprint(name, __name__)

        @bp.listener("before_server_stop")
        async def finish_in_flight(*_: Any) -> None:
            await self.shutdown()

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if not self.config.missing else "disabled"})

        return bp

    async def accept(self, app: Any, on_new_message: OnNewMessage, inbound: Inbound) -> None:
        """A verified webhook's message: claimed once (a platform retry is dropped), the
        visitor's window reopened, then answered in the background (`forward`)."""
        if not await self.processed.claim(self.channel, inbound.message_id):
            logger.info(
                "duplicate delivery ignored channel=%s message_id=%s conversation_id=%s",
                self.channel,
                inbound.message_id,
                inbound.sender,
            )
            return
        await self.senders.touch_inbound(self.channel, inbound.sender)
        self.tasks.spawn(
            self.forward(app, on_new_message, inbound),
            conversation_id=inbound.sender,
            what=f"{self.channel} message",
        )

    async def forward(self, app: Any, on_new_message: OnNewMessage, inbound: Inbound) -> None:
        """One visitor message through the turn (`connectors.common.turn.run_turn`).

        Media without text gets the "text only" phrase in the visitor's last language; a typed
        reply matching a numbered option shown last ("2", or its title) becomes that option's
        payload (after the feedback prompt also "yes", "nee", a thumb: `vote_of`); the
        remembered options are forgotten after any reply."""
        output = self.make_output()
        await self.prompts.visitor_wrote(self.channel, inbound.sender)
        record = await self.senders.get(self.channel, inbound.sender)
        if inbound.text is None:
            await output.deliver(inbound.sender, phrase("text_only", record.language))
            return
        text = inbound.text
        if record.options:
            if inbound.kind == "text":
                text = match_option(text, record.options) or vote_of(text, record.options) or text
            await self.senders.set_options(self.channel, inbound.sender, [])
        metadata = {"channel": self.channel, "message_id": inbound.message_id, **inbound.metadata}
        message = UserMessage(
            text,
            output,
            inbound.sender,
            input_channel=self.channel,
            message_id=inbound.message_id,
            metadata=metadata,
        )
        await run_turn(app, on_new_message, message)

    async def push(self, sender_id: str, message: OutboundMessage) -> DeliveryResult:
        """A person's message to the visitor (`connectors.common.delivery`)."""
        if self.config.missing:
            return DeliveryResult.failure(f"{self.channel}: channel not configured")
        return await self.make_output().push(sender_id, message)

    async def drain(self) -> None:
        """Wait for in-flight messages (graceful shutdown and tests)."""
        await self.tasks.drain()

    async def shutdown(self, timeout_s: float = 15.0) -> None:
        """On server stop: let in-flight answers go out (bounded), then close the stores."""
        try:
            await asyncio.wait_for(self.drain(), timeout_s)
        except asyncio.TimeoutError:
            logger.warning("%s: stopped with messages still in flight", self.channel)
        self.processed.close()
        self.senders.close()
        self.prompts.close()
