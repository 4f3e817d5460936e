"""A real Rasa Sanic app serving the web chat channel, with a scripted agent instead of a model.

Run with the bot env (`.venv-bot/bin/python tests/browser/scripted_server.py PORT`). The widget
tests use it for what a trained model cannot be steered into on demand: a human taking over,
hostile markup in bot text, exact buttons. Everything between the browser and the agent
(Rasa's app factory and CORS layer, the connector, its output channels) is the real code.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from rasa.core.channels.channel import UserMessage  # noqa: E402
from rasa.core.run import configure_app  # noqa: E402
from rasa.shared.core.events import BotUttered  # noqa: E402

from connectors.webchat import WebChatInput, ui_language  # noqa: E402

GREETING = {
    "en": "Hi! I'm Ava from Fennoway. How can I help?",
    "nl": "Hallo! Ik ben Ava van Fennoway. Waarmee kan ik je helpen?",
}
RETURNS = {
    "text": "You can return your e-bike within 30 days.",
    "custom": {
        "kind": "answer",
        "language": "en",
        "options": [],
        "sources": [
            {"title": "Returns policy", "url": "https://help.fennoway.example/returns"},
            {"title": "bad link", "url": "javascript:alert(2)"},
        ],
        # the shape of knowledge.types.Answer.to_dict(with_hits=True)
        "why": {
            "kind": "answer",
            "confidence": 0.82,
            "reason": "grounded",
            "hits": [
                {
                    "title": "Returns policy",
                    "score": 0.82,
                    "language": "en",
                    "url": "https://help.fennoway.example/returns",
                    "text": "Return within 30 days.",
                }
            ],
        },
    },
}


# an answer as the extractive composer quotes the sample shipping page (table, bold, list, link),
# with markup in a cell that must stay text
SHIPPING = {
    "text": (
        "Here is what I found on shipping costs:\n\n"
        "| Country | Delivery cost | Delivery time |\n|---|---|---|\n"
        "| Netherlands | free | 3–5 working days |\n| Belgium | €49 | 5–8 working days |\n"
        "| Germany | **€79** | 6–10 working days <img src=x onerror=alert(3)> |\n\n"
        "- Accessory orders placed **before 15:00** leave the same day.\n"
        "- Batteries are never sent by post (see [Renting a spare battery]"
        "(https://help.fennoway.example/en/battery-rental)).\n\n"
        "3. Check the tracking link under **My account > My orders**.\n"
        "4. Contact us if it is late."
    ),
    "custom": {
        "kind": "answer",
        "language": "en",
        "options": [],
        "sources": [
            {
                "title": "Shipping costs and delivery times",
                "url": "https://help.fennoway.example/en/shipping-costs-and-times",
            },
            {"title": "Delivery handbook", "url": ""},  # a file added without a URL
        ],
    },
}


class ScriptedAgent:
    def __init__(self, channel: WebChatInput) -> None:
        self.channel = channel
        self.language = "en"

    async def handle_message(self, message: UserMessage) -> None:
        text = message.text or ""
        meta = message.metadata or {}
        replies: list[dict[str, Any]] = []
        if text == "/greet":
            self.language = ui_language(meta.get("languages"))
            replies.append(
                {
                    "text": GREETING.get(self.language, GREETING["en"]),
                    "custom": {"kind": "greet", "language": self.language},
                }
            )
        elif "shipping" in text.lower():
            replies.append(SHIPPING)
        elif "return" in text.lower():
            replies.append(RETURNS)
        elif "bike" in text.lower():
            replies.append(
                {
                    "text": "Which one do you mean?",
                    "buttons": [
                        {"title": "Battery", "payload": '/choose{"topic":"battery"}'},
                        {"title": "Returns", "payload": "returns"},
                    ],
                    "custom": {
                        "kind": "clarify",
                        "language": "en",
                        "sources": [],
                        "options": ["Battery", "Returns"],
                    },
                }
            )
        elif text.startswith("/choose"):
            replies.append(
                {
                    "text": "The battery lasts about 80 km.",
                    "custom": {"kind": "answer", "language": "en", "sources": [], "options": []},
                }
            )
        elif "human" in text.lower():
            replies.append(
                {
                    "text": "I'm passing you to a colleague.",
                    "custom": {"kind": "handoff", "language": "en", "sources": [], "options": []},
                }
            )
            asyncio.get_running_loop().call_later(
                0.3, lambda: asyncio.ensure_future(self._human_joins(message.sender_id))
            )
        else:
            replies.append(
                {
                    "text": f"You said: {text}",
                    "custom": {"kind": "answer", "language": "en", "sources": [], "options": []},
                }
            )
        for reply in replies:
            event = BotUttered(reply["text"], {k: v for k, v in reply.items() if k != "text"})
            await message.output_channel.send_response(message.sender_id, event.message())

    async def _human_joins(self, sender_id: str) -> None:
        out = self.channel.get_output_channel()
        assert out is not None
        event = BotUttered(
            "Hi, Sam here <b>from support</b>.",
            {"custom": {"kind": "human", "agent": {"name": "Sam"}}},
        )
        await out.send_response(sender_id, event.message())


def main() -> None:
    port = int(sys.argv[1])
    creds: dict[str, Any] = {"poll_interval_s": 0.5}
    if len(sys.argv) > 2:
        creds["profile"] = sys.argv[2]
    channel = WebChatInput.from_credentials(creds)
    assert isinstance(channel, WebChatInput)
    app = configure_app(input_channels=[channel], enable_api=False, use_uvloop=False)
    app.ctx.agent = ScriptedAgent(channel)
    app.run(host="127.0.0.1", port=port, access_log=False, debug=False)


if __name__ == "__main__":
    main()
