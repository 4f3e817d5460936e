"""A stand-in for Rasa's `agent.handle_message` in the email channel tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SOURCE = {"title": "Returns policy", "url": "https://help.example.test/returns"}


@dataclass
class FakeAgent:
    """Stands in for Rasa's `agent.handle_message`: answers through the output channel exactly
    like the lead's actions do (text, then the custom payload with sources and language)."""

    calls: list[tuple[str, str, Any]] = field(default_factory=list)
    language: str = "en"
    buttons: list[dict[str, str]] = field(default_factory=list)

    async def __call__(self, message: Any) -> None:
        self.calls.append((message.sender_id, message.text, message.metadata))
        out = message.output_channel
        if self.buttons:
            await out.send_text_with_buttons(
                message.sender_id, "Which one do you mean?", self.buttons
            )
        else:
            await out.send_text_message(message.sender_id, f"Answer to: {message.text}")
        await out.send_custom_json(
            message.sender_id,
            {
                "kind": "clarify" if self.buttons else "answer",
                "sources": [] if self.buttons else [SOURCE],
                "language": self.language,
                "options": [],
            },
        )
