"""The Slack Web API client and what we cache about Slack.

`make_client` builds slack-sdk's `AsyncWebClient` with the configured base URL (`SLACK_API_URL`,
a local server in tests), a timeout and retries for rate limits (Slack's `Retry-After`), server
errors and dropped connections. Retries belong off the request path: the Events endpoint
acknowledges first and calls Slack from background tasks and the outbox worker.

`SlackDirectory` caches `auth.test` (heavily rate-limited; it names our own bot user, whose
messages must never be relayed back) and `users.info` (agent names and avatars).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from connectors.slack_handoff.config import SlackSettings

logger = logging.getLogger(__name__)


def make_client(settings: SlackSettings, *, retries: int = 2) -> AsyncWebClient:
    return AsyncWebClient(
        token=settings.bot_token,
        base_url=settings.api_url,
        timeout=max(1, int(settings.timeout_s)),
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=1),
            AsyncRateLimitErrorRetryHandler(max_retry_count=retries),
            AsyncServerErrorRetryHandler(max_retry_count=retries),
        ],
    )


@dataclass(frozen=True)
class Identity:
    """Who our bot is in the workspace (from auth.test) and the scopes its token carries."""

    user_id: str
    bot_id: str | None
    team: str | None
    scopes: frozenset[str]


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    avatar_url: str | None


class SlackDirectory:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._identity: Identity | None = None
        self._people: dict[str, Person] = {}
        self._lock = asyncio.Lock()

    async def identity(self) -> Identity:
        """auth.test, once per process (raises SlackApiError or a connection error)."""
        async with self._lock:
            if self._identity is None:
                resp = await self.client.auth_test()
                header = resp.headers.get("x-oauth-scopes") or resp.headers.get("X-OAuth-Scopes")
                scopes = frozenset(s.strip() for s in (header or "").split(",") if s.strip())
                self._identity = Identity(
                    user_id=str(resp["user_id"]),
                    bot_id=resp.get("bot_id"),
                    team=resp.get("team"),
                    scopes=scopes,
                )
        return self._identity

    def known_identity(self) -> Identity | None:
        return self._identity

    async def person(self, user_id: str) -> Person:
        """Display name and avatar of a Slack user; the id itself if users.info fails."""
        if user_id in self._people:
            return self._people[user_id]
        try:
            resp = await self.client.users_info(user=user_id)
            user = resp.get("user") or {}
            profile = user.get("profile") or {}
            name = (
                profile.get("display_name")
                or profile.get("real_name")
                or user.get("real_name")
                or user.get("name")
                or user_id
            )
            avatar = profile.get("image_192") or profile.get("image_72")
            person = Person(user_id, str(name), str(avatar) if avatar else None)
        except (SlackApiError, OSError, asyncio.TimeoutError) as exc:
            logger.warning("slack users.info failed for %s: %s", user_id, exc)
            return Person(user_id, user_id, None)
        self._people[user_id] = person
        return person
