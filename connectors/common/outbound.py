"""POST to a platform API with a timeout and bounded retries (exponential backoff + jitter).

Why: Twilio, the Graph API and SMTP relays answer 429/5xx or drop connections now and then; one
retry policy for all connectors keeps "every outbound call has a timeout and bounded retries"
true in one place. Retried: 429, 5xx, connection errors and timeouts (honouring `Retry-After`,
capped). Not retried: other 4xx (a bad request stays bad). URLs are logged without their query
string, which may carry an access token.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """`attempts` tries in all; waits base, 2*base, 4*base... (capped, with jitter) between."""

    attempts: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    timeout_s: float = 10.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed try number `attempt` (1-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay_s)
        backoff = min(self.base_delay_s * (2 ** (attempt - 1)), self.max_delay_s)
        return backoff * random.uniform(0.75, 1.0)


@dataclass(frozen=True)
class OutboundResponse:
    status: int
    body: Any  # parsed JSON when the answer is JSON, else the text


class OutboundError(Exception):
    """The platform refused the request or stayed unreachable after all retries."""

    def __init__(self, message: str, *, status: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


def _safe_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


async def _read_body(resp: aiohttp.ClientResponse) -> Any:
    text = await resp.text()
    if "json" in resp.headers.get("Content-Type", ""):
        try:
            return await resp.json(content_type=None)
        except ValueError:
            return text
    return text


async def post_with_retries(
    url: str,
    *,
    json: Any = None,
    data: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    policy: RetryPolicy | None = None,
    what: str = "outbound request",
) -> OutboundResponse:
    """POST `json` (or form `data`) to `url`; returns the 2xx response or raises OutboundError."""
    policy = policy or RetryPolicy()
    timeout = aiohttp.ClientTimeout(total=policy.timeout_s)
    basic = aiohttp.BasicAuth(*auth) if auth else None
    last_error = "no attempt made"
    last_status: int | None = None
    last_body: Any = None
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for attempt in range(1, policy.attempts + 1):
            retry_after: float | None = None
            try:
                async with session.post(
                    url, json=json, data=data, params=params, headers=headers, auth=basic
                ) as resp:
                    body = await _read_body(resp)
                    if 200 <= resp.status < 300:
                        return OutboundResponse(resp.status, body)
                    last_status, last_body = resp.status, body
                    last_error = f"HTTP {resp.status}"
                    if resp.status != 429 and resp.status < 500:
                        raise OutboundError(
                            f"{what} refused: HTTP {resp.status}", status=resp.status, body=body
                        )
                    retry_after = _retry_after(resp.headers)
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                last_error = f"{type(exc).__name__}: {exc}"
                last_status, last_body = None, None
            if attempt < policy.attempts:
                wait = policy.delay(attempt, retry_after)
                logger.info(
                    "%s to %s failed (%s); retry %d/%d in %.2fs",
                    what,
                    _safe_url(url),
                    last_error,
                    attempt,
                    policy.attempts - 1,
                    wait,
                )
                await asyncio.sleep(wait)
    raise OutboundError(
        f"{what} to {_safe_url(url)} failed after {policy.attempts} attempts: {last_error}",
        status=last_status,
        body=last_body,
    )
