"""Store and LLM endpoint checks: the real local PostgreSQL, Redis and RabbitMQ (reachable and
refused), and a local OpenAI-compatible `/v1/models` stand-in."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from knowledge.settings import Settings
from knowledge.setup import checks_services as services
from tests.knowledge.setup.standins import StandIn, running

VAR = Path("var")
PG_USER = os.environ.get("CUSTOMER_AGENT_TEST_PG_USER", "postgres")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def needs(port: int) -> None:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        pytest.skip(f"no local service on port {port} (make test starts them)")


def test_postgres_tracker_store_reachable_and_not():
    needs(5432)
    env = {
        "CUSTOMER_AGENT_TRACKER_STORE": "postgresql",
        "POSTGRES_HOST": "127.0.0.1",
        "POSTGRES_USER": PG_USER,
        "POSTGRES_DB": "postgres",
    }
    assert services.check_tracker_store(env, VAR).status == "ok"
    down = services.check_tracker_store({**env, "POSTGRES_PORT": str(closed_port())}, VAR)
    assert down.failed and down.fix.startswith("start PostgreSQL or correct POSTGRES_HOST")
    assert services.check_tracker_store({"CUSTOMER_AGENT_TRACKER_STORE": "mysql"}, VAR).failed


def test_state_db_url_is_checked_and_its_password_not_printed():
    needs(5432)
    ok = services.check_url_db(
        {"X_DB": f"postgresql://{PG_USER}@127.0.0.1:5432/postgres"}, "X_DB", "unused"
    )
    assert ok.status == "ok", ok.line()
    url = f"postgresql://{PG_USER}:s3cr3tpw@127.0.0.1:{closed_port()}/postgres"
    bad = services.check_url_db({"X_DB": url}, "X_DB", "unused")
    assert bad.failed and "s3cr3tpw" not in bad.line()
    assert services.check_url_db({"X_DB": "mysql://x"}, "X_DB", "unused").failed
    assert services.check_url_db({}, "X_DB", "embedded").status == "off"


def test_redis_lock_store_answers_ping_or_is_reported():
    needs(6379)
    env = {"CUSTOMER_AGENT_LOCK_STORE": "redis", "REDIS_HOST": "127.0.0.1"}
    assert services.check_lock_store(env).status == "ok"
    down = services.check_lock_store({**env, "REDIS_PORT": str(closed_port())})
    assert down.failed and "Redis at 127.0.0.1:" in down.text


def test_rabbitmq_login_accepted_or_refused():
    needs(5672)
    env = {
        "CUSTOMER_AGENT_EVENT_BROKER": "rabbitmq",
        "RABBITMQ_HOST": "127.0.0.1",
        "RABBITMQ_USER": "guest",
        "RABBITMQ_PASSWORD": "guest",
    }
    assert services.check_event_broker(env).status == "ok"
    refused = services.check_event_broker({**env, "RABBITMQ_PASSWORD": "wrong-password"})
    assert refused.failed and refused.subject == "RABBITMQ_PASSWORD"
    missing = services.check_event_broker({"CUSTOMER_AGENT_EVENT_BROKER": "rabbitmq"})
    assert missing.failed and "required" in missing.text


def llm_settings(monkeypatch: pytest.MonkeyPatch, base_url: str, key: str = "") -> Settings:
    monkeypatch.setenv("CUSTOMER_AGENT_COMPOSER", "generative")
    monkeypatch.setenv("CUSTOMER_AGENT_CHAT_MODEL", "qwen2.5:7b")
    monkeypatch.setenv("OPENAI_BASE_URL", base_url)
    monkeypatch.setenv("OPENAI_API_KEY", key) if key else monkeypatch.delenv(
        "OPENAI_API_KEY", raising=False
    )
    return Settings(_env_file=None)  # type: ignore[call-arg]


def test_llm_endpoint_model_listed_missing_key_refused_and_down(monkeypatch):
    with running(StandIn(models=["qwen2.5:7b", "llama3.1:8b"], api_key="sk-local-1")) as llm:
        base = f"{llm.base_url}/v1"
        (found,) = services.check_llm(llm_settings(monkeypatch, base, "sk-local-1"))
        assert found.status == "ok" and found.subject == "CUSTOMER_AGENT_CHAT_MODEL"
        (refused,) = services.check_llm(llm_settings(monkeypatch, base, "sk-wrong-2"))
        assert refused.failed and refused.subject == "OPENAI_API_KEY"
        llm.models = ["llama3.1:8b"]
        (missing,) = services.check_llm(llm_settings(monkeypatch, base, "sk-local-1"))
        assert missing.failed and "'qwen2.5:7b' is not listed" in missing.text
        assert "llama3.1:8b" in missing.fix
    (down,) = services.check_llm(llm_settings(monkeypatch, f"http://127.0.0.1:{closed_port()}/v1"))
    assert down.failed and down.subject == "OPENAI_BASE_URL" and "not reachable" in down.text
    monkeypatch.setenv("CUSTOMER_AGENT_COMPOSER", "extractive")
    assert services.check_llm(Settings(_env_file=None))[0].status == "off"  # type: ignore[call-arg]
