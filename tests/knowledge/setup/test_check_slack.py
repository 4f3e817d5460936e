"""The Slack part of `customer-agent check` against a local server speaking Slack's Web API."""

from __future__ import annotations

import pytest

from connectors.common.profile import parse_profile
from knowledge.setup.checks_config import check_slack_env
from knowledge.setup.slack import check_slack_api
from tests.knowledge.setup.standins import GOOD_TOKEN, StandIn, running

CHANNEL = "C0HANDOFF1"
SIGNING = "0123456789abcdef0123456789abcdef"
PROFILE = parse_profile({"handoff": {"mode": "slack", "channel": CHANNEL}})


@pytest.fixture
def slack():
    with running(StandIn(members={CHANNEL})) as standin:
        yield standin


def env(slack: StandIn, token: str = GOOD_TOKEN) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": token,
        "SLACK_SIGNING_SECRET": SIGNING,
        "SLACK_API_URL": f"{slack.base_url}/api/",
    }


def test_a_wrong_token_is_one_line_with_the_fix(slack):
    lines = [f.line() for f in check_slack_api(env(slack, "xoxb-9-9-revoked"), PROFILE)]
    assert lines == [
        "FAIL SLACK_BOT_TOKEN: Slack says invalid_auth -> copy the Bot User OAuth Token"
        " (xoxb-...) from api.slack.com/apps > your app > OAuth & Permissions (reinstall the"
        " app if it was revoked)"
    ]
    assert slack.calls == ["/api/auth.test"]


def test_a_working_setup_is_ok_lines_only(slack):
    found = check_slack_api(env(slack), PROFILE)
    assert [f.status for f in found] == ["ok", "ok"], [f.line() for f in found]
    assert found[1].subject == f"Slack channel {CHANNEL}"


def test_missing_scopes_and_an_uninvited_channel(slack):
    slack.scopes = "chat:write,users:read"
    slack.members.clear()
    lines = [f.line() for f in check_slack_api(env(slack), PROFILE) if f.failed]
    assert len(lines) == 2
    assert lines[0].startswith("FAIL SLACK_BOT_TOKEN: lacks scopes chat:write.customize,")
    assert lines[1] == (
        f"FAIL Slack channel {CHANNEL}: Slack says not_in_channel -> type /invite @your-app in"
        f" {CHANNEL} (private channels too)"
    )


def test_slack_unreachable_is_a_problem_not_a_hang():
    e = {"SLACK_BOT_TOKEN": GOOD_TOKEN, "SLACK_API_URL": "http://127.0.0.1:9/api/"}
    (found,) = check_slack_api(e, PROFILE)
    assert found.failed and "not reachable at http://127.0.0.1:9/api/" in found.line()


def test_malformed_variables_and_the_mode_are_checked_before_calling_slack():
    e = {"SLACK_BOT_TOKEN": "xoxp-user-token", "SLACK_SIGNING_SECRET": "short"}
    lines = [f.line() for f in check_slack_env(e, parse_profile({}))]
    assert [line.split(":")[0] for line in lines] == [
        "FAIL SLACK_BOT_TOKEN",
        "FAIL SLACK_SIGNING_SECRET",
        "FAIL handoff.mode",
    ]


def test_an_unassigned_channel_without_slack_is_reported():
    profile = parse_profile({"channels": {"email": False}})
    (found,) = check_slack_env({}, profile)
    assert found.failed and found.subject == "channels" and "email" in found.text
    assert check_slack_env({}, parse_profile({}))[0].status == "off"
