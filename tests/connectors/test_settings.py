"""The Rasa server's settings object (connectors/settings.py): read once, bad values refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.common.outbound import RetryPolicy
from connectors.settings import BotSettings, SettingsError, get_settings, profile


def test_defaults_with_nothing_set() -> None:
    settings = BotSettings.from_env({})
    assert settings == BotSettings()
    assert settings.connectors_dir == Path("var/connectors")
    assert settings.retry == RetryPolicy()
    assert settings.show_why is False and settings.webchat_origins == ()


def test_every_variable_is_read() -> None:
    settings = BotSettings.from_env(
        {
            "CUSTOMER_AGENT_DATA": "/srv/agent",
            "CUSTOMER_AGENT_BOT_DIR": "/srv/bot",
            "CUSTOMER_AGENT_SHOW_WHY": "Yes",
            "CUSTOMER_AGENT_WEBCHAT_ORIGINS": "https://shop.example/, http://localhost:8000",
            "CUSTOMER_AGENT_CONNECTOR_ATTEMPTS": "2",
            "CUSTOMER_AGENT_CONNECTOR_BACKOFF_S": "0.1",
            "CUSTOMER_AGENT_CONNECTOR_MAX_BACKOFF_S": "1",
            "CUSTOMER_AGENT_CONNECTOR_TIMEOUT_S": "3.5",
            "CUSTOMER_AGENT_STATE_DB": "postgresql://u@db.example/x",
        }
    )
    assert settings.connectors_dir == Path("/srv/agent/connectors")
    assert settings.profile_path == Path("/srv/bot/agent_profile.yml")
    assert settings.show_why is True
    assert settings.webchat_origins == ("https://shop.example", "http://localhost:8000")
    assert settings.retry == RetryPolicy(
        attempts=2, base_delay_s=0.1, max_delay_s=1.0, timeout_s=3.5
    )
    assert settings.state_db == "postgresql://u@db.example/x"


def test_bad_values_are_one_line_each() -> None:
    with pytest.raises(SettingsError) as err:
        BotSettings.from_env(
            {
                "CUSTOMER_AGENT_SHOW_WHY": "maybe",
                "CUSTOMER_AGENT_WEBCHAT_ORIGINS": "shop.example",
                "CUSTOMER_AGENT_CONNECTOR_ATTEMPTS": "0",
                "CUSTOMER_AGENT_CONNECTOR_TIMEOUT_S": "ten",
            }
        )
    lines = str(err.value).splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "CUSTOMER_AGENT_SHOW_WHY",
        "CUSTOMER_AGENT_WEBCHAT_ORIGINS",
        "CUSTOMER_AGENT_CONNECTOR_ATTEMPTS",
        "CUSTOMER_AGENT_CONNECTOR_TIMEOUT_S",
    ]


def test_read_once_per_process(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CUSTOMER_AGENT_DATA", str(tmp_path))
    first = get_settings()
    monkeypatch.setenv("CUSTOMER_AGENT_DATA", str(tmp_path / "elsewhere"))
    assert get_settings() is first and first.data_dir == tmp_path


def test_the_profile_comes_from_the_settings_bot_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "agent_profile.yml").write_text(
        "name: Noor\nhandoff: {max_clarifications: 1}\n", encoding="utf-8"
    )
    monkeypatch.setenv("CUSTOMER_AGENT_BOT_DIR", str(tmp_path))
    assert (profile().name, profile().max_clarifications) == ("Noor", 1)
