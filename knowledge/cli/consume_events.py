"""`customer-agent consume-events`: Rasa's event stream (RabbitMQ) into PostgreSQL analytics.

Run one per deployment next to the Rasa servers (deploy/compose.yml); several are safe too
(storing is idempotent). Settings: RABBITMQ_* as for the Rasa servers and
CUSTOMER_AGENT_ANALYTICS_DB (.env.example).
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("consume-events", help="store Rasa's events from RabbitMQ in PostgreSQL")
    p.add_argument(
        "--until-idle",
        type=float,
        metavar="SECONDS",
        help="exit after SECONDS without a message (default: run until stopped)",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from knowledge.analytics.consumer import EventConsumer
    from knowledge.analytics.settings import ConsumerSettings

    consumer = EventConsumer(ConsumerSettings.from_env(), idle_exit_s=args.until_idle)
    stats = consumer.run()
    print(
        f"received {stats.received}, stored {stats.stored}, duplicates {stats.duplicates}, "
        f"rejected {stats.rejected}, reconnects {stats.reconnects}"
    )
    return 0
