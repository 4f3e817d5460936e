"""The profile's `handoff:` section and the Slack env: every mistake is one clear line; business
hours with time zones and holidays; the shipped profile validates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from connectors.slack_handoff.config import (
    SlackSettings,
    load_profile_section,
    parse_handoff,
)
from connectors.slack_handoff.hours import parse_hours

ROOT = Path(__file__).resolve().parents[3]
UTC = dt.timezone.utc


def test_each_mistake_is_one_line():
    section = {
        "mode": "slak",
        "route": "rules",
        "channel": "general",
        "note_prefix": "",
        "rules": [
            {"match": {"langauge": "nl"}, "users": ["bob"], "usergroup": "team", "extra": 1},
            {"match": {"channel": "whatsapp"}},
            {
                "users": ["U0ANN0001"],
                "hours": {"timezone": "Mars/Olympus", "weekly": {"mon": "9-17", "funday": "x"}},
            },
        ],
    }
    config, errors = parse_handoff(section, env={})
    assert errors == [
        'handoff.mode: "slak" is not slack or stay_assigned',
        'handoff.channel / SLACK_HANDOFF_CHANNEL: "general" is not a channel id',
        'handoff.rules[0]: unknown key "extra"',
        'handoff.rules[0].match: unknown key "langauge" (use channel, language, reason, keywords)',
        'handoff.rules[0].users: "bob" is not a Slack user id (U...)',
        'handoff.rules[0].usergroup: "team" is not a Slack user group id (S...)',
        "handoff.rules[1]: routes nowhere; give users, usergroup and/or channel",
        'handoff.rules[2].hours.timezone: "Mars/Olympus" is not an IANA time zone'
        " (Europe/Amsterdam)",
        'handoff.rules[2].hours.weekly: "funday" is not a day (mon, tue, ... sun)',
        'handoff.rules[2].hours.weekly.mon: "9-17" is not a time span like "09:00-17:00"'
        ' or "closed"',
        "handoff.note_prefix: must not be empty (notes would reach visitors)",
    ]
    assert config.mode == "stay_assigned"  # an unknown mode never promises a human


def test_env_channel_overrides_profile_and_slack_settings_refuse_placeholders():
    config, errors = parse_handoff(
        {"mode": "slack", "channel": "C0PROFILE1"}, env={"SLACK_HANDOFF_CHANNEL": "C0FROMENV1"}
    )
    assert (config.channel, errors) == ("C0FROMENV1", [])
    _, errors = parse_handoff({"mode": "slack"}, env={})
    assert errors and errors[0].startswith("handoff.channel: set the unassigned Slack channel")
    assert not SlackSettings.from_env({"SLACK_BOT_TOKEN": "changeme"}).configured
    s = SlackSettings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    assert s.configured and s.signing_secret is None and s.api_url == "https://slack.com/api/"
    bad = SlackSettings.from_env({"SLACK_BOT_TOKEN": "abc", "SLACK_API_URL": "ftp://x"})
    assert bad.problems == (
        "SLACK_BOT_TOKEN: a bot token starts with xoxb-",
        'SLACK_API_URL: "ftp://x" is not an http(s) URL',
    )
    assert bad.missing() == ["SLACK_SIGNING_SECRET or SLACK_APP_TOKEN"]


def test_shipped_profile_section_is_valid():
    config, errors = load_profile_section(ROOT / "bot" / "agent_profile.yml")
    assert config.mode in ("slack", "stay_assigned")
    assert [e for e in errors if not e.startswith("handoff.channel: set")] == []


def test_business_hours_open_closed_holiday_and_next_opening():
    errors: list[str] = []
    hours = parse_hours(
        {
            "timezone": "Europe/Amsterdam",
            "weekly": {"mon": "09:00-12:00, 13:00-17:00", "fri": "09:00-17:00", "sat": "closed"},
            "holidays": ["2026-12-25"],
        },
        "h",
        errors,
    )
    assert errors == [] and hours is not None
    # Monday 7 Dec 2026, 10:30 in Amsterdam (09:30 UTC): open; lunch closed, opens 13:00
    assert hours.is_open(dt.datetime(2026, 12, 7, 9, 30, tzinfo=UTC))
    lunch = dt.datetime(2026, 12, 7, 11, 30, tzinfo=UTC)
    assert not hours.is_open(lunch)
    assert hours.next_open(lunch).strftime("%a %H:%M %Z") == "Mon 13:00 CET"
    # Friday 25 Dec is a holiday; the next opening is Monday 28 Dec 09:00
    xmas = dt.datetime(2026, 12, 25, 10, 0, tzinfo=UTC)
    assert not hours.is_open(xmas)
    assert hours.next_open(xmas).date() == dt.date(2026, 12, 28)
    # summer time is handled by the zone: 09:00 CEST is 07:00 UTC
    assert hours.is_open(dt.datetime(2026, 7, 6, 7, 0, tzinfo=UTC))
    assert not hours.is_open(dt.datetime(2026, 7, 6, 6, 59, tzinfo=UTC))


def test_channel_reads_the_profile_of_customer_agent_bot_dir(tmp_path: Path, monkeypatch) -> None:
    """The Slack channel reads `handoff:` from the profile the settings name (the bot dir a
    deployment chooses), not from the project's own bot/ directory."""
    import yaml

    from connectors import settings
    from connectors.handoff.db import SQLiteDatabase
    from connectors.handoff.store import HandoffStore
    from connectors.slack_handoff.channel import SlackHandoffInput
    from connectors.slack_handoff.config import SlackSettings

    bot = tmp_path / "bot"
    bot.mkdir()
    profile = {"name": "Ava", "handoff": {"mode": "slack", "channel": "C0DEPLOYED"}}
    (bot / "agent_profile.yml").write_text(yaml.safe_dump(profile), encoding="utf-8")
    monkeypatch.setenv("CUSTOMER_AGENT_BOT_DIR", str(bot))
    monkeypatch.setenv("CUSTOMER_AGENT_DATA", str(tmp_path / "data"))
    settings.get_settings.cache_clear()
    try:
        store = HandoffStore(SQLiteDatabase(tmp_path / "handoff.sqlite3"))
        channel = SlackHandoffInput(SlackSettings.from_env({}), store=store)
        assert channel.config.mode == "slack" and channel.config.channel == "C0DEPLOYED"
        assert channel.config_errors == []
    finally:
        settings.get_settings.cache_clear()
