"""The Slack part of `customer-agent check`, against the Slack Web API (slack-sdk's sync client).

The same three things the Rasa server checks at start-up (connectors/slack_handoff/check.py,
which needs the bot env): `auth.test` (the token works), the token's scopes (the
`x-oauth-scopes` header) against `REQUIRED_SCOPES`, and `conversations.history` on every routed
channel (`not_in_channel`: the bot was not invited). `SLACK_API_URL` points it elsewhere
(tests use a local server speaking the same API).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.common.profile import AgentProfile
from connectors.slack_handoff.scopes import REQUIRED_SCOPES
from knowledge.setup.checks_config import SLACK_APP
from knowledge.setup.findings import Finding, fail, ok, secret

SLACK_API_URL = "https://slack.com/api/"
TOKEN_ERRORS = {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}


def routed_channels(env: Mapping[str, str], profile: AgentProfile) -> list[str]:
    """The unassigned channel (SLACK_HANDOFF_CHANNEL wins over handoff.channel) and every
    channel a routing rule names."""
    first = (env.get("SLACK_HANDOFF_CHANNEL") or "").strip() or str(
        profile.handoff.get("channel") or ""
    ).strip()
    found = [first] if first else []
    for rule in profile.handoff.get("rules") or []:
        if isinstance(rule, Mapping) and rule.get("channel"):
            found.append(str(rule["channel"]).strip())
    return list(dict.fromkeys(found))


def _client(env: Mapping[str, str]) -> Any:
    from slack_sdk import WebClient

    url = (env.get("SLACK_API_URL") or "").strip() or SLACK_API_URL
    try:
        timeout = int(float(env.get("SLACK_TIMEOUT_S") or 10))
    except ValueError:
        timeout = 10
    return WebClient(
        token=secret(env, "SLACK_BOT_TOKEN"),
        base_url=url if url.endswith("/") else url + "/",
        timeout=max(1, min(timeout, 10)),
    )


def check_slack_api(env: Mapping[str, str], profile: AgentProfile) -> list[Finding]:
    """Run only when SLACK_BOT_TOKEN is set and well-formed (checks_config decides)."""
    from slack_sdk.errors import SlackApiError

    client = _client(env)
    try:
        resp = client.auth_test()
    except SlackApiError as exc:
        error = str(exc.response.get("error"))
        if error in TOKEN_ERRORS:
            fix = (
                f"copy the Bot User OAuth Token (xoxb-...) from {SLACK_APP} > OAuth &"
                " Permissions (reinstall the app if it was revoked)"
            )
        else:
            fix = "see api.slack.com/methods/auth.test for this error"
        return [fail("SLACK_BOT_TOKEN", f"Slack says {error}", fix)]
    except Exception as exc:  # network: urllib raises several kinds
        return [
            fail(
                "Slack",
                f"not reachable at {client.base_url} ({type(exc).__name__})",
                "check the network (or SLACK_API_URL) and run check again",
            )
        ]
    out = [ok("SLACK_BOT_TOKEN", f"auth.test ok (team {resp.get('team')}, bot {resp.get('user')})")]
    header = resp.headers.get("x-oauth-scopes") or resp.headers.get("X-OAuth-Scopes") or ""
    scopes = {s.strip() for s in str(header).split(",") if s.strip()}
    missing = [s for s in REQUIRED_SCOPES if s not in scopes]
    if header and missing:
        out.append(
            fail(
                "SLACK_BOT_TOKEN",
                f"lacks scopes {', '.join(missing)}",
                f"add them in {SLACK_APP} > OAuth & Permissions > Bot Token Scopes (the README"
                " manifest lists them) and reinstall the app",
            )
        )
    channels = routed_channels(env, profile)
    if not channels:
        out.append(
            fail(
                "handoff.channel",
                "no Slack channel to post handoffs in",
                "put the channel id (C...) in handoff.channel of the profile or"
                " SLACK_HANDOFF_CHANNEL, and /invite the app there",
            )
        )
    for channel in channels:
        try:
            client.conversations_history(channel=channel, limit=1)
            out.append(ok(f"Slack channel {channel}", "the bot can read and post"))
        except SlackApiError as exc:
            error = str(exc.response.get("error"))
            fix = (
                f"type /invite @your-app in {channel} (private channels too)"
                if error == "not_in_channel"
                else "check the channel id (channel details > bottom of the About tab)"
            )
            out.append(fail(f"Slack channel {channel}", f"Slack says {error}", fix))
        except Exception as exc:
            out.append(fail(f"Slack channel {channel}", f"not checked ({exc})", "run again"))
    return out
