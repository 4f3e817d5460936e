"""What the WhatsApp and Messenger outputs share: one bot utterance -> one platform message
(split to the platform's size limit), the messaging-window check, the remembered language and
options, per-part posting and the mapping of the platform's window errors.

`deliver` means the same in every connector: get one message to the visitor through the
platform, returning a `DeliveryResult` (never raising for a platform error). Rasa's replies
(`send_response`) and pushed messages from a person (`push`, through
`connectors.common.delivery`) both go through it. Each platform keeps what is its own: how a
message is rendered (`render`), which routing the window allows (`routing`), the API call
(`post`) and which platform error means "window closed" (`is_window_error`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

from rasa.core.channels.channel import OutputChannel

from connectors.common.delivery import DeliveryResult, OutboundMessage
from connectors.common.feedback import PromptBook, prompt_options
from connectors.common.outbound import OutboundError
from connectors.common.senders import SenderBook
from connectors.common.text import BotMessage, Option, split_text
from connectors.common.window import WindowClosedHandler, window_closed
from connectors.replies import merge_utterance

logger = logging.getLogger(__name__)

Routing = dict[str, str]
ConfigT = TypeVar("ConfigT")


class ChatOutput(OutputChannel, Generic[ConfigT]):
    """Sends to one visitor of a messaging platform (`config`: the platform's settings);
    records the turn's utterances in `messages`."""

    channel: ClassVar[str] = ""  # the Rasa channel name
    max_chars: ClassVar[int] = 1000  # the platform's limit for one message
    window_error: ClassVar[str] = "outside the platform's messaging window"

    @classmethod
    def name(cls) -> str:
        return cls.channel

    def __init__(
        self,
        config: ConfigT,
        senders: SenderBook,
        window_closed_handlers: list[WindowClosedHandler] | None = None,
        clock: Callable[[], float] = time.time,
        prompts: PromptBook | None = None,
    ) -> None:
        self.config = config
        self.senders = senders
        self.prompts = prompts  # None: no "Was this helpful?" prompt
        # shared with the input channel, so a handler registered later still applies
        self.window_closed_handlers = (
            window_closed_handlers if window_closed_handlers is not None else []
        )
        self.clock = clock
        # the bot's utterances of this turn, delivered or not (a failed post is logged; the
        # turn must not add a fallback on top of a reply the bot did give): turn.py reads it
        self.messages: list[dict[str, Any]] = []

    # platform specifics ---------------------------------------------------------------------

    def render(self, bot: BotMessage) -> str:
        """The message body for one bot utterance (text, media, options, sources)."""
        raise NotImplementedError

    async def routing(self, recipient_id: str, human: bool) -> Routing | None:
        """What the platform's window allows now (extra payload fields), None when closed."""
        raise NotImplementedError

    async def post(
        self, recipient_id: str, part: str, routing: Routing, options: list[Option] | None
    ) -> None:
        """One API call for one part; `options` only on the last part. Raises OutboundError."""
        raise NotImplementedError

    def is_window_error(self, exc: OutboundError) -> bool:
        """Whether the platform refused because its messaging window is closed."""
        raise NotImplementedError

    def feedback_prompt(self, language: str | None) -> str:
        """The "Was this helpful?" text (`connectors.common.feedback`)."""
        raise NotImplementedError

    # shared algorithm -----------------------------------------------------------------------

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """One platform message (split if long) per bot utterance, instead of Rasa's default of
        one message per part."""
        bot = BotMessage.from_rasa(message)
        body = self.render(bot)
        if not body:
            return
        merged = merge_utterance(message, show_why=False)
        if merged:
            self.messages.append(merged)
        result = await self.deliver(
            recipient_id,
            body,
            options=bot.options,
            language=bot.language,
            human=bot.kind == "human",
        )
        if bot.kind == "answer" and result.ok:
            custom = message.get("custom")
            answer_id = custom.get("answer_id") if isinstance(custom, dict) else None
            await self._prompt_feedback(recipient_id, str(answer_id or ""), bot)

    async def _prompt_feedback(self, recipient_id: str, answer_id: str, bot: BotMessage) -> None:
        """After the conversation's first delivered AI answer, once: "Was this helpful?" with
        the feedback shortcuts as the remembered options (docs/architecture.md "Feedback")."""
        if self.prompts is None or not await self.prompts.claim(self.channel, recipient_id):
            return
        await self.deliver(
            recipient_id,
            self.feedback_prompt(bot.language),
            options=prompt_options(answer_id or None, bot.language),
            language=bot.language,
        )

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_response(recipient_id, {"text": text, "buttons": buttons})

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        await self.send_response(recipient_id, {"custom": json_message})

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"image": image})

    async def push(self, recipient_id: str, message: OutboundMessage) -> DeliveryResult:
        """A person's message (from the Slack handoff), signed with their name."""
        bot = BotMessage.from_rasa({"text": message.signed_text(), "custom": message.custom()})
        return await self.deliver(
            recipient_id, self.render(bot), language=message.language, human=True, hand_off=False
        )

    async def deliver(
        self,
        recipient_id: str,
        body: str,
        *,
        options: list[Option] | None = None,
        language: str | None = None,
        human: bool = False,
        hand_off: bool = True,
    ) -> DeliveryResult:
        """Send `body` to `recipient_id` (split to `max_chars`); never raises.

        Outside the platform's window (checked before sending, or reported by the platform)
        nothing more is sent: the text goes to `window_closed_handlers` and the result says so.
        Other platform errors are logged with the conversation id, so one failed message does
        not abort the rest of the turn. `human`: a person wrote it (the platform may allow
        more). `hand_off=False` (a push from the Slack handoff): the handlers are not called,
        the caller gets the error and posts it into the thread (a handler would report a
        person's message as the assistant's unsent reply)."""
        parts = split_text(body, self.max_chars)
        if not parts:
            return DeliveryResult.failure(f"{self.channel}: empty message")
        routing = await self.routing(recipient_id, human)
        if routing is None:
            return await self._window_closed(recipient_id, body, hand_off)
        if language:
            await self.senders.set_language(self.channel, recipient_id, language)
        if options:
            await self.senders.set_options(self.channel, recipient_id, options)
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            try:
                await self.post(recipient_id, part, routing, options if last else None)
            except OutboundError as exc:
                if self.is_window_error(exc):
                    return await self._window_closed(recipient_id, body, hand_off)
                logger.error(
                    "%s send failed conversation_id=%s status=%s error=%s",
                    self.channel,
                    recipient_id,
                    exc.status,
                    exc.body if exc.body else exc,
                )
                return DeliveryResult.failure(f"{self.channel}: {exc}")
        return DeliveryResult.success()

    async def _window_closed(self, recipient_id: str, body: str, hand_off: bool) -> DeliveryResult:
        if hand_off:
            await window_closed(self.channel, recipient_id, body, self.window_closed_handlers)
        return DeliveryResult.failure(f"{self.channel}: {self.window_error}")

    def last_inbound_age(self, last_inbound: float | None) -> float | None:
        """Seconds since the visitor last wrote, None if they never did."""
        return None if last_inbound is None else self.clock() - last_inbound
