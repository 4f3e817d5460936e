"""The harness the WhatsApp and Messenger connector tests share: the platform's channel registered
on a real Sanic app the way Rasa registers channels, a stand-in for Rasa's Agent that utters the
way Rasa's processor does, and the ASGI test client. Both channels are a `ChatWebhookInput`
(one inbound path, one output algorithm: docs/architecture.md "The turn"), so only what each
platform keeps to itself stays in its test module: how a request is signed, its payloads, its
canned utterances and what its API receives."""

from __future__ import annotations

import asyncio
import copy
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Generic, TypeVar

from rasa.core.channels.channel import UserMessage, register
from rasa.shared.core.events import BotUttered
from sanic import Sanic
from sanic_testing.testing import SanicASGITestClient

from connectors.common.chat_channel import ChatWebhookInput

__all__ = ["ChatHarness", "EchoAgent", "Utterance", "redelivered"]

ChannelT = TypeVar("ChannelT", bound=ChatWebhookInput[Any])
Utterance = tuple[str, dict[str, Any] | None]  # BotUttered's text and data


class EchoAgent:
    """Stands in for Rasa's Agent: keeps every UserMessage and utters like the processor does
    (`BotUttered(...).message()` through the message's output channel), so what reaches the
    platform stub is the connector's rendering of a real utterance (docs/architecture.md "The
    reply payload"). A text in `canned` gets that utterance ("long", "clarify": what a test
    exercises); any other text is answered "Answer to: <text>" citing `source`, in Dutch when
    it contains `dutch_word`, so a test can switch the conversation's language."""

    def __init__(
        self, *, source: dict[str, str], dutch_word: str, canned: Mapping[str, Utterance]
    ) -> None:
        self.messages: list[UserMessage] = []
        self.source = source
        self.dutch_word = dutch_word
        self.canned = canned

    def utter(self, text: str) -> BotUttered:
        if text in self.canned:
            said, data = self.canned[text]
            # a fresh copy each turn, as the processor builds a new event for every utterance
            return BotUttered(said, data=copy.deepcopy(data))
        language = "nl" if self.dutch_word in text else "en"
        custom = {"kind": "answer", "language": language, "sources": [self.source], "options": []}
        return BotUttered(f"Answer to: {text}", data={"custom": custom})

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        event = self.utter(message.text or "")
        await message.output_channel.send_response(message.sender_id, event.message())


class ChatHarness(Generic[ChannelT]):
    """A platform channel on its own Sanic app with `agent` as the app's agent. `send` posts to
    the webhook and then waits for the answers the channel started in the background, since the
    webhook acknowledges before the bot has answered (`ChatWebhookInput.accept`)."""

    def __init__(self, channel: ChannelT, agent: EchoAgent) -> None:
        self.channel = channel
        self.agent = agent
        self.app = Sanic(f"{channel.name()}_{uuid.uuid4().hex}")
        self.app.ctx.agent = agent
        register([channel], self.app, "/webhooks/")  # Rasa's own wiring
        self.client = SanicASGITestClient(self.app)

    async def send(self, path: str | None = None, **request: Any) -> Any:
        """POST `request` (the test client's keywords) to `path`, by default the webhook."""
        _, resp = await self.client.post(
            path or f"/webhooks/{self.channel.name()}/webhook", **request
        )
        await self.channel.drain()
        return resp

    def window_closed(self) -> list[tuple[str, str]]:
        """What the channel hands over, (conversation id, text), when the platform's messaging
        window no longer lets a reply through (`ChatOutput`'s window check, docs/architecture.md
        "The turn"); the Slack handoff appends its own handler the same way."""
        handed: list[tuple[str, str]] = []

        async def record(conversation_id: str, text: str) -> None:
            handed.append((conversation_id, text))

        self.channel.window_closed_handlers.append(record)
        return handed


async def redelivered(post: Callable[[], Awaitable[Any]], retries: int = 3) -> list[int]:
    """The status codes of one webhook posted once and then `retries` more times at once, the way
    a platform delivers again a webhook it thinks went unanswered."""
    first = await post()
    again = await asyncio.gather(*(post() for _ in range(retries)))
    return [resp.status_code for resp in (first, *again)]
