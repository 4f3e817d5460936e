"""A message on a channel or account the agent is not assigned to (`channels:` in the profile):
no AI answer, straight to people.

Called by `connectors.common.turn.run_turn` instead of the normal turn. The conversation is
paused before Rasa handles the message, so Rasa records it (NLU and the language slot run as
usual) but predicts nothing: the answer chain is never called.

- Slack handoff usable (mode `slack`, Slack configured and its start-up check passed): the
  pause carries `handoff_active` and the reason `channel_not_assigned`, exactly what
  `action_handoff` leaves, so the Slack after-turn hook opens the handoff (or relays into the
  open one) and a person answers in the thread, relayed like any handoff. When it opens, the
  visitor reads one short acknowledgement that a colleague will reply (or, out of hours, when);
  the handoff offers no "Hand back to AI": the assistant does not answer here.
- Otherwise nobody would see the message: the visitor is told so in their language and the
  conversation is resumed (nothing is promised). `customer-agent check` reports this set-up.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import ConversationPaused, Event, SlotSet

from connectors.slack_handoff.blocks import CHANNEL_NOT_ASSIGNED
from connectors.slack_handoff.conversation import Conversation

logger = logging.getLogger(__name__)
REASON = CHANNEL_NOT_ASSIGNED
NOBODY_TEXTS = {
    "en": "Sorry, no one from our team is available on this channel right now, and I don't"
    " answer here. Please try again later.",
    "nl": "Sorry, er is op dit kanaal nu niemand van ons team beschikbaar, en ik beantwoord"
    " hier geen vragen. Probeer het later opnieuw.",
    "de": "Leider ist auf diesem Kanal gerade niemand aus unserem Team erreichbar, und ich"
    " antworte hier nicht. Bitte versuchen Sie es später noch einmal.",
    "fr": "Désolé, personne de notre équipe n'est disponible sur ce canal pour le moment, et je"
    " n'y réponds pas. Veuillez réessayer plus tard.",
    "es": "Lo siento, ahora no hay nadie de nuestro equipo disponible en este canal y yo no"
    " respondo aquí. Inténtalo de nuevo más tarde.",
}


def human_route_usable(app: Any) -> bool:
    """Whether the Slack handoff can take a conversation now (the same test as
    `HandoffService.open`; Slack merely unreachable still queues in its outbox)."""
    for channel in getattr(getattr(app, "ctx", None), "input_channels", None) or ():
        service = getattr(channel, "service", None)
        config = getattr(service, "config", None)
        if channel.name() == "slack_handoff" and service is not None and config is not None:
            return bool(service.usable and config.mode == "slack" and config.channel)
    return False


async def _pause(agent: Any, message: UserMessage, events: list[Event]) -> None:
    """Start or renew the session the way Rasa would (so its own session start cannot undo
    the pause), then append `events`, under the conversation's lock."""
    sender_id = message.sender_id
    async with agent.lock_store.lock(sender_id):
        processor = getattr(agent, "processor", None)
        if processor is not None:
            tracker = await processor.fetch_tracker_and_update_session(
                sender_id, message.output_channel, message.metadata
            )
        else:  # an agent without a model (tests): no session logic to run
            tracker = await agent.tracker_store.get_or_create_tracker(
                sender_id, append_action_listen=False
            )
        for event in events:
            # stamped after the session start: the SQL tracker store orders events by time and
            # reads the session from its last start, so an earlier stamp would drop the pause
            event.timestamp = time.time()
            tracker.update(event, agent.domain)
        await agent.tracker_store.save(tracker)


async def route_unassigned(
    app: Any, on_new_message: Any, message: UserMessage, timeout_s: float
) -> None:
    """Record the message without an AI answer and hand it to people (module docstring)."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    sender_id, channel = message.sender_id, message.input_channel or ""
    if agent is None:
        logger.error("unassigned channel without a Rasa agent channel=%s", channel)
        return
    conversation = Conversation(agent)
    people = human_route_usable(app)
    tracker = await conversation.tracker(sender_id)
    if people and tracker is not None and tracker.get_slot("handoff_active"):
        events: list[Event] = [ConversationPaused()]  # a person owns it already: keep it so
    elif people:
        events = [SlotSet("handoff_reason", REASON), SlotSet("handoff_active", True)]
        events.append(ConversationPaused())
    else:
        events = [SlotSet("handoff_reason", REASON), ConversationPaused()]
    await _pause(agent, message, events)
    await asyncio.wait_for(on_new_message(message), timeout=timeout_s)
    logger.info(
        "channel not assigned channel=%s conversation_id=%s to_people=%s",
        channel,
        sender_id,
        people,
    )
    if people:
        return  # the Slack after-turn hook opens the handoff or relays the message
    tracker = await conversation.tracker(sender_id)
    language = str((tracker.get_slot("language") if tracker else None) or "en")[:2].lower()
    text = NOBODY_TEXTS.get(language, NOBODY_TEXTS["en"])
    custom = {"kind": "handoff", "sources": [], "language": language, "options": []}
    if message.output_channel is not None:
        await message.output_channel.send_response(sender_id, {"text": text, "custom": custom})
    await conversation.hand_back(sender_id, text)
