"""What a connector does with a reply the platform no longer allows (WhatsApp's and
Messenger's 24 h customer-service windows): it is not sent, it is logged with the conversation
id, and it is handed to whoever registered a handler (none is registered by default), so a
person could follow up with an approved template or on another channel. A push from a person
(`deliver_to_visitor`) additionally gets the window error back in its `DeliveryResult`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

logger = logging.getLogger(__name__)

# (conversation_id, undelivered text) -> awaited for every reply outside the window
WindowClosedHandler = Callable[[str, str], Awaitable[None]]


async def window_closed(
    channel: str, conversation_id: str, text: str, handlers: Sequence[WindowClosedHandler]
) -> None:
    logger.warning(
        "%s reply not sent: outside the platform's messaging window; %s conversation_id=%s",
        channel,
        "handing off" if handlers else "no handoff handler registered, dropped",
        conversation_id,
    )
    for handler in handlers:
        try:
            await handler(conversation_id, text)
        except Exception:
            logger.exception(
                "window-closed handoff failed channel=%s conversation_id=%s",
                channel,
                conversation_id,
            )
