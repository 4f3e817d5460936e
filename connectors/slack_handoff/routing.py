"""Where a new handoff goes: the first matching rule (`route: rules`) or the unassigned channel.

A rule matches when every `match` key it names accepts the handoff (visitor channel, language,
reason, or one of its keywords in the conversation text); a rule with no `match` catches all.
No match, or `route: nobody`, posts to the unassigned channel with no mention. Business hours
come from the chosen rule (else the unassigned channel's `hours:`); outside them the handoff is
still posted, marked out of hours, and the visitor is told `next_open`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from connectors.slack_handoff.config import HandoffConfig, Rule


@dataclass(frozen=True)
class HandoffContext:
    channel: str  # the visitor's Rasa input channel: webchat, whatsapp, messenger, email, rest
    language: str
    reason: str
    text: str  # the visitor's side of the conversation, for keyword rules


@dataclass(frozen=True)
class Route:
    slack_channel: str
    rule: str | None = None
    users: tuple[str, ...] = ()
    usergroup: str | None = None
    out_of_hours: bool = False
    next_open: dt.datetime | None = None

    def mention(self) -> str:
        """Slack mrkdwn naming who should pick it up ('' for the unassigned queue)."""
        parts = [f"<@{u}>" for u in self.users]
        if self.usergroup:
            parts.append(f"<!subteam^{self.usergroup}>")
        return " ".join(parts)


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def matches(rule: Rule, ctx: HandoffContext) -> bool:
    values = {"channel": ctx.channel, "language": ctx.language, "reason": ctx.reason}
    for key, accepted in rule.match.items():
        if not accepted:
            continue
        if key == "keywords":
            words, lowered = _words(ctx.text), ctx.text.lower()
            if not any((k in words) if k.isalnum() else (k in lowered) for k in accepted):
                return False
        elif values[key].lower().split("-")[0] not in accepted and values[key] not in accepted:
            return False
    return True


def route(config: HandoffConfig, ctx: HandoffContext, now: dt.datetime | None = None) -> Route:
    """The route for a handoff opened at `now` (UTC now by default)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    rule = None
    if config.route == "rules":
        rule = next((r for r in config.rules if matches(r, ctx)), None)
    hours = rule.hours if rule and rule.hours else (None if rule else config.hours)
    out_of_hours = hours is not None and not hours.is_open(now)
    return Route(
        slack_channel=(rule.channel if rule and rule.channel else config.channel) or "",
        rule=rule.name if rule else None,
        users=rule.users if rule else (),
        usergroup=rule.usergroup if rule else None,
        out_of_hours=out_of_hours,
        next_open=hours.next_open(now) if hours is not None and out_of_hours else None,
    )
