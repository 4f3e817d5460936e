"""Lock store and event broker classes named in `endpoints.yml`, choosing their engine at start-up.

Rasa builds a custom lock store as `Class(endpoint_config=...)` and a custom broker with
`await Class.from_endpoint_config(config)` (rasa/core/lock_store.py, brokers/broker.py), so
these two read `CUSTOMER_AGENT_LOCK_STORE` / `CUSTOMER_AGENT_EVENT_BROKER` there and hand back
Rasa's own in-memory lock, our atomic Redis lock, Rasa's pika broker or no broker at all.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.core.lock_store import InMemoryLockStore, LockStore
from rasa.utils.endpoints import EndpointConfig

from connectors.settings import SettingsError
from connectors.stores import settings
from connectors.stores.lock import AtomicRedisLockStore

logger = logging.getLogger(__name__)


class EnvLockStore(LockStore):
    """`lock_store: {type: connectors.stores.backends.EnvLockStore}`.

    `__new__` returns the chosen store, so Rasa holds a plain `InMemoryLockStore` or an
    `AtomicRedisLockStore`. Rasa allows `SANIC_WORKERS` > 1 for any custom lock store type;
    with the in-memory lock each worker would lock only itself, so that is refused here.
    """

    def __new__(cls, endpoint_config: EndpointConfig | None = None) -> LockStore:  # type: ignore[misc]
        if settings.lock_backend() == "memory":
            if settings.sanic_workers() > 1:
                raise SettingsError(
                    [
                        "SANIC_WORKERS > 1 needs CUSTOMER_AGENT_LOCK_STORE=redis: an in-memory "
                        "lock does not serialise a conversation across worker processes"
                    ]
                )
            return InMemoryLockStore()
        redis = settings.redis_settings()
        kwargs: dict[str, Any] = dict(endpoint_config.kwargs) if endpoint_config else {}
        return AtomicRedisLockStore(
            host=redis.host,
            port=redis.port,
            db=redis.db,
            password=redis.password,
            key_prefix=kwargs.get("key_prefix"),
        )


class EnvEventBroker(EventBroker):
    """`event_broker: {type: connectors.stores.backends.EnvEventBroker}`: None or Rasa's pika.

    Rasa's `PikaEventBroker` publishes to the fanout exchange `rasa-exchange` and a durable
    queue `RABBITMQ_QUEUE`; a publish that fails waits in process memory and is lost if the
    server dies, so the analytics consumer de-duplicates and tolerates gaps.
    """

    @classmethod
    async def from_endpoint_config(
        cls,
        broker_config: EndpointConfig,
        event_loop: asyncio.AbstractEventLoop | None = None,
    ) -> EventBroker | None:
        if settings.broker_backend() == "none":
            return None
        from rasa.core.brokers.pika import PikaEventBroker

        rabbit = settings.rabbit_settings()
        extra = dict(broker_config.kwargs) if broker_config else {}
        config = EndpointConfig(
            url=rabbit.host,
            port=rabbit.port,
            username=rabbit.user,
            password=rabbit.password,
            queues=[rabbit.queue],
            **{
                k: v
                for k, v in extra.items()
                if k not in {"port", "username", "password", "queues"}
            },
        )
        return await PikaEventBroker.from_endpoint_config(config, event_loop)
