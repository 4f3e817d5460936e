"""Pushing a message to a visitor outside their own turn: a person's reply from Slack, "<name>
joined", the hand-back or closing message.

Why one entry point: the Slack handoff must not know how each platform reaches a visitor. Each
input channel offers one push function under its Rasa channel name: our input channels have a
`push(sender_id, message)` method and are found among the channels Rasa registered on the app
(`app.ctx.input_channels`); anything else can `register_push(app, name, fn)`, which wins. The
handoff calls `deliver_to_visitor(app, sender_id, input_channel, message)` with the channel
name the tracker recorded for the conversation and gets a `DeliveryResult` back, never an
exception, so a failure (WhatsApp's 24 h window closed, Messenger outside its window, SMTP
refused, a REST client that cannot be reached) can be posted back to the agent in Slack.

What each channel does with a push is documented next to its push function (see
docs/architecture.md, "Delivery to the visitor").
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

logger = logging.getLogger(__name__)

Event = Literal["message", "agent_joined", "agent_left", "closed"]
EVENTS: tuple[Event, ...] = ("message", "agent_joined", "agent_left", "closed")
REGISTRY_ATTR = "customer_agent_visitor_push"
NO_PUSH = "channel cannot receive pushed messages"


@dataclass(frozen=True)
class AgentIdentity:
    """The person speaking: shown as the sender's name (and avatar, in the web chat)."""

    name: str
    avatar_url: str | None = None


@dataclass(frozen=True)
class OutboundMessage:
    """One message from a person (or about the handoff) to the visitor.

    `event` tells the web chat what changed: "agent_joined" switches its header to `agent`'s
    name and avatar, "agent_left" and "closed" switch it back to the assistant; other channels
    just send `text` (prefixed with the agent's name where the platform shows no sender).
    `language` is the conversation's language, for any words a channel adds itself.
    """

    text: str
    agent: AgentIdentity | None = None
    event: Event = "message"
    language: str | None = None

    def __post_init__(self) -> None:
        if self.event not in EVENTS:
            raise ValueError(f"event must be one of {', '.join(EVENTS)}, not {self.event!r}")

    def custom(self) -> dict[str, Any]:
        """The `custom` payload channels attach (the web chat widget reads it)."""
        custom: dict[str, Any] = {
            "kind": "human" if self.agent is not None else "handoff",
            "event": self.event,
            "sources": [],
            "options": [],
        }
        if self.language:
            custom["language"] = self.language
        if self.agent is not None:
            agent: dict[str, Any] = {"name": self.agent.name}
            if self.agent.avatar_url:
                agent["avatar_url"] = self.agent.avatar_url
            custom["agent"] = agent
        return custom

    def signed_text(self) -> str:
        """`text` with "Name: " in front when a person wrote it (for channels without a sender
        label of their own: WhatsApp, Messenger, email bodies)."""
        if self.agent is None or self.event != "message":
            return self.text
        return f"{self.agent.name}: {self.text}"


@dataclass(frozen=True)
class DeliveryResult:
    """`ok` when the platform accepted the message; otherwise `error` says why, in words an
    agent in Slack can act on."""

    ok: bool
    error: str | None = None

    @classmethod
    def success(cls) -> DeliveryResult:
        return cls(True, None)

    @classmethod
    def failure(cls, error: str) -> DeliveryResult:
        return cls(False, error)


# (sender_id, message) -> result; must not raise for platform errors
PushFunction = Callable[[str, OutboundMessage], Awaitable[DeliveryResult]]


@runtime_checkable
class PushesToVisitors(Protocol):
    """An input channel that can reach its visitors outside their own turn."""

    def name(self) -> str: ...

    async def push(self, sender_id: str, message: OutboundMessage) -> DeliveryResult: ...


def _registry(app: Any) -> dict[str, PushFunction]:
    ctx = app.ctx
    registry: dict[str, PushFunction] | None = getattr(ctx, REGISTRY_ATTR, None)
    if registry is None:
        registry = {}
        setattr(ctx, REGISTRY_ATTR, registry)
    return registry


def register_push(app: Any, channel: str, push: PushFunction) -> None:
    """Make `channel` (the Rasa input channel name) reachable by `deliver_to_visitor`."""
    _registry(app)[channel] = push


def push_functions(app: Any) -> Mapping[str, PushFunction]:
    """Channel name -> push function: Rasa's registered input channels that push, then the
    explicit registrations (which win)."""
    found: dict[str, PushFunction] = {}
    for channel in getattr(app.ctx, "input_channels", None) or ():
        if isinstance(channel, PushesToVisitors):
            found[channel.name()] = channel.push
    return {**found, **_registry(app)}


async def deliver_to_visitor(
    app: Any, sender_id: str, input_channel: str, message: OutboundMessage
) -> DeliveryResult:
    """Push `message` to the visitor `sender_id` on `input_channel`; never raises.

    A channel that registered no push function (REST, or one not enabled on this server)
    yields `DeliveryResult(ok=False, error=NO_PUSH)`."""
    push = push_functions(app).get(input_channel)
    if push is None:
        return DeliveryResult.failure(f"{input_channel or 'unknown'}: {NO_PUSH}")
    try:
        return await push(sender_id, message)
    except Exception as exc:  # a push function must not crash the caller (the Slack relay)
        logger.exception("push failed channel=%s conversation_id=%s", input_channel, sender_id)
        return DeliveryResult.failure(f"{input_channel}: delivery failed ({type(exc).__name__})")
