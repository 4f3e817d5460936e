"""Email channel settings, read once when Rasa builds the channel from `credentials.yml`.

Same convention as the other connectors (connectors.common.config): a value in credentials.yml may
be a quoted `"${VAR}"` reference, expanded here; a key left out falls back to its `EMAIL_*`
variable; blanks and placeholders count as missing. Without an IMAP host the channel stays off
instead of stopping Rasa's start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from connectors.common.config import setting

Security = Literal["ssl", "starttls", "none"]
_SECURITY = ("ssl", "starttls", "none")


class EmailConfigError(ValueError):
    """Raised at start-up for a missing or malformed email setting."""


@dataclass(frozen=True)
class EmailConfig:
    """Deployment facts for one mailbox (IMAP in, SMTP out)."""

    imap_host: str
    username: str
    password: str = field(repr=False)
    from_address: str
    imap_port: int = 993
    imap_security: Security = "ssl"
    folder: str = "INBOX"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: Security = "starttls"
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    from_name: str = ""
    poll_interval_s: float = 60.0
    thread_window_h: float = 72.0
    timeout_s: float = 30.0
    send_attempts: int = 3
    max_age_days: int = 7  # older unread mail is left to humans (no surprise replies to a backlog)
    # a server holds a mail this long per step; after it dies, another server takes the mail over
    claim_lease_s: float = 600.0
    data_dir: Path = Path("var")

    @property
    def state_path(self) -> Path:
        return self.data_dir / "connectors" / "email.sqlite3"

    @property
    def smtp_login(self) -> tuple[str, str]:
        return (self.smtp_username or self.username, self.smtp_password or self.password)


# field -> environment variable
ENV_NAMES = {
    "imap_host": "EMAIL_IMAP_HOST",
    "imap_port": "EMAIL_IMAP_PORT",
    "imap_security": "EMAIL_IMAP_SECURITY",
    "folder": "EMAIL_IMAP_FOLDER",
    "username": "EMAIL_USERNAME",
    "password": "EMAIL_PASSWORD",
    "smtp_host": "EMAIL_SMTP_HOST",
    "smtp_port": "EMAIL_SMTP_PORT",
    "smtp_security": "EMAIL_SMTP_SECURITY",
    "smtp_username": "EMAIL_SMTP_USERNAME",
    "smtp_password": "EMAIL_SMTP_PASSWORD",
    "from_address": "EMAIL_FROM_ADDRESS",
    "from_name": "EMAIL_FROM_NAME",
    "poll_interval_s": "EMAIL_POLL_INTERVAL_S",
    "thread_window_h": "EMAIL_THREAD_WINDOW_H",
    "timeout_s": "EMAIL_TIMEOUT_S",
    "send_attempts": "EMAIL_SEND_ATTEMPTS",
    "max_age_days": "EMAIL_MAX_AGE_DAYS",
    "claim_lease_s": "EMAIL_CLAIM_LEASE_S",
    "data_dir": "CUSTOMER_AGENT_DATA",
}
REQUIRED = ("imap_host", "username", "password")


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise EmailConfigError(f"{name} must be an integer, got {raw!r}") from None


def _float(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise EmailConfigError(f"{name} must be a number, got {raw!r}") from None
    if value <= 0:
        raise EmailConfigError(f"{name} must be positive, got {raw!r}")
    return value


def _security(name: str, raw: str) -> Security:
    value = raw.strip().lower()
    if value not in _SECURITY:
        raise EmailConfigError(f"{name} must be one of {', '.join(_SECURITY)}, got {raw!r}")
    return value  # type: ignore[return-value]


def is_configured(credentials: Mapping[str, Any] | None) -> bool:
    """True when an IMAP host is given: without one the channel stays off instead of failing."""
    return setting(credentials, "imap_host", ENV_NAMES["imap_host"]) is not None


def load_config(credentials: Mapping[str, Any] | None) -> EmailConfig:
    """Merge credentials.yml over the environment and validate; raise EmailConfigError on doubt."""
    raw: dict[str, str] = {}
    for field_name, env_name in ENV_NAMES.items():
        value = setting(credentials, field_name, env_name)
        if value is not None:
            raw[field_name] = value
    missing = [ENV_NAMES[f] for f in REQUIRED if f not in raw]
    if missing:
        raise EmailConfigError(f"email channel needs {', '.join(missing)} (unset or placeholder)")
    values: dict[str, Any] = {
        "imap_host": raw["imap_host"],
        "username": raw["username"],
        "password": raw["password"],
        "from_address": raw.get("from_address") or raw["username"],
    }
    if "@" not in values["from_address"]:
        raise EmailConfigError("EMAIL_FROM_ADDRESS (or EMAIL_USERNAME) must be an email address")
    for name in ("imap_port", "smtp_port", "send_attempts", "max_age_days"):
        if name in raw:
            values[name] = _int(ENV_NAMES[name], raw[name])
    for name in ("poll_interval_s", "thread_window_h", "timeout_s", "claim_lease_s"):
        if name in raw:
            values[name] = _float(ENV_NAMES[name], raw[name])
    for name in ("imap_security", "smtp_security"):
        if name in raw:
            values[name] = _security(ENV_NAMES[name], raw[name])
    for name in ("folder", "smtp_username", "smtp_password", "from_name"):
        if name in raw:
            values[name] = raw[name]
    values["smtp_host"] = raw.get("smtp_host") or raw["imap_host"]
    if "data_dir" in raw:
        values["data_dir"] = Path(raw["data_dir"])
    return EmailConfig(**values)
