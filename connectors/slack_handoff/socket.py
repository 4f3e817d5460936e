"""Socket Mode: Slack events over a websocket, for installs without a public URL.

Used when `SLACK_APP_TOKEN` (xapp-...) is set; started and stopped with the Rasa server.
slack-sdk's aiohttp `SocketModeClient` opens the socket (`apps.connections.open`) and reconnects
on its own; every request is acknowledged first (`SocketModeResponse`), then handled by the same
functions as the HTTP endpoints.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

logger = logging.getLogger(__name__)
Dispatch = Callable[[str, Mapping[str, Any]], Awaitable[None]]  # (kind, payload)


class SocketTransport:
    def __init__(
        self, app_token: str, web_client: AsyncWebClient, dispatch: Dispatch, ping_s: float = 5
    ) -> None:
        self.client = SocketModeClient(
            app_token=app_token, web_client=web_client, ping_interval=ping_s
        )
        self.dispatch = dispatch
        self.client.socket_mode_request_listeners.append(self._on_request)

    async def _on_request(self, client: AsyncBaseSocketModeClient, req: SocketModeRequest) -> None:
        await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
        if req.type == "events_api":
            await self.dispatch("events", req.payload)
        elif req.type == "interactive":
            await self.dispatch("interactive", req.payload)

    async def start(self) -> None:
        await self.client.connect()
        logger.info("slack handoff: Socket Mode connected")

    async def stop(self) -> None:
        await self.client.close()
