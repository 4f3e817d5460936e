"""Checks that need no network: the agent profile and the credentials' presence and form.

Values are checked for form only (the platforms' documented formats); a secret is never echoed.
Whether Slack accepts its token is `slack.py`'s job; Twilio's and Meta's tokens cannot be
tried without sending a message, so their form is all that is checked.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path

from connectors.common.profile import KEYS, AgentProfile, ProfileError, load_profile
from knowledge.setup.findings import Finding, fail, off, ok, secret

_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")
_PHONE = re.compile(r"^\+\d{6,15}$")
_UNKNOWN_KEY = re.compile(r"unknown key '([^']+)'")
TWILIO_CONSOLE = "console.twilio.com (Account Info)"
META_APP = "developers.facebook.com/apps > your app"
SLACK_APP = "api.slack.com/apps > your app"


def _profile_fix(problem: str, path: Path) -> str:
    found = _UNKNOWN_KEY.search(problem)
    if found and not problem.startswith(("handoff", "channels")):
        close = difflib.get_close_matches(found.group(1), KEYS, n=1)
        if close:
            return f"rename it to {close[0]!r} in {path}"
        return f"remove it from {path} (or use one of the keys listed)"
    return f"correct this value in {path}"


def check_profile(path: Path) -> tuple[list[Finding], AgentProfile | None]:
    """The profile with the one schema both servers use; every mistake is one line."""
    if not path.exists():
        return [off("profile", f"no {path}; the defaults apply (run customer-agent init)")], (
            AgentProfile()
        )
    try:
        profile = load_profile(path)
    except ProfileError as exc:
        return [fail("profile", f"{path}: {p}", _profile_fix(p, path)) for p in exc.problems], None
    who = f"{profile.name}, {profile.role}, {profile.brand_voice or profile.personality}"
    restricted = profile.channels.restricted
    where = "every channel" if not restricted else f"restricted: {', '.join(sorted(restricted))}"
    return [ok("profile", f"{path} ({who}; handoff {profile.handoff_mode}; {where})")], profile


def _group(
    env: Mapping[str, str], title: str, names: tuple[str, ...], closed: str
) -> list[Finding] | None:
    """None when some of `names` are set (check them), else the `off` line."""
    if any(secret(env, n) for n in names):
        return None
    return [off(title, f"not configured ({closed})")]


def _hex32(env: Mapping[str, str], name: str, fix: str) -> list[Finding]:
    """[] when `name` holds 32 hex digits (Twilio auth tokens, Meta and Slack secrets)."""
    value = secret(env, name)
    if _HEX32.match(value):
        return []
    return [fail(name, "is not 32 hex digits" if value else "is not set", fix)]


def check_twilio(env: Mapping[str, str]) -> list[Finding]:
    names = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_WHATSAPP_NUMBER")
    skipped = _group(env, "WhatsApp", names, "its webhook answers 403")
    if skipped is not None:
        return skipped
    out: list[Finding] = []
    sid = secret(env, "TWILIO_ACCOUNT_SID")
    if not re.match(r"^AC[0-9a-fA-F]{32}$", sid):
        shown = f"{sid!r} is not an Account SID (AC + 32 hex digits)" if sid else "is not set"
        out.append(fail("TWILIO_ACCOUNT_SID", shown, f"copy the Account SID from {TWILIO_CONSOLE}"))
    out += _hex32(env, "TWILIO_AUTH_TOKEN", f"copy the Auth Token from {TWILIO_CONSOLE}")
    number = secret(env, "TWILIO_WHATSAPP_NUMBER").removeprefix("whatsapp:")
    service = secret(env, "TWILIO_MESSAGING_SERVICE_SID")
    if not _PHONE.match(number) and not re.match(r"^MG[0-9a-fA-F]{32}$", service):
        out.append(
            fail(
                "TWILIO_WHATSAPP_NUMBER",
                f"{number!r} is not a number like +14155238886" if number else "is not set",
                "set your WhatsApp sender's number (Twilio console > Messaging > Senders)"
                " or TWILIO_MESSAGING_SERVICE_SID (MG...)",
            )
        )
    return out or [ok("WhatsApp", "Twilio credentials present and well-formed")]


def check_meta(env: Mapping[str, str]) -> list[Finding]:
    names = ("MESSENGER_VERIFY_TOKEN", "MESSENGER_APP_SECRET", "MESSENGER_PAGE_ACCESS_TOKEN")
    skipped = _group(env, "Messenger", names, "its webhook answers 403")
    if skipped is not None:
        return skipped
    out: list[Finding] = []
    if not secret(env, "MESSENGER_VERIFY_TOKEN"):
        out.append(
            fail(
                "MESSENGER_VERIFY_TOKEN",
                "is not set",
                f"choose any string and enter the same in {META_APP} > Messenger > Webhooks",
            )
        )
    fix = f"copy the App Secret from {META_APP} > App settings > Basic"
    out += _hex32(env, "MESSENGER_APP_SECRET", fix)
    token = secret(env, "MESSENGER_PAGE_ACCESS_TOKEN")
    if not token.startswith("EAA"):
        state = "is not set" if not token else "is not a Page access token (they start with EAA)"
        fix = f"generate a Page access token in {META_APP} > Messenger > Settings"
        out.append(fail("MESSENGER_PAGE_ACCESS_TOKEN", state, fix))
    return out or [ok("Messenger", "Meta credentials present and well-formed")]


def check_email(env: Mapping[str, str]) -> list[Finding]:
    if not secret(env, "EMAIL_IMAP_HOST"):
        return [off("Email", "not configured (EMAIL_IMAP_HOST is empty)")]
    missing = [n for n in ("EMAIL_USERNAME", "EMAIL_PASSWORD") if not secret(env, n)]
    return [
        fail(n, "is not set", "set the mailbox login (an app password where the provider asks)")
        for n in missing
    ] or [ok("Email", f"IMAP {env['EMAIL_IMAP_HOST']} with a login (not tried)")]


def slack_configured(env: Mapping[str, str]) -> bool:
    return bool(secret(env, "SLACK_BOT_TOKEN"))


def check_slack_env(env: Mapping[str, str], profile: AgentProfile | None) -> list[Finding]:
    """Slack variables' form, and whether the handoff mode and channel assignment fit them."""
    restricted = sorted(profile.channels.restricted) if profile else []
    mode = profile.handoff_mode if profile else "stay_assigned"
    if not slack_configured(env):
        if restricted:
            return [
                fail(
                    "channels",
                    f"{', '.join(restricted)} not (fully) assigned to the agent, but Slack"
                    " handoff is not configured: those visitors are only told nobody answers",
                    "set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (README, Handoff in Slack)"
                    " or assign those channels in the profile",
                )
            ]
        told = "a visitor who asks for a person is told no colleague is available"
        return [off("Slack", f"not configured (handoff mode {mode}; {told})")]
    out: list[Finding] = []
    fix_bot = f"copy the Bot User OAuth Token (xoxb-...) from {SLACK_APP} > OAuth & Permissions"
    if not secret(env, "SLACK_BOT_TOKEN").startswith("xoxb-"):
        out.append(fail("SLACK_BOT_TOKEN", "a bot token starts with xoxb-", fix_bot))
    app_token = secret(env, "SLACK_APP_TOKEN")
    if app_token and not app_token.startswith("xapp-"):
        fix = f"create an app-level token (connections:write) in {SLACK_APP} > Basic Information"
        out.append(fail("SLACK_APP_TOKEN", "an app-level token starts with xapp-", fix))
    signing = secret(env, "SLACK_SIGNING_SECRET")
    if signing:
        fix = f"copy the Signing Secret from {SLACK_APP} > Basic Information"
        out += _hex32(env, "SLACK_SIGNING_SECRET", fix)
    if not signing and not app_token:
        out.append(
            fail(
                "SLACK_SIGNING_SECRET",
                "neither it nor SLACK_APP_TOKEN is set: Slack events cannot reach the agent",
                f"copy the Signing Secret from {SLACK_APP} > Basic Information",
            )
        )
    if profile is not None and mode != "slack":  # an invalid profile: its own FAIL lines
        out.append(
            fail(
                "handoff.mode",
                f"is {mode} although Slack is configured: no conversation reaches Slack",
                "set handoff.mode: slack in the profile (or remove the Slack variables)",
            )
        )
    return out


def check_assignment(env: Mapping[str, str], profile: AgentProfile | None) -> list[Finding]:
    """Whether the configured WhatsApp number and mailbox are among the assigned accounts (a
    list that leaves them out sends all their messages to people: said, not failed)."""
    from connectors.common.channel_assignment import normalize_account

    if profile is None:
        return []
    out = []
    own = {
        "whatsapp": ("TWILIO_WHATSAPP_NUMBER", secret(env, "TWILIO_WHATSAPP_NUMBER")),
    }
    mailbox = "EMAIL_FROM_ADDRESS" if secret(env, "EMAIL_FROM_ADDRESS") else "EMAIL_USERNAME"
    own["email"] = (mailbox, secret(env, mailbox))
    for channel, rule in sorted(profile.channels.restricted.items()):
        if rule is False:
            out.append(off(f"channels.{channel}", "no AI answers: every message goes to people"))
            continue
        variable, account = own.get(channel, ("", ""))
        if not account or isinstance(rule, bool):
            continue
        if profile.channels.answers(channel, [account]):
            out.append(ok(f"channels.{channel}", f"the agent answers on {variable}"))
        else:
            shown = normalize_account(channel, account)
            out.append(
                off(f"channels.{channel}", f"{variable} {shown} is not assigned: people answer it")
            )
    return out
