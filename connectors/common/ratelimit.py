"""A sliding-window request limit per key (conversation id, client IP), bounded in memory.

In-process on purpose: one Rasa process serves the widget in the default deployment; behind
several workers each gets its own budget, which still stops a runaway client.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque


class RateLimiter:
    """At most `limit` hits per `window_s` per key; at most `max_keys` keys remembered."""

    def __init__(self, limit: int, window_s: float = 60.0, max_keys: int = 10_000) -> None:
        self.limit = limit
        self.window_s = window_s
        self.max_keys = max_keys
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def allow(self, key: str, now: float | None = None) -> bool:
        if self.limit <= 0:
            return True
        now = time.monotonic() if now is None else now
        hits = self._hits.pop(key, None) or deque()
        while hits and now - hits[0] >= self.window_s:
            hits.popleft()
        allowed = len(hits) < self.limit
        if allowed:
            hits.append(now)
        self._hits[key] = hits
        while len(self._hits) > self.max_keys:
            self._hits.popitem(last=False)
        return allowed
