"""Button clicks on a handoff's root message (`block_actions`, already verified).

Each button carries the handoff id as its `value` (see `blocks.py`), so a click needs no lookup
by message; the outcome is the same as the thread commands (`events.run_command`): the claim is
atomic and a losing click gets an ephemeral "already claimed by ...".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.slack_handoff.blocks import CLAIM, HANDBACK, RESOLVE
from connectors.slack_handoff.events import run_command
from connectors.slack_handoff.service import HandoffService

BUTTON_COMMANDS = {CLAIM: "claim", RESOLVE: "resolve", HANDBACK: "handback"}


async def handle_interaction(service: HandoffService, payload: Mapping[str, Any]) -> None:
    if payload.get("type") != "block_actions":
        return
    user = (payload.get("user") or {}).get("id")
    channel = (payload.get("channel") or {}).get("id") or (payload.get("container") or {}).get(
        "channel_id"
    )
    message_ts = (payload.get("container") or {}).get("message_ts")
    if not isinstance(user, str) or not isinstance(channel, str):
        return
    for action in payload.get("actions") or []:
        command = BUTTON_COMMANDS.get(str(action.get("action_id")))
        handoff_id = action.get("value")
        if command and isinstance(handoff_id, str):
            await run_command(service, command, handoff_id, user, channel, message_ts)
