"""A stand-in for Rasa's Agent in the feedback connector tests: it utters what the trained bot
utters for each kind of turn (an answer with its `answer_id`, a clarification, small talk, the
thanks for `/feedback{...}`), the way Rasa's processor does (BotUttered through the output
channel), and keeps the UserMessages it got."""

from __future__ import annotations

from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import BotUttered


def custom(kind: str, language: str = "en", **extra: object) -> dict:
    return {"custom": {"kind": kind, "sources": [], "language": language, "options": [], **extra}}


class FeedbackAgent:
    def __init__(self) -> None:
        self.messages: list[UserMessage] = []
        self.answers = 0

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        text = message.text or ""
        language = "nl" if "bezorging" in text else "en"
        if text.startswith("/feedback{"):
            event = BotUttered("Thanks for your feedback!", data=custom("feedback"))
        elif text == "hi":
            event = BotUttered("Hello! How can I help?", data=custom("smalltalk"))
        elif text == "clarify":
            event = BotUttered("Your order or your subscription?", data=custom("clarify"))
        elif text == "person":
            event = BotUttered("A colleague takes over.", data=custom("handoff"))
        else:
            self.answers += 1
            event = BotUttered(
                f"Answer to: {text}",
                data=custom("answer", language, answer_id=f"ans{self.answers:013d}x"),
            )
        await message.output_channel.send_response(message.sender_id, event.message())
