"""The Rasa server's settings: one frozen object, read from the environment once, on first use.

Why one object: the connectors used to read `CUSTOMER_AGENT_*` variables each on their own, with
their own defaults and their own way of ignoring a bad value. Here every variable the bot env
uses (besides the channel secrets, which `credentials.yml` names and `connectors.common.config`
expands, and Slack's, which `connectors.slack_handoff.config.SlackSettings` owns) is read in one
place, documented in `.env.example`, and a bad value stops start-up with one line per mistake
(`SettingsError`). `scripts/run.sh` loads `.env` into the environment before Rasa starts.

The agent profile is read through `profile()` with the schema both runtimes share
(`connectors/common/profile.py`). Tests that change the environment call
`get_settings.cache_clear()` (tests/connectors/conftest.py does it around every test).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from connectors.common.outbound import RetryPolicy
from connectors.common.profile import AgentProfile, load_profile

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class SettingsError(ValueError):
    """Bad environment values; one line per mistake."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class BotSettings:
    """Deployment facts of the Rasa server (see `.env.example` for each variable)."""

    data_dir: Path = Path("var")  # CUSTOMER_AGENT_DATA: all embedded state lives under it
    bot_dir: Path = PROJECT_ROOT / "bot"  # CUSTOMER_AGENT_BOT_DIR: profile and YAML config
    show_why: bool = False  # CUSTOMER_AGENT_SHOW_WHY: the test chat and 'why' payloads
    webchat_origins: tuple[str, ...] = ()  # CUSTOMER_AGENT_WEBCHAT_ORIGINS, comma-separated
    retry: RetryPolicy = field(default_factory=RetryPolicy)  # CUSTOMER_AGENT_CONNECTOR_*
    state_db: str = ""  # CUSTOMER_AGENT_STATE_DB: shared state (common/state_db.py); "" = SQLite

    @property
    def connectors_dir(self) -> Path:
        """Connector state (dedupe ids, senders, outbox, handoffs) when no database is set."""
        return self.data_dir / "connectors"

    @property
    def profile_path(self) -> Path:
        return self.bot_dir / "agent_profile.yml"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> BotSettings:
        """Read and check every variable; all mistakes at once in one `SettingsError`."""
        env = os.environ if env is None else env
        problems: list[str] = []
        defaults = cls()

        def text(name: str) -> str:
            return (env.get(name) or "").strip()

        def number(name: str, default: float, minimum: float) -> float:
            raw = text(name)
            if not raw:
                return default
            try:
                value = float(raw)
            except ValueError:
                value = minimum - 1
            if value < minimum:
                problems.append(f"{name}: {raw!r} must be a number >= {minimum:g}")
                return default
            return value

        show_why = text("CUSTOMER_AGENT_SHOW_WHY").lower()
        if show_why not in _TRUE | _FALSE:
            problems.append(f"CUSTOMER_AGENT_SHOW_WHY: {show_why!r} is not true or false")
        origins = tuple(
            o.strip().rstrip("/")
            for o in text("CUSTOMER_AGENT_WEBCHAT_ORIGINS").split(",")
            if o.strip()
        )
        for origin in origins:
            if not origin.startswith(("https://", "http://")):
                problems.append(
                    f"CUSTOMER_AGENT_WEBCHAT_ORIGINS: {origin!r} is not an http(s) origin"
                )
        base = defaults.retry
        attempts = number("CUSTOMER_AGENT_CONNECTOR_ATTEMPTS", base.attempts, 1)
        if attempts != int(attempts):
            problems.append("CUSTOMER_AGENT_CONNECTOR_ATTEMPTS: must be a whole number")
        retry = RetryPolicy(
            attempts=int(attempts),
            base_delay_s=number("CUSTOMER_AGENT_CONNECTOR_BACKOFF_S", base.base_delay_s, 0),
            max_delay_s=number("CUSTOMER_AGENT_CONNECTOR_MAX_BACKOFF_S", base.max_delay_s, 0),
            timeout_s=number("CUSTOMER_AGENT_CONNECTOR_TIMEOUT_S", base.timeout_s, 0.1),
        )
        if problems:
            raise SettingsError(problems)
        return cls(
            data_dir=Path(text("CUSTOMER_AGENT_DATA") or defaults.data_dir),
            bot_dir=Path(text("CUSTOMER_AGENT_BOT_DIR") or defaults.bot_dir),
            show_why=show_why in _TRUE,
            webchat_origins=origins,
            retry=retry,
            state_db=text("CUSTOMER_AGENT_STATE_DB"),
        )


@lru_cache(maxsize=1)
def get_settings() -> BotSettings:
    """The process-wide settings, built on first call (never at import time)."""
    return BotSettings.from_env()


@lru_cache(maxsize=1)
def profile() -> AgentProfile:
    """The agent profile (`<bot_dir>/agent_profile.yml`), read and checked on first call."""
    return load_profile(get_settings().profile_path)
