"""credentials.yml values with env fallbacks; quoted ${VAR} expanded by the connector."""

from __future__ import annotations

import pytest

from connectors.common.config import flag, retry_policy_from_env, setting
from connectors.settings import SettingsError, get_settings


def test_value_then_env_then_default(monkeypatch):
    monkeypatch.setenv("X_TOKEN", "from-env")
    assert setting({"token": "from-yml"}, "token", "X_TOKEN") == "from-yml"
    assert setting({}, "token", "X_TOKEN") == "from-env"
    assert setting(None, "other", "X_UNSET_VAR", "dflt") == "dflt"


def test_references_blanks_and_placeholders_count_as_missing(monkeypatch):
    monkeypatch.delenv("X_UNSET_VAR", raising=False)
    monkeypatch.setenv("X_SET", " abc ")
    monkeypatch.setenv("X_BLANK", "")
    assert setting({"k": "${X_SET}"}, "k", "X_UNSET_VAR") == "abc"
    assert setting({"k": "${X_UNSET_VAR}"}, "k", "X_UNSET_VAR") is None
    assert setting({"k": "${X_BLANK}"}, "k", "X_UNSET_VAR") is None
    assert setting({"k": "changeme"}, "k", "X_UNSET_VAR") is None
    assert setting({"k": "   "}, "k", "X_UNSET_VAR", "d") == "d"


def test_flags_and_retry_policy(monkeypatch):
    monkeypatch.setenv("X_FLAG", "TRUE")
    assert flag({}, "f", "X_FLAG") is True
    assert flag({"f": "no"}, "f", "X_FLAG") is False
    monkeypatch.setenv("CUSTOMER_AGENT_CONNECTOR_ATTEMPTS", "2")
    policy = retry_policy_from_env()
    assert (policy.attempts, policy.timeout_s) == (2, 10.0)
    # a bad number is a start-up error naming the variable, not a silent default
    monkeypatch.setenv("CUSTOMER_AGENT_CONNECTOR_TIMEOUT_S", "not-a-number")
    get_settings.cache_clear()
    with pytest.raises(SettingsError, match="CUSTOMER_AGENT_CONNECTOR_TIMEOUT_S: 'not-a-number'"):
        retry_policy_from_env()
