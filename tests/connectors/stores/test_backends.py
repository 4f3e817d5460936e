"""endpoints.yml through Rasa's own loaders: each backend is chosen by the environment, embedded
defaults need no service, production ones talk to the real local PostgreSQL, Redis, RabbitMQ."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.core.brokers.pika import PikaEventBroker
from rasa.core.lock_store import InMemoryLockStore, LockStore
from rasa.core.tracker_store import create_tracker_store
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from connectors.settings import SettingsError
from connectors.stores.lock import AtomicRedisLockStore
from connectors.stores.tracker import EVENTS_INDEX, index_exists
from tests.connectors.stores.conftest import REDIS_DB

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def endpoints(monkeypatch) -> AvailableEndpoints:
    monkeypatch.setenv("CUSTOMER_AGENT_ACTION_URL", "http://127.0.0.1:1/webhook")
    return AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.yml"))


def tracker_store(endpoints: AvailableEndpoints):
    store = create_tracker_store(endpoints.tracker_store, Domain.empty())
    return store


async def roundtrip(store, sender: str) -> list[str]:
    tracker = DialogueStateTracker(sender, [])
    tracker.update(UserUttered("hello"))
    tracker.update(UserUttered("again"))
    await store.save(tracker)
    back = await store.retrieve(sender)
    return [e.text for e in back.events if isinstance(e, UserUttered)]


async def test_defaults_are_embedded_sqlite_memory_lock_no_broker(endpoints, monkeypatch, tmp_path):
    monkeypatch.setenv("CUSTOMER_AGENT_DATA", str(tmp_path))
    store = tracker_store(endpoints)
    assert store.engine.dialect.name == "sqlite"
    assert Path(store.engine.url.database) == tmp_path / "tracker.db"
    assert index_exists(store.engine)
    assert await roundtrip(store, "s1") == ["hello", "again"]
    assert isinstance(LockStore.create(endpoints.lock_store), InMemoryLockStore)
    assert await EventBroker.create(endpoints.event_broker) is None


async def test_postgresql_tracker_store(endpoints, monkeypatch, pg_database):
    monkeypatch.setenv("CUSTOMER_AGENT_TRACKER_STORE", "postgresql")
    monkeypatch.setenv("POSTGRES_HOST", "127.0.0.1")
    monkeypatch.setenv("POSTGRES_PORT", "5432")
    monkeypatch.setenv("POSTGRES_DB", pg_database)
    monkeypatch.setenv("POSTGRES_USER", "postgres")
    monkeypatch.setenv("SQL_POOL_SIZE", "3")
    monkeypatch.setenv("SQL_MAX_OVERFLOW", "2")
    store = tracker_store(endpoints)
    assert str(store.engine.url.drivername) == "postgresql"  # exactly: Rasa's pool settings apply
    assert store.engine.pool.size() == 3 and store.engine.pool._max_overflow == 2
    assert index_exists(store.engine)
    columns = {
        ix["name"]: ix["column_names"]
        for ix in __import__("sqlalchemy").inspect(store.engine).get_indexes("events")
    }
    assert columns[EVENTS_INDEX] == ["sender_id", "timestamp"]
    assert await roundtrip(store, "pg-1") == ["hello", "again"]
    tracker_store(endpoints)  # a second server starting on the same database is fine
    store.engine.dispose()


async def test_redis_lock_store(endpoints, monkeypatch):
    monkeypatch.setenv("CUSTOMER_AGENT_LOCK_STORE", "redis")
    monkeypatch.setenv("REDIS_HOST", "127.0.0.1")
    monkeypatch.setenv("REDIS_DB", str(REDIS_DB))
    monkeypatch.setenv("SANIC_WORKERS", "2")  # fine with a shared lock
    store = LockStore.create(endpoints.lock_store)
    assert isinstance(store, AtomicRedisLockStore)
    conversation = uuid.uuid4().hex
    async with store.lock(conversation):
        assert store.get_lock(conversation) is not None
    assert store.get_lock(conversation) is None


def test_memory_lock_with_several_workers_is_refused(endpoints, monkeypatch):
    monkeypatch.setenv("SANIC_WORKERS", "3")
    with pytest.raises(SettingsError, match="SANIC_WORKERS"):
        LockStore.create(endpoints.lock_store)


async def test_unknown_backend_stops_start_up(endpoints, monkeypatch, tmp_path):
    monkeypatch.setenv("CUSTOMER_AGENT_DATA", str(tmp_path))
    monkeypatch.setenv("CUSTOMER_AGENT_TRACKER_STORE", "postgres")
    with pytest.raises(SettingsError, match="CUSTOMER_AGENT_TRACKER_STORE='postgres'"):
        tracker_store(endpoints)
    monkeypatch.setenv("CUSTOMER_AGENT_LOCK_STORE", "redis-cluster")
    with pytest.raises(SettingsError, match="CUSTOMER_AGENT_LOCK_STORE"):
        LockStore.create(endpoints.lock_store)
    monkeypatch.setenv("CUSTOMER_AGENT_EVENT_BROKER", "kafka")
    with pytest.raises(SettingsError, match="CUSTOMER_AGENT_EVENT_BROKER"):
        await EventBroker.create(endpoints.event_broker)
    assert not (tmp_path / "tracker.db").exists()


async def test_rabbitmq_needs_credentials(endpoints, monkeypatch):
    monkeypatch.setenv("CUSTOMER_AGENT_EVENT_BROKER", "rabbitmq")
    monkeypatch.setenv("RABBITMQ_PASSWORD", "changeme")
    with pytest.raises(SettingsError) as error:
        await EventBroker.create(endpoints.event_broker)
    assert error.value.problems == (
        "RABBITMQ_USER: required",
        "RABBITMQ_PASSWORD: placeholder value refused",
    )


async def test_rabbitmq_broker_publishes_to_the_named_queue(endpoints, monkeypatch):
    import aio_pika

    queue = "test_events_" + uuid.uuid4().hex[:8]
    for name, value in {
        "CUSTOMER_AGENT_EVENT_BROKER": "rabbitmq",
        "RABBITMQ_HOST": "127.0.0.1",
        "RABBITMQ_PORT": "5672",
        "RABBITMQ_USER": "guest",
        "RABBITMQ_PASSWORD": "guest",
        "RABBITMQ_QUEUE": queue,
    }.items():
        monkeypatch.setenv(name, value)
    broker = await EventBroker.create(endpoints.event_broker)
    assert isinstance(broker, PikaEventBroker) and broker.queues == [queue]
    broker.publish({"sender_id": "s", "event": "user", "text": "hi", "timestamp": 1.0})
    connection = await aio_pika.connect_robust("amqp://guest:guest@127.0.0.1:5672/")
    try:
        channel = await connection.channel()
        q = await channel.declare_queue(queue, durable=True)
        message = None
        for _ in range(50):
            message = await q.get(no_ack=True, fail=False)
            if message:
                break
            await asyncio.sleep(0.1)
        assert message is not None
        assert json.loads(message.body)["text"] == "hi"
        await q.delete(if_unused=False, if_empty=False)
    finally:
        await broker.close()
        await connection.close()
