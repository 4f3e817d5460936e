"""Which tracker store, lock store and event broker the Rasa server uses, from the environment.

Read when Rasa builds each backend at start-up (never at import), so one `endpoints.yml` serves
`make run` (no services) and a deployment of several servers. A bad value stops start-up with
one line per mistake (`SettingsError`) instead of silently falling back to an embedded default,
which would split state across servers. Every variable is documented in `.env.example`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast, get_args

from connectors.common.config import PLACEHOLDERS
from connectors.settings import SettingsError

TrackerBackend = Literal["sqlite", "postgresql"]
LockBackend = Literal["memory", "redis"]
BrokerBackend = Literal["none", "rabbitmq"]


@dataclass(frozen=True)
class PostgresSettings:
    """POSTGRES_*: the shared tracker database (an empty password = trust/peer auth)."""

    host: str
    port: int
    db: str
    user: str
    password: str | None


@dataclass(frozen=True)
class RedisSettings:
    """REDIS_*: the shared lock store (an empty password = no AUTH, private network only)."""

    host: str
    port: int
    db: int
    password: str | None


@dataclass(frozen=True)
class RabbitSettings:
    """RABBITMQ_*: the broker Rasa publishes every tracker event to, for analytics."""

    host: str
    port: int
    user: str
    password: str
    queue: str


def _choice(
    env: Mapping[str, str], name: str, allowed: tuple[str, ...], problems: list[str]
) -> str:
    value = env.get(name, "").strip().lower() or allowed[0]
    if value not in allowed:
        problems.append(f"{name}={value!r}: expected one of {', '.join(allowed)}")
        return allowed[0]
    return value


def _int(env: Mapping[str, str], name: str, default: int, problems: list[str]) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        problems.append(f"{name}={raw!r}: expected a whole number")
        return default
    if value < 0:
        problems.append(f"{name}={raw!r}: expected a number >= 0")
    return value


def _text(env: Mapping[str, str], name: str, default: str | None) -> str | None:
    value = env.get(name, "").strip()
    return value or default


def _secret(env: Mapping[str, str], name: str, problems: list[str], required: bool) -> str | None:
    value = env.get(name, "").strip()
    if value.lower() in PLACEHOLDERS:
        problems.append(f"{name}: placeholder value refused")
        return None
    if required and not value:
        problems.append(f"{name}: required")
    return value or None


def _raise(problems: list[str]) -> None:
    if problems:
        raise SettingsError(problems)


def _backend(env: Mapping[str, str] | None, name: str, allowed: tuple[str, ...]) -> str:
    """One backend choice; `allowed[0]` is the embedded default, anything else one clear line."""
    problems: list[str] = []
    value = _choice(os.environ if env is None else env, name, allowed, problems)
    _raise(problems)
    return value


def tracker_backend(env: Mapping[str, str] | None = None) -> TrackerBackend:
    """CUSTOMER_AGENT_TRACKER_STORE: sqlite (default) | postgresql."""
    return cast(
        TrackerBackend, _backend(env, "CUSTOMER_AGENT_TRACKER_STORE", get_args(TrackerBackend))
    )


def sqlite_tracker_path(env: Mapping[str, str] | None = None) -> Path:
    """CUSTOMER_AGENT_TRACKER_DB, else tracker.db under CUSTOMER_AGENT_DATA (default ./var)."""
    env = os.environ if env is None else env
    explicit = _text(env, "CUSTOMER_AGENT_TRACKER_DB", None)
    if explicit:
        return Path(explicit)
    return Path(_text(env, "CUSTOMER_AGENT_DATA", "var") or "var") / "tracker.db"


def postgres_settings(env: Mapping[str, str] | None = None) -> PostgresSettings:
    env = os.environ if env is None else env
    problems: list[str] = []
    settings = PostgresSettings(
        host=_text(env, "POSTGRES_HOST", "localhost") or "localhost",
        port=_int(env, "POSTGRES_PORT", 5432, problems),
        db=_text(env, "POSTGRES_DB", "rasa") or "rasa",
        user=_text(env, "POSTGRES_USER", "rasa") or "rasa",
        password=_secret(env, "POSTGRES_PASSWORD", problems, required=False),
    )
    _raise(problems)
    return settings


def lock_backend(env: Mapping[str, str] | None = None) -> LockBackend:
    """CUSTOMER_AGENT_LOCK_STORE: memory (default, one Rasa process) | redis."""
    return cast(LockBackend, _backend(env, "CUSTOMER_AGENT_LOCK_STORE", get_args(LockBackend)))


def redis_settings(env: Mapping[str, str] | None = None) -> RedisSettings:
    env = os.environ if env is None else env
    problems: list[str] = []
    settings = RedisSettings(
        host=_text(env, "REDIS_HOST", "localhost") or "localhost",
        port=_int(env, "REDIS_PORT", 6379, problems),
        db=_int(env, "REDIS_DB", 1, problems),
        password=_secret(env, "REDIS_PASSWORD", problems, required=False),
    )
    _raise(problems)
    return settings


def broker_backend(env: Mapping[str, str] | None = None) -> BrokerBackend:
    """CUSTOMER_AGENT_EVENT_BROKER: none (default) | rabbitmq."""
    return cast(
        BrokerBackend, _backend(env, "CUSTOMER_AGENT_EVENT_BROKER", get_args(BrokerBackend))
    )


def rabbit_settings(env: Mapping[str, str] | None = None) -> RabbitSettings:
    """RabbitMQ has no anonymous access: user and password are required, without defaults."""
    env = os.environ if env is None else env
    problems: list[str] = []
    user = _secret(env, "RABBITMQ_USER", problems, required=True)
    password = _secret(env, "RABBITMQ_PASSWORD", problems, required=True)
    settings = RabbitSettings(
        host=_text(env, "RABBITMQ_HOST", "localhost") or "localhost",
        port=_int(env, "RABBITMQ_PORT", 5672, problems),
        user=user or "",
        password=password or "",
        queue=_text(env, "RABBITMQ_QUEUE", "rasa_events") or "rasa_events",
    )
    _raise(problems)
    return settings


def sanic_workers(env: Mapping[str, str] | None = None) -> int:
    """SANIC_WORKERS as Rasa reads it (default 1; a bad value counts as 1, as in Rasa)."""
    try:
        return int((os.environ if env is None else env).get("SANIC_WORKERS", "1"))
    except ValueError:
        return 1
