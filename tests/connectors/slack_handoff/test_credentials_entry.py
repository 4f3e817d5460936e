"""The credentials.yml entry as `rasa run` builds it: with no Slack variables set the channel
loads (Rasa keeps starting) and handoffs are not usable; with them set, they are read."""

from __future__ import annotations

from tests.connectors.common.rasa_credentials import load_credentials_entry

KEY = "connectors.slack_handoff.channel.SlackHandoffInput"
OURS = {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"}


def test_entry_loads_closed_without_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("CUSTOMER_AGENT_DATA", str(tmp_path))
    for name in OURS:
        monkeypatch.delenv(name, raising=False)
    channel = load_credentials_entry(monkeypatch, KEY, OURS)
    assert channel.name() == "slack_handoff"
    assert not channel.settings.configured and channel.verifier is None


def test_entry_reads_the_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("CUSTOMER_AGENT_DATA", str(tmp_path))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-real")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s3cret")
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    channel = load_credentials_entry(monkeypatch, KEY, OURS)
    assert channel.settings.configured and channel.settings.bot_token == "xoxb-real"
    assert channel.verifier is not None
