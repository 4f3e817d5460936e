"""The after-turn hook (registered with `connectors.common.turn.register_after_turn`): after every
visitor turn on any channel, open a handoff or relay the message into its Slack thread.

- The conversation has an open handoff: the visitor's (already masked) text goes to the thread,
  except a vote on an answer (`/feedback{...}`, docs/architecture.md "Feedback"): no words for
  a person.
- Otherwise, when this turn may have started one (a reply of kind "handoff", or silence, which
  is what a paused conversation looks like), the tracker is read: `handoff_active` without an
  open handoff opens one (routing, business hours, outbox; see `service.py`).
"""

from __future__ import annotations

import logging

from connectors.common.feedback import is_shortcut
from connectors.common.turn import Turn
from connectors.slack_handoff.service import HandoffService

logger = logging.getLogger(__name__)


def may_have_handed_off(turn: Turn) -> bool:
    if not turn.replies:
        return True
    return any((r.get("custom") or {}).get("kind") == "handoff" for r in turn.replies)


class AfterTurnHook:
    def __init__(self, service: HandoffService) -> None:
        self.service = service

    async def __call__(self, turn: Turn) -> None:
        if turn.agent is None:
            return
        store = self.service.store
        handoff = await store.run(store.open_for_sync, turn.sender_id)
        if handoff is not None:
            if not is_shortcut(turn.text):
                await self.service.relay_visitor(handoff, turn.text)
            return
        if not may_have_handed_off(turn):
            return
        tracker = await self.service.conversation.tracker(turn.sender_id)
        if tracker is None or not tracker.get_slot("handoff_active"):
            return
        await self.service.open(turn.sender_id, turn.input_channel, turn.metadata)
