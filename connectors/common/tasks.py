"""Running message handling after the webhook has answered.

Why: Twilio gives a webhook 15 s and Meta 20 s before they count it as failed and retry; an
answer that needs retrieval can take longer. Webhooks therefore acknowledge at once and hand
the message to Rasa in a background task. Failures are logged with the conversation id and
never reach the sender; references are kept so tasks are not garbage-collected mid-flight.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

logger = logging.getLogger(__name__)


class BackgroundTasks:
    def __init__(self, channel: str) -> None:
        self.channel = channel
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any], *, conversation_id: str, what: str) -> None:
        task = asyncio.create_task(self._guard(coro, conversation_id, what))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guard(self, coro: Coroutine[Any, Any, Any], conversation_id: str, what: str) -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception(
                "%s failed channel=%s conversation_id=%s", what, self.channel, conversation_id
            )

    async def drain(self) -> None:
        """Wait until every spawned task has finished (graceful shutdown, tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
