"""One visitor turn, the same on every input channel: mask, answer, never fall silent, notify.

Every input channel (rest, webchat, whatsapp, messenger, email) hands its `UserMessage` to
`run_turn` instead of calling Rasa's `on_new_message` itself. In order:

1. The text is masked (`connectors.common.masking.mask_secrets`: card numbers, IBANs,
   passwords) BEFORE Rasa sees it, so the tracker store, Slack threads and reports never hold
   the raw secret.
2. Rasa handles the message (`on_new_message`), bounded by `timeout_s`. On a channel or
   account the profile does not assign the agent to (`channels:`), the conversation is paused
   first so Rasa records the message without an AI answer, and it goes to people
   (`connectors.common.unassigned`).
3. If the bot said nothing and no person owns the conversation, the shared fallback reply
   (`connectors.replies.fallback_reply`) is sent through the same output channel.
4. The after-turn hooks registered on the app (`register_after_turn`; the Slack handoff opens a
   handoff or relays the message into its thread) run with a `Turn`: the app, sender id,
   channel, masked text, metadata and the bot messages sent in this turn. A hook that fails or
   hangs is logged and never costs the visitor the reply.

The messages of a turn are read from the output channel's `messages` list: our collecting
outputs keep what they will return, and the WhatsApp/Messenger outputs what they posted (see
docs/architecture.md, "The turn").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from rasa.core.channels.channel import UserMessage

from connectors.common.channel_assignment import accounts_of
from connectors.common.masking import mask_secrets
from connectors.common.unassigned import route_unassigned
from connectors.replies import fallback_reply
from connectors.settings import profile

logger = logging.getLogger(__name__)

REPLY_TIMEOUT_S = 60.0  # a turn that takes longer gets the fallback reply
HOOK_TIMEOUT_S = 10.0  # per hook; slow work (posting to Slack) belongs in the hook's own queue
HOOKS_ATTR = "customer_agent_after_turn_hooks"

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


@runtime_checkable
class RecordsMessages(Protocol):
    """An output channel that keeps the bot messages of the turn (merged utterances)."""

    messages: list[dict[str, Any]]


@dataclass(frozen=True)
class Turn:
    """What an after-turn hook learns about one visitor turn."""

    app: Any  # the Sanic app; Rasa's agent is `app.ctx.agent`
    sender_id: str
    input_channel: str
    text: str  # as Rasa saw and stored it: masked
    metadata: Mapping[str, Any]
    replies: Sequence[Mapping[str, Any]] = field(default=())  # bot messages sent this turn

    @property
    def agent(self) -> Any:
        """Rasa's `Agent` (tracker store, lock store, NLG), or None outside a Rasa server."""
        return getattr(getattr(self.app, "ctx", None), "agent", None)


AfterTurnHook = Callable[[Turn], Awaitable[None]]


def register_after_turn(app: Any, hook: AfterTurnHook) -> None:
    """Run `hook` after every visitor turn on `app` (call it from a server listener; hooks run
    in registration order, once each even if registered twice)."""
    hooks: list[AfterTurnHook] = after_turn_hooks(app)
    if hook not in hooks:
        hooks.append(hook)
    setattr(app.ctx, HOOKS_ATTR, hooks)


def after_turn_hooks(app: Any) -> list[AfterTurnHook]:
    ctx = getattr(app, "ctx", None)
    return list(getattr(ctx, HOOKS_ATTR, None) or [])


def masked_message(message: UserMessage) -> UserMessage:
    """The same message with secrets masked in its text (everything else unchanged)."""
    return UserMessage(
        mask_secrets(message.text) if message.text else message.text,
        message.output_channel,
        message.sender_id,
        parse_data=message.parse_data,
        input_channel=message.input_channel,
        message_id=message.message_id,
        metadata=message.metadata,
    )


def sent_messages(output: Any) -> list[dict[str, Any]]:
    """The messages `output` recorded this turn ([] for an output that records nothing)."""
    return list(output.messages) if isinstance(output, RecordsMessages) else []


async def run_turn(
    app: Any,
    on_new_message: OnNewMessage,
    message: UserMessage,
    *,
    fallback_language: str | None = None,
    timeout_s: float = REPLY_TIMEOUT_S,
    reraise: bool = False,
) -> list[dict[str, Any]]:
    """Handle one visitor message (steps 1-4 above); returns the bot messages of the turn.

    `fallback_language` is the best guess at the visitor's language when the tracker has none
    yet (the web chat passes the browser's), for the fallback reply only. Never raises for a
    failing action server or hook; with `reraise`, an exception or timeout from Rasa itself
    propagates without fallback or hooks (the email poller retries the mail later instead of
    answering "something went wrong")."""
    masked = masked_message(message)
    sender_id = masked.sender_id
    channel = masked.input_channel or ""
    try:
        if assigned(channel, masked.metadata):
            await asyncio.wait_for(on_new_message(masked), timeout=timeout_s)
        else:
            await route_unassigned(app, on_new_message, masked, timeout_s)
    except asyncio.TimeoutError:
        logger.error("message handling timed out channel=%s conversation_id=%s", channel, sender_id)
        if reraise:
            raise
    except Exception:
        if reraise:
            raise
        logger.exception(
            "message handling failed channel=%s conversation_id=%s", channel, sender_id
        )
    output = masked.output_channel
    replies = sent_messages(output)
    # only an output that records its messages can tell silence from a reply
    fallback = (
        await fallback_reply(app, sender_id, channel, replies, language=fallback_language)
        if isinstance(output, RecordsMessages)
        else None
    )
    if fallback is not None and output is not None:
        try:
            await output.send_response(sender_id, fallback)
        except Exception:
            logger.exception(
                "fallback reply not sent channel=%s conversation_id=%s", channel, sender_id
            )
        replies = sent_messages(output)
    turn = Turn(
        app=app,
        sender_id=sender_id,
        input_channel=channel,
        text=masked.text or "",
        metadata=dict(masked.metadata or {}),
        replies=tuple(replies),
    )
    await _run_hooks(turn)
    return replies


def assigned(channel: str, metadata: Mapping[str, Any] | None) -> bool:
    """Whether the profile's `channels:` lets the agent answer this message."""
    return profile().channels.answers(channel, accounts_of(channel, metadata))


async def _run_hooks(turn: Turn) -> None:
    for hook in after_turn_hooks(turn.app):
        name = getattr(hook, "__qualname__", repr(hook))
        try:
            await asyncio.wait_for(hook(turn), timeout=HOOK_TIMEOUT_S)
        except asyncio.TimeoutError:
            logger.error(
                "after-turn hook %s timed out channel=%s conversation_id=%s",
                name,
                turn.input_channel,
                turn.sender_id,
            )
        except Exception:
            logger.exception(
                "after-turn hook %s failed channel=%s conversation_id=%s",
                name,
                turn.input_channel,
                turn.sender_id,
            )
