"""Request limits per key (conversation id, client IP) for the web chat: `allow(key)`.

`SharedRateLimiter` counts in the shared state database (connectors/common/state_db.py,
docs/architecture.md "State"), so several Rasa servers behind a load balancer give a visitor
one budget, not one each: `webchat_ratelimit.sqlite3` under `$CUSTOMER_AGENT_DATA/connectors/`
by default (the processes of one host), PostgreSQL with `CUSTOMER_AGENT_STATE_DB`.

Why a sliding-window *counter* and not the exact log of hits `RateLimiter` keeps in memory: one
row per key and window, and one atomic upsert per check. A hit in window `w` is allowed when
`hits(w) + 1 + hits(w - 1) * (share of w - 1 still inside the last window_s)` stays within the
limit; the upsert only counts allowed hits (a refused one changes nothing, as in memory), and
concurrent checks on any number of servers are counted as if one after the other. Older
windows are pruned about once a window. The estimate assumes the previous window's hits were
spread evenly: a burst at the end of one window is still felt at the start of the next, so
the window boundary never hands out a second budget.

Why the in-memory `RateLimiter` stays: it is the fallback. It sees every check of this process,
so when the database fails (logged once per outage) the visitor keeps the budget already used
here, is never refused with a 500, and the database is tried again after `retry_s`.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict, deque
from pathlib import Path

from connectors.common.state_db import Database, Execute, SQLiteDatabase, connector_database

logger = logging.getLogger(__name__)

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS rate_limit_windows ("
    " scope TEXT NOT NULL, window_index BIGINT NOT NULL, rate_key TEXT NOT NULL,"
    " hits INTEGER NOT NULL, PRIMARY KEY (scope, window_index, rate_key))",
)
_PREVIOUS = (
    "COALESCE((SELECT p.hits FROM rate_limit_windows p"
    " WHERE p.scope = ? AND p.window_index = ? AND p.rate_key = ?), 0)"
)
# The one statement per check: a row for the first allowed hit of a window, +1 for the next
# ones, nothing (no row returned) when the hit would exceed the limit.
CHECK = (
    "INSERT INTO rate_limit_windows (scope, window_index, rate_key, hits) SELECT ?, ?, ?, 1"
    f" WHERE ? * {_PREVIOUS} + 1 <= ?"
    " ON CONFLICT (scope, window_index, rate_key) DO UPDATE"
    " SET hits = rate_limit_windows.hits + 1"
    f" WHERE ? * {_PREVIOUS} + rate_limit_windows.hits + 1 <= ?"
    " RETURNING hits"
)
PRUNE = "DELETE FROM rate_limit_windows WHERE scope = ? AND window_index < ?"
# PostgreSQL, for the check's transaction: a count lost in a server crash costs nothing, so no
# wait for the WAL flush (about half a check's time, benchmarks/bench_state.py); and the check
# runs on the web chat's event loop, so a locked or slow database fails over to the memory
# count after CHECK_TIMEOUT_MS instead of the stores' 10 s statement timeout.
CHECK_TIMEOUT_MS = 1000
PG_CHECK_SETTINGS = (
    "SELECT set_config('synchronous_commit', 'off', true), set_config('statement_timeout', ?, true)"
)


class RateLimiter:
    """At most `limit` hits per `window_s` per key in this process; at most `max_keys` keys
    remembered. `now` is any clock the caller uses consistently (default: monotonic)."""

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


class SharedRateLimiter:
    """About `limit` hits per `window_s` per key across every server on the state database.

    `scope` separates limiters sharing the table (their keys and limits differ); `path` (a
    SQLite file) or `db` choose the storage, neither = the configured state database, opened on
    first use. `now` is epoch seconds: the servers' clocks define the windows. Blocking, and
    the web chat calls it on its event loop: a local upsert, or a four-round-trip transaction on
    a pooled PostgreSQL connection that waits for no WAL flush (benchmarks/bench_state.py);
    a database slower than CHECK_TIMEOUT_MS, or down, costs that once per `retry_s`.
    """

    def __init__(
        self,
        limit: int,
        window_s: float = 60.0,
        *,
        scope: str,
        path: Path | None = None,
        db: Database | None = None,
        retry_s: float = 30.0,
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.scope = scope
        self.retry_s = retry_s
        self.fallback = RateLimiter(limit, window_s)
        self._path = path
        self._db = db
        self._pruned_window: int | None = None
        self._down_until: float | None = None  # monotonic; None while the database answers

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = (
                SQLiteDatabase(self._path, SCHEMA)
                if self._path is not None
                else connector_database("webchat_ratelimit.sqlite3", SCHEMA)
            )
        return self._db

    def allow(self, key: str, now: float | None = None) -> bool:
        if self.limit <= 0:
            return True
        now = time.time() if now is None else now
        local = self.fallback.allow(key, now)
        if self._down_until is not None and time.monotonic() < self._down_until:
            return local
        try:
            allowed = self._check(key, now)
        except Exception:
            if self._down_until is None:
                logger.warning(
                    "rate limit %s: state database failed, counting in this process"
                    " (retried every %.0f s)",
                    self.scope,
                    self.retry_s,
                    exc_info=True,
                )
            self._down_until = time.monotonic() + self.retry_s
            return local
        if self._down_until is not None:
            logger.info("rate limit %s: state database answers again", self.scope)
            self._down_until = None
        return allowed

    def _check(self, key: str, now: float) -> bool:
        window = int(now // self.window_s)
        weight = 1.0 - (now / self.window_s - window)  # share of window - 1 still inside
        condition = (weight, self.scope, window - 1, key, self.limit)  # for each WHERE
        statements: list[tuple[str, tuple[object, ...]]] = [
            (CHECK, (self.scope, window, key, *condition, *condition))
        ]
        if self._pruned_window != window:  # once a window per process and scope
            statements.insert(0, (PRUNE, (self.scope, window - 1)))

        def run(execute: Execute) -> bool:
            rows: list[tuple[object, ...]] = []
            for sql, params in statements:
                _, rows = execute(sql, params)
            return bool(rows)

        if self.db.dialect == "postgresql":

            def check(execute: Execute) -> bool:
                execute(PG_CHECK_SETTINGS, (str(CHECK_TIMEOUT_MS),))
                return run(execute)

            allowed = self.db.transaction(check)
        else:
            allowed = run(self.db.execute)
        self._pruned_window = window
        return allowed

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
