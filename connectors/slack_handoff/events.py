"""Slack `message` events (Events API or Socket Mode, already verified) -> handoff actions.

Rules, in order (see README "Handoff in Slack"):
- events with `bot_id`, from our own bot user, or with a subtype outside `ALLOWED_SUBTYPES`
  are dropped (no echo loops; edits and deletions are not relayed);
- each (channel, ts) is handled once, persistently: Slack retries after 3 s and sometimes
  sends one message under several event ids;
- a top-level message in a handoff channel gets an ephemeral "reply in the thread";
- in a handoff's thread: text starting with the note prefix stays in Slack; `claim`,
  `resolve`, `handback` are commands; anything else goes to the visitor (claiming an unclaimed
  handoff for its author); shared files get an ephemeral "only text is relayed";
  `handback` on a handoff from an unassigned channel is refused (blocks.can_hand_back).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from connectors.slack_handoff import blocks
from connectors.slack_handoff.service import HandoffService

logger = logging.getLogger(__name__)
ALLOWED_SUBTYPES = {None, "", "thread_broadcast", "file_share"}
COMMANDS = {"claim": "claim", "resolve": "resolved", "handback": "handed_back"}
COMMAND_ALIASES = {"hand back": "handback", "hand-back": "handback", "close": "resolve"}
REPLY_IN_THREAD = (
    "Replies reach a visitor only from the thread of their handoff message. "
    "Please reply in that thread."
)
ONLY_TEXT = "Only text is relayed to the visitor; the file stays in Slack."
CLOSED = "This handoff is closed; your reply was not sent to the visitor."


async def handle_event_callback(service: HandoffService, envelope: Mapping[str, Any]) -> None:
    """One `event_callback` envelope (the Events API body or a Socket Mode payload)."""
    event = envelope.get("event")
    if not isinstance(event, Mapping) or event.get("type") != "message":
        return
    if event.get("bot_id") or event.get("subtype") not in ALLOWED_SUBTYPES:
        return
    identity = await service.directory.identity()
    user = event.get("user")
    channel = event.get("channel")
    ts = event.get("ts")
    if not isinstance(user, str) or not isinstance(channel, str) or not isinstance(ts, str):
        return
    if user == identity.user_id:
        return
    if not await service.store.run(service.store.first_seen_sync, f"{channel}:{ts}"):
        logger.info("slack message %s:%s seen before; not relayed again", channel, ts)
        return
    thread_ts = event.get("thread_ts")
    if not isinstance(thread_ts, str) or thread_ts == ts:
        if channel in service.config.routed_channels():
            await service.ephemeral(channel, user, REPLY_IN_THREAD)
        return
    handoff = await service.store.run(service.store.by_thread_sync, channel, thread_ts)
    if handoff is None:
        return  # a thread that is not a handoff
    text = str(event.get("text") or "").strip()
    if event.get("files") or event.get("subtype") == "file_share":
        await service.ephemeral(channel, user, ONLY_TEXT, thread_ts)
    if not text or text.lower().startswith(service.config.note_prefix):
        return
    command = COMMAND_ALIASES.get(text.lower().rstrip("."), text.lower().rstrip("."))
    if command in COMMANDS:
        await run_command(service, command, handoff.id, user, channel, thread_ts)
        return
    if not handoff.is_open:
        await service.ephemeral(channel, user, CLOSED, thread_ts)
        return
    await service.agent_reply(handoff, user, text)


async def run_command(
    service: HandoffService,
    command: str,
    handoff_id: str,
    user: str,
    channel: str,
    thread_ts: str | None,
) -> None:
    """claim / resolve / handback from a thread command or a button (same outcome)."""
    handoff = await service.store.run(service.store.get_sync, handoff_id)
    if handoff is None:
        await service.ephemeral(channel, user, "This handoff no longer exists.", thread_ts)
        return
    if not handoff.is_open:
        await service.ephemeral(channel, user, "This handoff is already closed.", thread_ts)
        return
    if command == "claim":
        won, current = await service.claim(handoff, user)
        if not won:
            who = f"<@{current.assignee_id}>" if current.assignee_id else "someone else"
            text = (
                "You already have this handoff."
                if current.assignee_id == user
                else f"This handoff was already claimed by {who}."
            )
            await service.ephemeral(channel, user, text, thread_ts)
        return
    if command == "handback" and not blocks.can_hand_back(handoff):
        text = (
            "The assistant does not answer on this channel (not assigned in the agent profile):"
            " reply here, then Resolve."
        )
        await service.ephemeral(channel, user, text, thread_ts)
        return
    if not await service.finish(handoff, user, COMMANDS[command]):
        await service.ephemeral(channel, user, "This handoff is already closed.", thread_ts)
