"""Reading connector settings from `credentials.yml` with environment fallbacks.

Why: Rasa expands unquoted `${VAR}` in credentials.yml but stops the whole server at startup
when VAR is unset. Our entries therefore quote the reference (`auth_token: "${TWILIO_AUTH_TOKEN}"`),
which Rasa leaves alone, and `setting` expands it here: an unset or blank variable just leaves
that channel closed (its webhook answers 403). A key left out falls back to the named env var.
Blank values and placeholders count as missing, so a connector never runs on a placeholder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from connectors.common.outbound import RetryPolicy

_ENV_REF = re.compile(r"\$\{(\w+)\}")
PLACEHOLDERS = {"changeme", "change-me", "your-key-here", "xxx", "todo"}


def setting(
    credentials: Mapping[str, Any] | None, key: str, env: str, default: str | None = None
) -> str | None:
    """`credentials[key]`, else `$env`, else `default`; blanks and placeholders are None."""
    for raw in ((credentials or {}).get(key), os.environ.get(env)):
        if raw is None:
            continue
        value = _ENV_REF.sub(lambda m: os.environ.get(m.group(1), ""), str(raw)).strip()
        if value and "${" not in value and value.lower() not in PLACEHOLDERS:
            return value
    return default


def flag(credentials: Mapping[str, Any] | None, key: str, env: str, default: bool = False) -> bool:
    value = setting(credentials, key, env)
    if value is None:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


def retry_policy_from_env() -> RetryPolicy:
    """Outbound timeout/retries shared by all connectors (`connectors.settings`, .env.example)."""
    from connectors.settings import get_settings

    return get_settings().retry
