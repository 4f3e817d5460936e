"""`customer-agent consume-events` (the real console script) on the local RabbitMQ and
PostgreSQL: RabbitMQ is restarted while events stream in, and at the end every event the broker
accepted is stored exactly once, though some arrive twice (publisher retries, redeliveries)."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

from tests.production.conftest import pg_url

pytestmark = [pytest.mark.slow, pytest.mark.production]

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / ".venv" / "bin" / "customer-agent"
EVENTS = 3000
RABBIT = {"host": "127.0.0.1", "port": 5672, "user": "guest", "password": "guest"}


def rasa_event(i: int) -> dict:
    """The shape Rasa's pika broker publishes (sender_id added to the tracker event)."""
    kind = ["user", "action", "bot", "slot"][i % 4]
    event = {"event": kind, "timestamp": 1_700_000_000 + i / 1000, "sender_id": f"c{i % 37}"}
    event.update({"text": f"message {i}"} if kind in {"user", "bot"} else {"name": f"n{i}"})
    return event


def publisher(queue: str, sent: list[dict], stop: threading.Event) -> None:
    """Publishes EVENTS events to Rasa's exchange with confirms, at a steady pace; an event whose
    confirm was lost is published again after reconnecting (as Rasa's broker does); one in ten is
    published twice on purpose."""
    import pika
    import pika.exceptions

    i = 0
    channel = None
    while i < EVENTS and not stop.is_set():
        try:
            if channel is None:
                params = pika.ConnectionParameters(
                    RABBIT["host"],
                    RABBIT["port"],
                    credentials=pika.PlainCredentials(RABBIT["user"], RABBIT["password"]),
                    connection_attempts=1,
                    socket_timeout=5,
                )
                channel = pika.BlockingConnection(params).channel()
                channel.confirm_delivery()
                channel.exchange_declare("rasa-exchange", exchange_type="fanout")
                channel.queue_declare(queue, durable=True)
                channel.queue_bind(queue, "rasa-exchange")
            body = json.dumps(rasa_event(i))
            for _ in range(2 if i % 10 == 0 else 1):
                channel.basic_publish(
                    "rasa-exchange", "", body, pika.BasicProperties(delivery_mode=2)
                )
            sent.append(rasa_event(i))
            i += 1
            time.sleep(0.002)
        except (pika.exceptions.AMQPError, OSError):
            channel = None
            time.sleep(0.5)


def restart_rabbitmq() -> None:
    for command in (["rabbitmqctl", "stop_app"], ["rabbitmqctl", "start_app"]):
        subprocess.run(command, check=True, capture_output=True, timeout=120)


def test_every_event_exactly_once_across_a_rabbitmq_restart(database: str) -> None:
    queue = "test_consumer_" + uuid.uuid4().hex[:8]
    env = dict(
        os.environ,
        RABBITMQ_HOST=RABBIT["host"],
        RABBITMQ_PORT=str(RABBIT["port"]),
        RABBITMQ_USER=RABBIT["user"],
        RABBITMQ_PASSWORD=RABBIT["password"],
        RABBITMQ_QUEUE=queue,
        CUSTOMER_AGENT_ANALYTICS_DB=pg_url(database),
    )
    consumer = subprocess.Popen(
        [str(CLI), "consume-events", "--until-idle", "8"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    sent: list[dict] = []
    stop = threading.Event()
    time.sleep(2)  # the consumer declares and binds the queue first
    pub = threading.Thread(target=publisher, args=(queue, sent, stop))
    pub.start()
    try:
        while len(sent) < EVENTS // 4:
            time.sleep(0.05)
        restart_rabbitmq()  # under load: publisher and consumer both lose their connections
        pub.join(timeout=300)
        output, _ = consumer.communicate(timeout=300)
    finally:
        stop.set()
        if consumer.poll() is None:
            consumer.kill()
    assert consumer.returncode == 0, output
    assert len(sent) == EVENTS
    assert "reconnects 0" not in output, output  # the restart did happen under the consumer

    import psycopg

    with psycopg.connect(pg_url(database)) as conn:
        rows = conn.execute("SELECT data FROM analytics_events").fetchall()
        rejected = conn.execute("SELECT count(*) FROM analytics_rejected").fetchone()[0]
    stored = [json.dumps(r[0], sort_keys=True) for r in rows]
    expected = {json.dumps(e, sort_keys=True) for e in sent}
    assert len(stored) == len(set(stored)), "an event was stored twice"
    assert set(stored) == expected  # every event, nothing else
    assert rejected == 0
    assert "duplicates 0" not in output  # redeliveries did arrive, and were dropped
