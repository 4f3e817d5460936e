"""What every chat channel needs from Rasa's replies, whatever the platform.

Rasa splits one bot utterance into separate text and custom messages and cuts text at blank
lines; chat clients want one message with text, buttons and the `custom` payload (kind, sources,
language, options) together. And a visitor must never be met with silence: when the action
server fails, Rasa logs it and sends nothing, so channels ask `fallback_reply` for a reply in the
visitor's language.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel

logger = logging.getLogger(__name__)

FALLBACK_RESPONSE = "utter_default"


class MergingCollector(CollectingOutputChannel):
    """Collects each bot utterance as one message: text + buttons + image + custom."""

    @classmethod
    def name(cls) -> str:
        return "collector"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        buttons = message.get("buttons") or message.get("quick_replies")
        merged = self._message(
            recipient_id,
            text=message.get("text"),
            image=message.get("image"),
            buttons=buttons,
            attachment=message.get("attachment"),
            custom=message.get("custom"),
        )
        if len(merged) > 1:  # more than the recipient id
            await self._persist_message(merged)


async def fallback_reply(
    app: Any, sender_id: str, channel: str, messages: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """A polite 'something went wrong' in the visitor's language when the bot said nothing.

    Returns None when silence is right: a human owns the conversation.
    """
    if messages:
        return None
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    tracker = None
    if agent is not None and agent.tracker_store is not None:
        try:
            tracker = await agent.tracker_store.retrieve(sender_id)
        except Exception:  # the store failing must not cost the visitor a reply
            logger.warning("tracker unavailable for fallback reply", exc_info=True)
    if tracker is not None and tracker.get_slot("handoff_active"):
        return None
    language = (tracker.get_slot("language") if tracker is not None else None) or "en"
    text = None
    if agent is not None and tracker is not None and agent.nlg is not None:
        try:
            generated = await agent.nlg.generate(FALLBACK_RESPONSE, tracker, channel)
            text = (generated or {}).get("text")
        except Exception:
            logger.warning("fallback response could not be rendered", exc_info=True)
    logger.warning("bot produced no reply; sent fallback", extra={"sender": sender_id})
    return {
        "recipient_id": sender_id,
        "text": text or "Sorry, something went wrong on our side. Please try again in a moment.",
        "custom": {"kind": "error", "sources": [], "language": language, "options": []},
    }
