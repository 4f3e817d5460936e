"""Settings of the Slack handoff: the profile's `handoff:` section and the Slack env variables.

Why here and typed: an operator's typo in routing must surface at start-up as one clear line per
mistake, not as a conversation that silently goes nowhere. `parse_handoff` never raises; it
returns the settings it could read plus the list of problems, and the channel logs each one.
Secrets come only from the environment (`SlackSettings.from_env`, read when called).

Profile (bot/agent_profile.yml):
    handoff:
      mode: slack                 # slack | stay_assigned
      route: nobody               # nobody: one unassigned channel | rules: first matching rule
      channel: C0123456789        # the unassigned channel (SLACK_HANDOFF_CHANNEL overrides)
      note_prefix: "note:"        # agent replies starting with it stay in Slack
      webchat_header: true        # the widget header shows the human's name and avatar
      rules:
        - name: billing
          match: {channel: [whatsapp], language: [nl], reason: [no_answer], keywords: [invoice]}
          users: [U0123ABCD]
          usergroup: S0123ABCD
          channel: C0456EFGH
          hours: {timezone: Europe/Amsterdam, weekly: {mon: "09:00-17:00"}, holidays: []}
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connectors.common.config import PLACEHOLDERS
from connectors.slack_handoff.hours import BusinessHours, parse_hours

SLACK_API_URL = "https://slack.com/api/"
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{6,}$")
_GROUP_ID = re.compile(r"^S[A-Z0-9]{6,}$")
MATCH_KEYS = ("channel", "language", "reason", "keywords")


@dataclass(frozen=True)
class Rule:
    name: str
    match: Mapping[str, tuple[str, ...]]  # key -> accepted values (lower case); absent = any
    users: tuple[str, ...] = ()
    usergroup: str | None = None
    channel: str | None = None  # None: the unassigned channel
    hours: BusinessHours | None = None


@dataclass(frozen=True)
class HandoffConfig:
    mode: str = "stay_assigned"
    route: str = "nobody"
    channel: str | None = None
    rules: tuple[Rule, ...] = ()
    note_prefix: str = "note:"
    webchat_header: bool = True
    hours: BusinessHours | None = None  # of the unassigned channel, optional
    transcript_turns: int = 30

    def routed_channels(self) -> list[str]:
        """Every Slack channel a handoff may be posted in (the start-up check joins them)."""
        found = [self.channel] if self.channel else []
        found += [r.channel for r in self.rules if r.channel]
        return list(dict.fromkeys(found))


def _strings(raw: Any, where: str, errors: list[str]) -> tuple[str, ...]:
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    if not all(isinstance(i, (str, int)) and str(i).strip() for i in items):
        errors.append(f"{where}: must be a word or a list of words")
        return ()
    return tuple(str(i).strip() for i in items)


def _rule(i: int, raw: Any, errors: list[str]) -> Rule | None:
    where = f"handoff.rules[{i}]"
    if not isinstance(raw, Mapping):
        errors.append(f"{where}: must be a mapping with match and users/usergroup/channel")
        return None
    for key in raw:
        if key not in ("name", "match", "users", "usergroup", "channel", "hours"):
            errors.append(f'{where}: unknown key "{key}"')
    match_raw = raw.get("match") or {}
    match: dict[str, tuple[str, ...]] = {}
    if not isinstance(match_raw, Mapping):
        errors.append(f"{where}.match: must map {', '.join(MATCH_KEYS)} to values")
    else:
        for key, value in match_raw.items():
            if key not in MATCH_KEYS:
                errors.append(f'{where}.match: unknown key "{key}" (use {", ".join(MATCH_KEYS)})')
                continue
            match[key] = tuple(v.lower() for v in _strings(value, f"{where}.match.{key}", errors))
    users = _strings(raw.get("users"), f"{where}.users", errors)
    for user in users:
        if not _USER_ID.match(user):
            errors.append(f'{where}.users: "{user}" is not a Slack user id (U...)')
    group = raw.get("usergroup")
    if group is not None and not _GROUP_ID.match(str(group)):
        errors.append(f'{where}.usergroup: "{group}" is not a Slack user group id (S...)')
    channel = raw.get("channel")
    if channel is not None and not _CHANNEL_ID.match(str(channel)):
        errors.append(f'{where}.channel: "{channel}" is not a Slack channel id (C... or G...)')
    if not users and group is None and channel is None:
        errors.append(f"{where}: routes nowhere; give users, usergroup and/or channel")
    return Rule(
        name=str(raw.get("name") or f"rule {i + 1}"),
        match=match,
        users=users,
        usergroup=str(group) if group is not None else None,
        channel=str(channel) if channel is not None else None,
        hours=parse_hours(raw.get("hours"), f"{where}.hours", errors),
    )


def parse_handoff(
    section: Any, env: Mapping[str, str] | None = None
) -> tuple[HandoffConfig, list[str]]:
    """The `handoff:` section (a mapping or None) -> (settings, problems, one line each)."""
    env = os.environ if env is None else env
    errors: list[str] = []
    data: Mapping[str, Any] = section if isinstance(section, Mapping) else {}
    if section is not None and not isinstance(section, Mapping):
        errors.append("handoff: must be a mapping")
    mode = str(data.get("mode") or "stay_assigned")
    if mode not in ("slack", "stay_assigned"):
        errors.append(f'handoff.mode: "{mode}" is not slack or stay_assigned')
        mode = "stay_assigned"
    route = str(data.get("route") or "nobody")
    if route not in ("nobody", "rules"):
        errors.append(f'handoff.route: "{route}" is not nobody or rules')
        route = "nobody"
    channel = (env.get("SLACK_HANDOFF_CHANNEL") or "").strip() or data.get("channel")
    channel = str(channel).strip() if channel else None
    if channel and not _CHANNEL_ID.match(channel):
        errors.append(f'handoff.channel / SLACK_HANDOFF_CHANNEL: "{channel}" is not a channel id')
    rules_raw = data.get("rules") or []
    if not isinstance(rules_raw, list):
        errors.append("handoff.rules: must be a list")
        rules_raw = []
    rules = tuple(r for i, raw in enumerate(rules_raw) if (r := _rule(i, raw, errors)))
    if route == "rules" and not rules:
        errors.append("handoff.route is rules but handoff.rules is empty")
    if mode == "slack" and not channel:
        errors.append(
            "handoff.channel: set the unassigned Slack channel id (or SLACK_HANDOFF_CHANNEL);"
            " unmatched handoffs go there"
        )
    prefix = str(data.get("note_prefix", "note:")).strip()
    if not prefix:
        errors.append("handoff.note_prefix: must not be empty (notes would reach visitors)")
        prefix = "note:"
    turns = data.get("transcript_turns", 30)
    if not isinstance(turns, int) or turns < 1:
        errors.append("handoff.transcript_turns: must be a positive whole number")
        turns = 30
    config = HandoffConfig(
        mode=mode,
        route=route,
        channel=channel,
        rules=rules,
        note_prefix=prefix.lower(),
        webchat_header=bool(data.get("webchat_header", True)),
        hours=parse_hours(data.get("hours"), "handoff.hours", errors),
        transcript_turns=turns,
    )
    return config, errors


def load_profile_section(path: Path) -> tuple[HandoffConfig, list[str]]:
    """Read `handoff:` from the agent profile file (a missing file: defaults and one problem)."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        return HandoffConfig(), [f"agent profile {path} unreadable: {exc}"]
    return parse_handoff(data.get("handoff") if isinstance(data, Mapping) else None)


def _secret(env: Mapping[str, str], name: str) -> str | None:
    value = (env.get(name) or "").strip()
    if not value or "${" in value or value.lower() in PLACEHOLDERS:
        return None
    return value


@dataclass(frozen=True)
class SlackSettings:
    """Slack secrets and endpoint from the environment (no defaults for secrets)."""

    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None
    api_url: str = SLACK_API_URL
    timeout_s: float = 10.0
    problems: tuple[str, ...] = field(default=())

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SlackSettings:
        env = os.environ if env is None else env
        problems = []
        bot = _secret(env, "SLACK_BOT_TOKEN")
        if bot and not bot.startswith("xoxb-"):
            problems.append("SLACK_BOT_TOKEN: a bot token starts with xoxb-")
        app = _secret(env, "SLACK_APP_TOKEN")
        if app and not app.startswith("xapp-"):
            problems.append("SLACK_APP_TOKEN: an app-level token starts with xapp-")
            app = None
        url = (env.get("SLACK_API_URL") or "").strip() or SLACK_API_URL
        if not url.startswith(("https://", "http://")):
            problems.append(f'SLACK_API_URL: "{url}" is not an http(s) URL')
            url = SLACK_API_URL
        try:
            timeout = float(env.get("SLACK_TIMEOUT_S") or 10.0)
        except ValueError:
            problems.append("SLACK_TIMEOUT_S: must be a number of seconds")
            timeout = 10.0
        return cls(
            bot_token=bot,
            signing_secret=_secret(env, "SLACK_SIGNING_SECRET"),
            app_token=app,
            api_url=url if url.endswith("/") else url + "/",
            timeout_s=timeout,
            problems=tuple(problems),
        )

    @property
    def configured(self) -> bool:
        """A bot token and a way to receive events (signing secret or Socket Mode)."""
        return bool(self.bot_token and (self.signing_secret or self.app_token))

    def missing(self) -> list[str]:
        out = [] if self.bot_token else ["SLACK_BOT_TOKEN"]
        if not (self.signing_secret or self.app_token):
            out.append("SLACK_SIGNING_SECRET or SLACK_APP_TOKEN")
        return out
