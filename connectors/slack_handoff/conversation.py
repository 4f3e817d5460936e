"""The handoff's access to the Rasa conversation: read the tracker, render a domain response in
the visitor's language, append events under the conversation's lock.

Why under the lock store: a visitor message may be processed at the same moment an agent's
reply is written; Rasa's own `POST /conversations/{id}/tracker/events` appends under
`agent.lock_store.lock(id)` and so do we, so neither write loses the other's events.

What the handoff writes (README, "Handoff in Slack"):
- an agent's reply: `BotUttered(text, metadata={"human": {"name", "slack_user"}})`, so
  transcripts, analytics and a later hand-back see who said what;
- hand back: the hand-back message, `ConversationResumed`, `SlotSet handoff_active False`,
  `action_listen` (the visitor's next message is predicted like any unpaused turn);
- resolve: the closing message, then `ActionExecuted action_session_start` + `SessionStarted`:
  the session ends and the visitor's next message starts a fresh one (slots reset).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    Event,
    SessionStarted,
    SlotSet,
)
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

# Said when the domain lacks the response (a model trained before it existed): never silent.
FALLBACK_TEXTS: dict[str, dict[str, str]] = {
    "utter_agent_joined": {
        "en": "{agent_name} joined the conversation.",
        "nl": "{agent_name} neemt het gesprek over.",
        "de": "{agent_name} ist dem Gespräch beigetreten.",
        "fr": "{agent_name} a rejoint la conversation.",
        "es": "{agent_name} se ha unido a la conversación.",
    },
    "utter_handback": {
        "en": "You are back with the assistant. How can I help?",
        "nl": "Je praat weer met de assistent. Waarmee kan ik helpen?",
        "de": "Sie sind wieder beim Assistenten. Wie kann ich helfen?",
        "fr": "Vous êtes de retour avec l'assistant. Comment puis-je vous aider ?",
        "es": "Vuelves a hablar con el asistente. ¿En qué puedo ayudarte?",
    },
    "utter_handoff_closed": {
        "en": "This conversation has been closed. Write again any time.",
        "nl": "Dit gesprek is afgesloten. Je kunt altijd opnieuw schrijven.",
        "de": "Dieses Gespräch wurde beendet. Schreiben Sie uns jederzeit wieder.",
        "fr": "Cette conversation est terminée. Écrivez-nous quand vous voulez.",
        "es": "Esta conversación se ha cerrado. Escríbenos cuando quieras.",
    },
    "utter_handoff_out_of_hours": {
        "en": "Our team is away right now; a colleague will reply from {next_open}.",
        "nl": "Ons team is er nu niet; een collega reageert vanaf {next_open}.",
        "de": "Unser Team ist gerade nicht da; ab {next_open} antwortet Ihnen jemand.",
        "fr": "Notre équipe est absente ; un collègue vous répondra à partir de {next_open}.",
        "es": "Nuestro equipo no está ahora; un compañero te responderá desde {next_open}.",
    },
    # a message on a channel the agent is not assigned to, now with a person (no domain
    # response: the assistant never utters it)
    "utter_handoff_unassigned": {
        "en": "Thanks for your message. A colleague will reply here.",
        "nl": "Bedankt voor je bericht. Een collega antwoordt je hier.",
        "de": "Danke für Ihre Nachricht. Eine Kollegin oder ein Kollege antwortet Ihnen hier.",
        "fr": "Merci pour votre message. Un collègue vous répondra ici.",
        "es": "Gracias por tu mensaje. Un compañero te responderá aquí.",
    },
    "utter_handoff_unavailable": {
        "en": "Sorry, no colleague is available right now. I'll keep helping you here.",
        "nl": "Sorry, er is nu geen collega beschikbaar. Ik help je hier verder.",
        "de": "Leider ist gerade niemand erreichbar. Ich helfe Ihnen hier weiter.",
        "fr": "Désolé, aucun collègue n'est disponible. Je continue à vous aider ici.",
        "es": "Lo siento, ahora no hay ningún compañero disponible. Sigo ayudándote aquí.",
    },
}


def _primary(language: str | None) -> str:
    return (language or "en").split("-")[0].split("_")[0].lower()


class Conversation:
    """Rasa's agent (`app.ctx.agent`) seen from the handoff."""

    def __init__(self, agent: Any) -> None:
        self.agent = agent

    async def tracker(self, sender_id: str) -> DialogueStateTracker | None:
        return await self.agent.tracker_store.retrieve(sender_id)

    async def render(
        self, sender_id: str, utter: str, channel: str, **values: Any
    ) -> tuple[str, str]:
        """(text, language) of the domain response `utter` for this conversation (its
        `language` slot picks the variation); the built-in wording if the domain lacks it."""
        tracker = await self.tracker(sender_id)
        language = _primary(tracker.get_slot("language") if tracker else None)
        if tracker is not None:
            processor = getattr(self.agent, "processor", None)
            nlg = processor.nlg if processor is not None else self.agent.nlg
            try:
                message = await nlg.generate(utter, tracker, channel, **values)
            except Exception:
                logger.exception("rendering %s failed conversation_id=%s", utter, sender_id)
                message = None
            if message and message.get("text"):
                return str(message["text"]), language
        table = FALLBACK_TEXTS.get(utter, {})
        template = table.get(language) or table.get("en") or ""
        return template.format(**values), language

    async def append(self, sender_id: str, events: Sequence[Event]) -> None:
        """Append `events` to the conversation's tracker, under its lock, and save it."""
        async with self.agent.lock_store.lock(sender_id):
            store = self.agent.tracker_store
            tracker = await store.get_or_create_tracker(sender_id, append_action_listen=False)
            for event in events:
                tracker.update(event, self.agent.domain)
            await store.save(tracker)

    async def human_said(self, sender_id: str, text: str, name: str, slack_user: str) -> None:
        await self.append(
            sender_id,
            [BotUttered(text, metadata={"human": {"name": name, "slack_user": slack_user}})],
        )

    async def pause_for_handoff(self, sender_id: str, reason: str) -> None:
        """What `action_handoff` leaves, for a handoff the Rasa server starts itself (a reply
        the platform refused outside its messaging window)."""
        await self.append(
            sender_id,
            [
                SlotSet("handoff_reason", reason),
                SlotSet("handoff_active", True),
                ConversationPaused(),
            ],
        )

    async def hand_back(self, sender_id: str, text: str) -> None:
        events: list[Event] = [BotUttered(text, {"custom": {"kind": "handoff"}})] if text else []
        # action_listen last: the visitor's next message must follow a listen, as in any
        # unpaused turn, or the policies predict from the paused turn's action (the handoff)
        await self.append(
            sender_id,
            [
                *events,
                ConversationResumed(),
                SlotSet("handoff_active", False),
                ActionExecuted("action_listen"),
            ],
        )

    async def close(self, sender_id: str, text: str) -> None:
        events: list[Event] = [BotUttered(text, {"custom": {"kind": "handoff"}})] if text else []
        await self.append(
            sender_id,
            [
                *events,
                ConversationResumed(),
                SlotSet("handoff_active", False),
                ActionExecuted("action_session_start"),
                SessionStarted(),
                ActionExecuted("action_listen"),
            ],
        )


def transcript(tracker: DialogueStateTracker, turns: int) -> list[tuple[str, str]]:
    """("visitor" | "bot", text) of the last `turns` messages of the current session."""
    lines: list[tuple[str, str]] = []
    for event in tracker.events:
        if isinstance(event, SessionStarted):
            lines = []
        elif event.type_name == "user" and getattr(event, "text", None):
            text = str(event.text)  # type: ignore[attr-defined]
            if not text.startswith("/"):
                lines.append(("visitor", text))
        elif isinstance(event, BotUttered) and event.text:
            lines.append(("bot", str(event.text)))
    return lines[-turns:]


def visitor_name(metadata: Mapping[str, Any], input_channel: str) -> str:
    for key in ("name", "display_name", "from_name"):
        value = metadata.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:80]
    return f"Visitor ({input_channel or 'unknown channel'})"
