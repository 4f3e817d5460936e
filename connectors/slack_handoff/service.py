"""What a handoff does, whoever triggers it (the after-turn hook, an Events API message, a button,
Socket Mode): open it, relay both ways, claim, resolve, hand back.

One instance per Rasa process, built by the `slack_handoff` input channel and started with the
server (`start(app)`). All state lives in the store, so another process (or this one after a
restart) continues any handoff; in-process there is one lock per handoff so an agent's replies
reach the visitor in the order they were written.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from connectors.common.delivery import (
    AgentIdentity,
    DeliveryResult,
    Event,
    OutboundMessage,
    deliver_to_visitor,
)
from connectors.common.masking import mask_secrets
from connectors.handoff.store import Handoff, HandoffStore, new_id
from connectors.slack_handoff import blocks
from connectors.slack_handoff.client import SlackDirectory
from connectors.slack_handoff.config import HandoffConfig
from connectors.slack_handoff.conversation import Conversation, transcript, visitor_name
from connectors.slack_handoff.outbox import SLACK_DOWN, OutboxWorker
from connectors.slack_handoff.routing import HandoffContext, route

logger = logging.getLogger(__name__)
Deliver = Callable[[Any, str, str, OutboundMessage], Awaitable[DeliveryResult]]


def summarize(lines: list[tuple[str, str]], limit: int = 300) -> str:
    """Extractive: the visitor's own recent words, newest last, clipped to `limit`."""
    said = [text for who, text in lines if who == "visitor"][-3:]
    return blocks.clip(" / ".join(said), limit)


class HandoffService:
    def __init__(
        self,
        config: HandoffConfig,
        store: HandoffStore,
        client: AsyncWebClient,
        *,
        deliver: Deliver = deliver_to_visitor,
        min_interval_s: float = 1.0,
    ) -> None:
        self.config = config
        self.store = store
        self.client = client
        self.directory = SlackDirectory(client)
        self.worker = OutboxWorker(store, client, min_interval_s=min_interval_s)
        self.deliver = deliver
        self.app: Any = None
        self.usable = True  # False after the start-up check found Slack unusable
        self._locks: dict[str, asyncio.Lock] = {}

    def lock(self, handoff_id: str) -> asyncio.Lock:
        return self._locks.setdefault(handoff_id, asyncio.Lock())

    @property
    def conversation(self) -> Conversation:
        return Conversation(self.app.ctx.agent)

    # visitor side ----------------------------------------------------------------------------

    async def open(
        self,
        sender_id: str,
        input_channel: str,
        metadata: Mapping[str, Any],
        now: dt.datetime | None = None,
    ) -> Handoff | None:
        """Open a handoff for a conversation whose tracker has `handoff_active` (None when Slack
        is unusable: the visitor is told no one is available and the bot resumes)."""
        conv = self.conversation
        tracker = await conv.tracker(sender_id)
        if tracker is None:
            return None
        if not self.usable or self.config.mode != "slack" or not self.config.channel:
            text, language = await conv.render(
                sender_id, "utter_handoff_unavailable", input_channel
            )
            await self._push(sender_id, input_channel, OutboundMessage(text, language=language))
            await conv.hand_back(sender_id, text)
            logger.warning("handoff not opened (Slack unusable) conversation_id=%s", sender_id)
            return None
        lines = [(who, mask_secrets(text)) for who, text in transcript(tracker, 1000)]
        language = str(tracker.get_slot("language") or "en")
        reason = str(tracker.get_slot("handoff_reason") or "visitor_request")
        visitor_text = " ".join(t for who, t in lines if who == "visitor")
        where = route(
            self.config, HandoffContext(input_channel, language, reason, visitor_text), now
        )
        last_question = next((t for who, t in reversed(lines) if who == "visitor"), "")
        name = visitor_name(metadata, input_channel)
        handoff = Handoff(
            id=new_id(),
            sender_id=sender_id,
            input_channel=input_channel,
            state="queued",
            reason=reason,
            language=language,
            summary=summarize(lines),
            last_question=last_question,
            visitor_name=name,
            route={
                "rule": where.rule,
                "users": list(where.users),
                "usergroup": where.usergroup,
                "next_open": where.next_open.isoformat() if where.next_open else None,
            },
            out_of_hours=where.out_of_hours,
            slack_channel=where.slack_channel,
        )
        chunks = blocks.transcript_text(lines[-self.config.transcript_turns :], name)
        posts: list[tuple[str, dict[str, Any]]] = [("root", {})] + [
            ("thread", {"text": c}) for c in chunks
        ]
        if not await self.store.run(self.store.open_sync, handoff, posts):
            return await self.store.run(self.store.open_for_sync, sender_id)
        self.worker.wake()
        logger.info(
            "handoff %s opened conversation_id=%s channel=%s rule=%s out_of_hours=%s",
            handoff.id,
            sender_id,
            where.slack_channel,
            where.rule,
            where.out_of_hours,
        )
        if where.out_of_hours:
            text, language = await conv.render(
                sender_id,
                "utter_handoff_out_of_hours",
                input_channel,
                next_open=blocks.next_open_text(handoff.route["next_open"], language),
            )
            await self._push(sender_id, input_channel, OutboundMessage(text, language=language))
        elif reason == blocks.CHANNEL_NOT_ASSIGNED:
            # no AI answer on this channel: without this the visitor hears nothing until a
            # person replies; said only now that the handoff is on its way to a person
            text, language = await conv.render(sender_id, "utter_handoff_unassigned", input_channel)
            await self._push(sender_id, input_channel, OutboundMessage(text, language=language))
        return handoff

    async def relay_visitor(self, handoff: Handoff, text: str) -> None:
        """The visitor's (masked) message into the handoff's thread."""
        if not text.strip():
            return
        line = blocks.visitor_line(handoff.visitor_name, mask_secrets(text))
        await self.store.run(self.store.enqueue_sync, handoff.id, "thread", {"text": line})
        self.worker.wake()

    async def window_closed(self, sender_id: str, input_channel: str, text: str) -> None:
        """A bot reply WhatsApp/Messenger refused (outside the 24 h window): hand the
        conversation to a person (reason `window_closed`) and show them the unsent reply."""
        handoff = await self.store.run(self.store.open_for_sync, sender_id)
        if handoff is None:
            await self.conversation.pause_for_handoff(sender_id, "window_closed")
            handoff = await self.open(sender_id, input_channel, {})
        if handoff is not None:
            await self.thread_note(
                handoff,
                f":warning: The assistant's reply was not sent ({input_channel}: outside the"
                f" 24 h messaging window): {blocks.escape(text)}",
            )

    async def _push(
        self, sender_id: str, input_channel: str, message: OutboundMessage
    ) -> DeliveryResult:
        result = await self.deliver(self.app, sender_id, input_channel, message)
        if not result.ok:
            logger.warning(
                "push to visitor failed channel=%s conversation_id=%s: %s",
                input_channel,
                sender_id,
                result.error,
            )
        return result

    # Slack side ------------------------------------------------------------------------------

    async def thread_note(self, handoff: Handoff, text: str) -> None:
        """Tell the agents in the thread (queued: survives Slack hiccups)."""
        await self.store.run(self.store.enqueue_sync, handoff.id, "thread", {"text": text})
        self.worker.wake()

    async def ephemeral(
        self, channel: str, user: str, text: str, thread_ts: str | None = None
    ) -> None:
        try:
            await self.client.chat_postEphemeral(
                channel=channel, user=user, text=text, thread_ts=thread_ts
            )
        except SLACK_DOWN as exc:
            logger.warning("slack ephemeral to %s failed: %s", user, exc)

    async def _update_root(self, handoff_id: str) -> None:
        await self.store.run(self.store.enqueue_sync, handoff_id, "update", {})
        self.worker.wake()

    async def claim(self, handoff: Handoff, user_id: str) -> tuple[bool, Handoff]:
        """Assign `handoff` to `user_id` (one winner); the winner is announced to the visitor."""
        person = await self.directory.person(user_id)
        won, current = await self.store.run(self.store.claim_sync, handoff.id, user_id, person.name)
        if not won:
            return False, current
        await self._update_root(handoff.id)
        text, language = await self.conversation.render(
            handoff.sender_id, "utter_agent_joined", handoff.input_channel, agent_name=person.name
        )
        avatar = person.avatar_url if self.config.webchat_header else None
        message = OutboundMessage(
            text,
            agent=AgentIdentity(person.name, avatar),
            event="agent_joined",
            language=language,
        )
        result = await self._push(handoff.sender_id, handoff.input_channel, message)
        if not result.ok:
            await self.thread_note(current, f":warning: The visitor was not told: {result.error}")
        return True, current

    async def agent_reply(self, handoff: Handoff, user_id: str, text: str) -> None:
        """An agent's thread reply: claim if unclaimed, deliver, record in the tracker."""
        async with self.lock(handoff.id):
            if handoff.state == "queued":
                _, handoff = await self.claim(handoff, user_id)
            person = await self.directory.person(user_id)
            message = OutboundMessage(
                text,
                agent=AgentIdentity(
                    person.name, person.avatar_url if self.config.webchat_header else None
                ),
                language=handoff.language,
            )
            result = await self._push(handoff.sender_id, handoff.input_channel, message)
            if not result.ok:
                await self.thread_note(
                    handoff, f":warning: Not delivered to the visitor: {result.error}"
                )
                return
            await self.conversation.human_said(handoff.sender_id, text, person.name, user_id)

    async def finish(self, handoff: Handoff, user_id: str, state: str) -> bool:
        """Resolve (`resolved`) or hand back (`handed_back`); False if it was already closed."""
        person = await self.directory.person(user_id)
        if not await self.store.run(
            self.store.finish_sync, handoff.id, state, user_id, person.name
        ):
            return False
        await self._update_root(handoff.id)
        conv = self.conversation
        utter = "utter_handoff_closed" if state == "resolved" else "utter_handback"
        text, language = await conv.render(handoff.sender_id, utter, handoff.input_channel)
        event: Event = "closed" if state == "resolved" else "agent_left"
        result = await self._push(
            handoff.sender_id,
            handoff.input_channel,
            OutboundMessage(text, event=event, language=language),
        )
        if not result.ok:
            await self.thread_note(handoff, f":warning: The visitor was not told: {result.error}")
        if state == "resolved":
            await conv.close(handoff.sender_id, text)
        else:
            await conv.hand_back(handoff.sender_id, text)
        return True
