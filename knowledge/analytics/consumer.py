"""Reads Rasa's events from RabbitMQ into PostgreSQL, at least once, stored exactly once.

Messages are acknowledged only after the batch holding them is committed (`store.py` drops
redeliveries), so a crash, a RabbitMQ restart or a PostgreSQL outage never loses an event the
broker had: the connection is dropped, unacknowledged messages go back to the queue, and the
consumer reconnects with a capped backoff. The queue and its binding to Rasa's fanout exchange
are declared with Rasa's own arguments (rasa/core/brokers/pika.py), so the consumer may start
before any Rasa server and still receive their first events.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from knowledge.analytics.settings import ConsumerSettings
from knowledge.analytics.store import AnalyticsStore, Event, NotAnEvent, parse_event

logger = logging.getLogger(__name__)

RASA_EXCHANGE = "rasa-exchange"
POLL_S = 0.5  # how long one wait for a message lasts before a partial batch is committed
MAX_BACKOFF_S = 5.0


@dataclass
class ConsumerStats:
    received: int = 0
    stored: int = 0  # new events written
    duplicates: int = 0  # redeliveries dropped by the identity index
    rejected: int = 0  # kept in analytics_rejected
    reconnects: int = 0


class EventConsumer:
    """`run()` consumes until stopped, or until `idle_exit_s` passes without a message."""

    def __init__(
        self,
        settings: ConsumerSettings,
        store: AnalyticsStore | None = None,
        *,
        idle_exit_s: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.store = store or AnalyticsStore(settings.database_url, settings.timeout_s)
        self.idle_exit_s = idle_exit_s
        self.stats = ConsumerStats()
        self._sleep = sleep

    def run(self) -> ConsumerStats:
        import pika.exceptions
        import psycopg

        backoff = 0.5
        while True:
            try:
                self._consume()
                return self.stats
            except (pika.exceptions.AMQPError, OSError, psycopg.Error) as error:
                self.stats.reconnects += 1
                logger.warning("consume-events: %s; reconnecting in %.1fs", error, backoff)
                self.store.close()
                self._sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)

    def _connect(self) -> Any:
        import pika

        s = self.settings
        params = pika.ConnectionParameters(
            host=s.rabbit_host,
            port=s.rabbit_port,
            credentials=pika.PlainCredentials(s.rabbit_user, s.rabbit_password),
            heartbeat=30,
            connection_attempts=1,
            socket_timeout=s.timeout_s,
            blocked_connection_timeout=s.timeout_s * 3,
            stack_timeout=s.timeout_s * 3,
        )
        return pika.BlockingConnection(params)

    def _consume(self) -> None:
        connection = self._connect()
        try:
            channel = connection.channel()
            channel.exchange_declare(RASA_EXCHANGE, exchange_type="fanout")
            channel.queue_declare(self.settings.queue, durable=True)
            channel.queue_bind(self.settings.queue, RASA_EXCHANGE)
            channel.basic_qos(prefetch_count=self.settings.batch_size)
            self.store.connect()
            batch: list[tuple[int, bytes]] = []
            idle_since = time.monotonic()
            for method, _props, body in channel.consume(
                self.settings.queue, inactivity_timeout=POLL_S
            ):
                if method is not None:
                    batch.append((method.delivery_tag, body))
                    idle_since = time.monotonic()
                if batch and (method is None or len(batch) >= self.settings.batch_size):
                    self._commit(channel, batch)
                    batch = []
                idle = time.monotonic() - idle_since
                if method is None and self.idle_exit_s is not None and idle >= self.idle_exit_s:
                    channel.cancel()
                    return
        finally:
            if connection.is_open:
                try:
                    connection.close()
                except Exception as error:  # closing a broken connection: nothing to save
                    logger.debug("closing the broker connection: %s", error)

    def _commit(self, channel: Any, batch: list[tuple[int, bytes]]) -> None:
        events: list[Event] = []
        rejected: list[tuple[str, str]] = []
        for _tag, body in batch:
            try:
                events.append(parse_event(body))
            except NotAnEvent as error:
                rejected.append((body.decode("utf-8", "replace"), str(error)))
        new = self.store.write(events, rejected)  # raises: nothing acknowledged, all redelivered
        channel.basic_ack(batch[-1][0], multiple=True)
        self.stats.received += len(batch)
        self.stats.stored += new
        self.stats.duplicates += len(events) - new
        self.stats.rejected += len(rejected)
