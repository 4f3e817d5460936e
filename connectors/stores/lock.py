"""A Redis ticket lock that is safe across Rasa servers (Rasa OSS 3.6's `RedisLockStore` is not).

Rasa serialises the messages of one conversation with a ticket lock: take a ticket, wait until
it is served, process the message, give the ticket back. Its `RedisLockStore` does each step as
GET, change in Python, SET: two servers taking a ticket at the same moment both read the same
list and both get the same number, and a server giving back its ticket can delete a lock in
which another server has just queued. Two messages of one conversation then run in parallel and
Rasa's tracker store (which appends "the events it has not stored yet") loses or duplicates
events. Here every step is one Lua script, run atomically by Redis on Redis's clock:

- issue: drop expired tickets, number the new one from a counter that never restarts (`lockseq`:
  a ticket outliving its lifetime can never be confused with a newer one), append it;
- serving: is this ticket the first live one? (-1 when it expired: the caller stops waiting);
- release: drop this ticket (and expired ones); delete the key once nobody waits.

The lock value keeps Rasa's JSON shape (`TicketLock.dumps()`), so `get_lock()` and Rasa's
tooling read it unchanged. A ticket expires `TICKET_LOCK_LIFETIME` seconds (default 60) after
it was issued: keep that above the slowest action, or a message that outlives it lets the next
one of the same conversation in. One Redis (or a Sentinel primary): the scripts touch two keys,
which a Redis Cluster would need in one hash slot.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import (
    DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX,
    LOCK_LIFETIME,
    LockError,
    LockStore,
)

logger = logging.getLogger(__name__)

SEQUENCE_KEY = "lockseq"  # outside the "lock:" namespace, so no sender id can name it
POLL_INTERVAL_S = 0.02  # Rasa's 1 s would add up to a second to every queued message
SOCKET_TIMEOUT_S = 5.0

_PRELUDE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local conversation_id = ARGV[1]
local live = {}
local raw = redis.call('GET', KEYS[1])
if raw then
  local lock = cjson.decode(raw)
  for _, s in ipairs(lock.tickets or {}) do
    local ticket = cjson.decode(s)
    if ticket.expires >= now then table.insert(live, {s = s, t = ticket}) end
  end
end
local function store(tickets)
  if #tickets == 0 then redis.call('DEL', KEYS[1]); return end
  local strings, last = {}, now
  for i, item in ipairs(tickets) do
    strings[i] = item.s
    if item.t.expires > last then last = item.t.expires end
  end
  local value = cjson.encode({conversation_id = conversation_id, tickets = strings})
  redis.call('SET', KEYS[1], value, 'PX', math.ceil((last - now) * 1000) + 1000)
end
"""

ISSUE = (
    _PRELUDE
    + """
local number = redis.call('INCR', KEYS[2])
local ticket = {number = number, expires = now + tonumber(ARGV[2])}
table.insert(live, {s = cjson.encode(ticket), t = ticket})
store(live)
return number
"""
)

SERVING = (
    _PRELUDE
    + """
local wanted = tonumber(ARGV[2])
for i, item in ipairs(live) do
  if item.t.number == wanted then
    if i == 1 then return 1 end
    return 0
  end
end
return -1
"""
)

RELEASE = (
    _PRELUDE
    + """
local wanted = tonumber(ARGV[2])
local kept = {}
for _, item in ipairs(live) do
  if item.t.number ~= wanted then table.insert(kept, item) end
end
store(kept)
return #kept
"""
)


class AtomicRedisLockStore(LockStore):
    """Ticket lock in Redis whose issue, wait and release are atomic; see the module docstring.

    `lock()` (what Rasa's processor and HTTP API use) talks to Redis asynchronously; the
    synchronous `LockStore` methods stay for Rasa code and tools that call them.
    """

    def __init__(
        self,
        host: str = "localhost",
        port: int = 6379,
        db: int = 1,
        password: str | None = None,
        key_prefix: str | None = None,
        socket_timeout: float = SOCKET_TIMEOUT_S,
    ) -> None:
        import redis

        self._connection = {
            "host": host,
            "port": int(port),
            "db": int(db),
            "password": password,
            "socket_timeout": socket_timeout,
            "socket_connect_timeout": socket_timeout,
        }
        self.red = redis.StrictRedis(**self._connection)
        self._async: dict[int, Any] = {}  # one asyncio client per event loop (Sanic worker)
        prefix = f"{key_prefix}:" if key_prefix and key_prefix.isalnum() else ""
        self.key_prefix = prefix + DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX
        self.sequence_key = prefix + SEQUENCE_KEY
        super().__init__()

    def _key(self, conversation_id: str) -> str:
        return self.key_prefix + conversation_id

    def _aio(self) -> Any:
        import redis.asyncio

        loop_id = id(asyncio.get_running_loop())
        client = self._async.get(loop_id)
        if client is None:
            client = self._async[loop_id] = redis.asyncio.StrictRedis(**self._connection)
        return client

    def _keys(self, conversation_id: str) -> list[str]:
        return [self._key(conversation_id), self.sequence_key]

    # --- the atomic steps (sync API of LockStore) ---------------------------------------------

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return int(
                self.red.eval(
                    ISSUE, 2, *self._keys(conversation_id), conversation_id, lock_lifetime
                )
            )
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def serving(self, conversation_id: str, ticket: int) -> int:
        """1 = `ticket` is served now, 0 = others first, -1 = it expired."""
        return int(self.red.eval(SERVING, 2, *self._keys(conversation_id), conversation_id, ticket))

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        self.red.eval(RELEASE, 2, *self._keys(conversation_id), conversation_id, ticket_number)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self.cleanup(conversation_id, ticket_number)

    def update_lock(self, conversation_id: str) -> None:
        """Expired tickets are dropped by every script; nothing to write back."""

    # --- plain reads and writes, Rasa's value format --------------------------------------------

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        import json

        raw = self.red.get(self._key(conversation_id))
        return TicketLock.from_dict(json.loads(raw)) if raw else None

    def delete_lock(self, conversation_id: str) -> None:
        self._log_deletion(conversation_id, bool(self.red.delete(self._key(conversation_id))))

    def save_lock(self, lock: TicketLock) -> None:
        self.red.set(self._key(lock.conversation_id), lock.dumps())

    # --- what Rasa's processor calls --------------------------------------------------------------

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = POLL_INTERVAL_S,
    ) -> AsyncIterator[TicketLock]:
        """Hold the conversation's lock; LockError when the ticket expired while waiting."""
        client = self._aio()
        keys = self._keys(conversation_id)
        try:
            ticket = int(await client.eval(ISSUE, 2, *keys, conversation_id, lock_lifetime))
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
        try:
            wait = min(wait_time_in_seconds, POLL_INTERVAL_S)
            while True:
                state = int(await client.eval(SERVING, 2, *keys, conversation_id, ticket))
                if state == 1:
                    break
                if state == -1:
                    raise LockError(
                        f"Could not acquire lock for conversation_id '{conversation_id}'."
                    )
                await asyncio.sleep(wait)
            yield TicketLock(conversation_id)
        finally:
            try:
                await client.eval(RELEASE, 2, *keys, conversation_id, ticket)
            except Exception as error:  # the ticket still expires after its lifetime
                logger.warning("could not release lock of %s: %s", conversation_id, error)
