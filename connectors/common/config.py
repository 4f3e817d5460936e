"""Reading connector settings from `credentials.yml` with environment fallbacks.

Why: Rasa substitutes `${VAR}` in credentials.yml, but an operator may also leave a key out and
only export the variable, or set it to an empty string to disable a channel. A blank or
unexpanded value counts as missing, so a connector never runs on a placeholder; the caller
decides what "missing" means (our webhooks then fail closed with 403).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from connectors.common.outbound import RetryPolicy

PLACEHOLDERS = {"changeme", "change-me", "your-key-here", "xxx", "todo"}


def setting(
    credentials: Mapping[str, Any] | None, key: str, env: str, default: str | None = None
) -> str | None:
    """`credentials[key]`, else `$env`, else `default`; blanks and placeholders are None."""
    for raw in ((credentials or {}).get(key), os.environ.get(env)):
        if raw is None:
            continue
        value = str(raw).strip()
        if value and "${" not in value and value.lower() not in PLACEHOLDERS:
            return value
    return default


def flag(credentials: Mapping[str, Any] | None, key: str, env: str, default: bool = False) -> bool:
    value = setting(credentials, key, env)
    if value is None:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


def retry_policy_from_env() -> RetryPolicy:
    """Outbound timeout/retries shared by all connectors (see .env.example)."""

    def number(env: str, default: float) -> float:
        try:
            return float(os.environ.get(env) or default)
        except ValueError:
            return default

    return RetryPolicy(
        attempts=max(1, int(number("CUSTOMER_AGENT_CONNECTOR_ATTEMPTS", 4))),
        base_delay_s=number("CUSTOMER_AGENT_CONNECTOR_BACKOFF_S", 0.5),
        max_delay_s=number("CUSTOMER_AGENT_CONNECTOR_MAX_BACKOFF_S", 8.0),
        timeout_s=number("CUSTOMER_AGENT_CONNECTOR_TIMEOUT_S", 10.0),
    )
