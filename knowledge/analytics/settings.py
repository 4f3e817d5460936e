"""Settings of `customer-agent consume-events`, read from the environment when it starts.

The broker variables are the Rasa server's (RABBITMQ_*, .env.example), so consumer and servers
cannot disagree on the queue. The analytics database is its own URL: it may be the tracker
database's server, but the consumer writes only its own tables (`analytics_*`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

PLACEHOLDERS = {"changeme", "change-me", "your-key-here", "xxx", "todo"}


class ConsumerSettingsError(ValueError):
    """Missing or bad settings; one line per mistake."""


@dataclass(frozen=True)
class ConsumerSettings:
    rabbit_host: str
    rabbit_port: int
    rabbit_user: str
    rabbit_password: str
    queue: str
    database_url: str  # CUSTOMER_AGENT_ANALYTICS_DB, postgresql://...
    batch_size: int = 200  # events per transaction (and the broker's prefetch)
    timeout_s: float = 10.0  # connect/socket timeout of both connections

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ConsumerSettings:
        env = os.environ if env is None else env
        problems = []

        def required(name: str) -> str:
            value = env.get(name, "").strip()
            if not value:
                problems.append(f"{name}: required")
            elif value.lower() in PLACEHOLDERS:
                problems.append(f"{name}: placeholder value refused")
            return value

        def number(name: str, default: int) -> int:
            raw = env.get(name, "").strip() or str(default)
            if not raw.isdigit():
                problems.append(f"{name}={raw!r}: expected a whole number")
                return default
            return int(raw)

        url = required("CUSTOMER_AGENT_ANALYTICS_DB")
        if url and not url.startswith(("postgresql://", "postgres://")):
            problems.append("CUSTOMER_AGENT_ANALYTICS_DB: expected a postgresql:// URL")
        settings = cls(
            rabbit_host=env.get("RABBITMQ_HOST", "").strip() or "localhost",
            rabbit_port=number("RABBITMQ_PORT", 5672),
            rabbit_user=required("RABBITMQ_USER"),
            rabbit_password=required("RABBITMQ_PASSWORD"),
            queue=env.get("RABBITMQ_QUEUE", "").strip() or "rasa_events",
            database_url=url,
        )
        if problems:
            raise ConsumerSettingsError("\n".join(problems))
        return settings
