"""What every chat channel needs from Rasa's replies, whatever the platform.

Rasa splits one bot utterance into separate text and custom messages and cuts text at blank
lines; chat clients want one message with text, buttons and the `custom` payload (kind, sources,
language, options) together: `merge_utterance` is that one merge, used by `MergingCollector`
(the REST channel), the web chat and the messaging outputs' turn record. And a visitor must
never be met with silence: when the action server fails, Rasa logs it and sends nothing, so
`connectors.common.turn` asks `fallback_reply` for a reply in the visitor's language.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel

logger = logging.getLogger(__name__)

FALLBACK_RESPONSE = "utter_default"
# The documented `custom` keys (docs/architecture.md, "The reply payload"); `why` only when
# show-why is on, `agent`/`event` on messages a person sent through the handoff, `answer_id`
# on AI answers (what visitor feedback names).
CUSTOM_KEYS = (
    "kind",
    "sources",
    "language",
    "options",
    "answer_id",
    "agent",
    "event",
    "confidence",
    "why",
)
# Used when the domain's `utter_default` cannot be rendered (no tracker yet, NLG failing).
FALLBACK_TEXT = {
    "en": "Sorry, something went wrong on our side. Please try again in a moment.",
    "nl": "Sorry, er ging bij ons iets mis. Probeer het zo nog eens.",
    "de": "Entschuldigung, bei uns ist etwas schiefgelaufen. "
    "Bitte versuchen Sie es gleich noch einmal.",
    "fr": "Désolé, un problème est survenu de notre côté. Veuillez réessayer dans un instant.",
    "es": "Lo sentimos, algo ha fallado por nuestra parte. Inténtalo de nuevo en un momento.",
}


def clean_custom(custom: Any, show_why: bool) -> dict[str, Any] | None:
    """Keep the documented payload keys; `why` only when show-why is on."""
    if not isinstance(custom, Mapping):
        return None
    kept = {k: custom[k] for k in CUSTOM_KEYS if k in custom}
    if not show_why:
        kept.pop("why", None)
    return kept


def merge_utterance(message: Mapping[str, Any], *, show_why: bool) -> dict[str, Any]:
    """One bot utterance (the dict Rasa passes to `send_response`) as one message: non-blank
    `text`, well-formed `buttons` (title + payload; Rasa's `quick_replies` too), `image`,
    `attachment` and the cleaned `custom` payload. Empty parts are left out; {} when nothing
    is left."""
    out: dict[str, Any] = {}
    text = message.get("text")
    if isinstance(text, str) and text.strip():
        out["text"] = text
    buttons = message.get("buttons") or message.get("quick_replies") or []
    kept_buttons = [
        {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
        for b in (buttons if isinstance(buttons, list) else [])
        if isinstance(b, Mapping) and b.get("title") and b.get("payload")
    ]
    if kept_buttons:
        out["buttons"] = kept_buttons
    for key in ("image", "attachment"):
        if isinstance(message.get(key), str) and message[key]:
            out[key] = message[key]
    custom = clean_custom(message.get("custom"), show_why)
    if custom:
        out["custom"] = custom
    return out


class MergingCollector(CollectingOutputChannel):
    """Collects each bot utterance as one message (`merge_utterance`) with its recipient id,
    Rasa's REST format. Show-why is kept as the action server decided it."""

    @classmethod
    def name(cls) -> str:
        return "collector"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        merged = merge_utterance(message, show_why=True)
        if merged:
            await self._persist_message({"recipient_id": recipient_id, **merged})


def _primary(language: str | None) -> str | None:
    return (language or "").split("-")[0].split("_")[0].lower() or None


async def fallback_reply(
    app: Any,
    sender_id: str,
    channel: str,
    messages: Sequence[Mapping[str, Any]],
    *,
    language: str | None = None,
) -> dict[str, Any] | None:
    """A polite 'something went wrong' in the visitor's language when the bot said nothing.

    The language is the tracker's, else `language` (a guess such as the browser's), else
    English. Returns None when silence is right: the bot replied, or a human owns the
    conversation.
    """
    if messages:
        return None
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    store = getattr(agent, "tracker_store", None)
    nlg = getattr(agent, "nlg", None)
    tracker = None
    if store is not None:
        try:
            tracker = await store.retrieve(sender_id)
        except Exception:  # the store failing must not cost the visitor a reply
            logger.warning("tracker unavailable for fallback reply", exc_info=True)
    if tracker is not None and tracker.get_slot("handoff_active"):
        return None
    tracker_language = tracker.get_slot("language") if tracker is not None else None
    text = None
    if tracker is not None and nlg is not None:
        try:
            generated = await nlg.generate(FALLBACK_RESPONSE, tracker, channel)
            text = (generated or {}).get("text")
        except Exception:
            logger.warning("fallback response could not be rendered", exc_info=True)
    if text:
        lang = _primary(tracker_language) or "en"
    else:
        guess = _primary(tracker_language) or _primary(language)
        lang = guess if guess in FALLBACK_TEXT else "en"
        text = FALLBACK_TEXT[lang]
    logger.warning("bot produced no reply; sent fallback", extra={"sender": sender_id})
    return {
        "text": text,
        "custom": {"kind": "error", "sources": [], "language": lang, "options": []},
    }
