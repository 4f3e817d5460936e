"""Posting queued handoff messages to Slack, exactly once, in order, paced per channel.

Why an outbox: Slack may be down or rate-limiting exactly when a visitor asks for a person. The
handoff and its posts are written to the store first (`connectors/handoff/store.py`); this
worker posts them when Slack answers: a row is leased, posted, and marked done only after Slack
accepted it (a failure is retried with a growing delay). The root message's `ts` becomes the
thread every later post goes into; rows of one handoff keep their order. `chat.postMessage`
allows about one message per second per channel, so posts to a channel are spaced
`min_interval_s` apart. Several Rasa processes may run a worker on the same store: leases keep
them from posting a row twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from connectors.handoff.store import Handoff, HandoffStore, OutboxItem
from connectors.slack_handoff.blocks import root_message

logger = logging.getLogger(__name__)
SLACK_DOWN = (SlackClientError, aiohttp.ClientError, OSError, asyncio.TimeoutError)


class OutboxWorker:
    def __init__(
        self,
        store: HandoffStore,
        client: AsyncWebClient,
        *,
        min_interval_s: float = 1.0,
        poll_s: float = 1.0,
        max_delay_s: float = 60.0,
    ) -> None:
        self.store = store
        self.client = client
        self.min_interval_s = min_interval_s
        self.poll_s = poll_s
        self.max_delay_s = max_delay_s
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._last_post: dict[str, float] = {}
        self.posted = 0  # rows Slack accepted (tests, benchmarks)

    def wake(self) -> None:
        """New rows were queued: post them now rather than at the next poll."""
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="slack-handoff-outbox")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.flush()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("slack handoff outbox round failed")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_s)
            self._wake.clear()

    async def flush(self) -> int:
        """One round over the due rows; returns how many were posted."""
        items = await self.store.run(self.store.due_sync)
        stalled: set[str] = set()  # handoffs whose earlier row failed this round
        posted = 0
        for item in items:
            if item.handoff_id in stalled:
                continue
            if await self.store.run(self.store.blocked_sync, item):
                stalled.add(item.handoff_id)
                continue
            if not await self.store.run(self.store.lease_sync, item.id, 60.0):
                stalled.add(item.handoff_id)
                continue
            if await self._post(item):
                posted += 1
            else:
                stalled.add(item.handoff_id)
        return posted

    async def _pace(self, channel: str) -> None:
        wait = self._last_post.get(channel, 0.0) + self.min_interval_s - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        self._last_post[channel] = time.monotonic()

    async def _post(self, item: OutboxItem) -> bool:
        handoff = await self.store.run(self.store.get_sync, item.handoff_id)
        if handoff is None:
            await self.store.run(self.store.done_sync, item.id, {"skipped": "no handoff"})
            return False
        try:
            await self._pace(handoff.slack_channel)
            result = await self._call(item, handoff)
        except SLACK_DOWN as exc:
            delay = min(self.max_delay_s, 2.0 ** min(item.attempts, 6))
            error = exc.response.get("error") if isinstance(exc, SlackApiError) else repr(exc)
            logger.warning(
                "slack post %s of handoff %s failed (%s); retry in %.0f s",
                item.kind,
                item.handoff_id,
                error,
                delay,
            )
            await self.store.run(self.store.retry_later_sync, item.id, str(error), delay)
            return False
        await self.store.run(self.store.done_sync, item.id, result)
        self.posted += 1
        return True

    async def _call(self, item: OutboxItem, h: Handoff) -> dict[str, Any]:
        if item.kind == "root":
            resp = await self.client.chat_postMessage(
                channel=h.slack_channel, unfurl_links=False, **root_message(h)
            )
            ts = str(resp["ts"])
            await self.store.run(self.store.set_thread_sync, h.id, ts)
            return {"ts": ts}
        if h.thread_ts is None:  # the root was never posted: cannot happen in order
            raise OSError("root message not posted yet")
        if item.kind == "thread":
            resp = await self.client.chat_postMessage(
                channel=h.slack_channel,
                thread_ts=h.thread_ts,
                text=str(item.payload.get("text") or ""),
                unfurl_links=False,
                unfurl_media=False,
            )
            return {"ts": str(resp["ts"])}
        if item.kind == "update":
            await self.client.chat_update(
                channel=h.slack_channel, ts=h.thread_ts, **root_message(h)
            )
            return {}
        logger.error("unknown outbox kind %s (row %s) dropped", item.kind, item.id)
        return {"skipped": item.kind}
