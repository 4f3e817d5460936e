"""A real Rasa Sanic app with the web chat channel whose visitor is reached through
`deliver_to_visitor`, the API the Slack handoff uses (connectors/common/delivery.py).

Run with the bot env (`.venv-bot/bin/python tests/browser/handoff_server.py PORT`). A scripted
agent stands in for the model; typing "human" starts a handoff, then the test's own commands
("step:join", "step:say", "step:leave") make a person join, write and leave, each pushed
exactly as the Slack relay pushes it. Everything between the browser and the push (Rasa's app
factory, the connector, the persistent outbox, the poll) is the real code.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from rasa.core.channels.channel import UserMessage  # noqa: E402
from rasa.core.run import configure_app  # noqa: E402
from rasa.shared.core.events import BotUttered  # noqa: E402

from connectors.common.delivery import (  # noqa: E402
    AgentIdentity,
    OutboundMessage,
    deliver_to_visitor,
)
from connectors.webchat import WebChatInput  # noqa: E402

AVATAR = "/webhooks/webchat/static/avatar.svg?person=sam"  # any http(s) or same-origin URL
SAM = AgentIdentity("Sam Jansen", AVATAR)
STEPS = {
    "step:join": OutboundMessage("Sam Jansen joined the conversation", SAM, "agent_joined"),
    "step:say": OutboundMessage("Hi, I am looking at your order now.", SAM),
    "step:leave": OutboundMessage("You are back with the assistant.", SAM, "agent_left"),
}


class ScriptedAgent:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def handle_message(self, message: UserMessage) -> None:
        text = message.text or ""
        if text in STEPS:
            result = await deliver_to_visitor(self.app, message.sender_id, "webchat", STEPS[text])
            reply = f"pushed: {result.ok}"
            custom = {"kind": "handoff", "language": "en", "sources": [], "options": []}
        elif "human" in text:
            reply = "I'm passing you to a colleague."
            custom = {"kind": "handoff", "language": "en", "sources": [], "options": []}
        else:
            reply = f"You said: {text}"
            custom = {"kind": "answer", "language": "en", "sources": [], "options": []}
        event = BotUttered(reply, {"custom": custom})
        await message.output_channel.send_response(message.sender_id, event.message())


def main() -> None:
    port = int(sys.argv[1])
    channel = WebChatInput.from_credentials({"poll_interval_s": 0.5})
    app = configure_app(input_channels=[channel], enable_api=False, use_uvloop=False)
    app.ctx.agent = ScriptedAgent(app)
    app.run(host="127.0.0.1", port=port, access_log=False, debug=False)


if __name__ == "__main__":
    main()
