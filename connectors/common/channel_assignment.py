"""Channel assignment (`channels:` in bot/agent_profile.yml): where the agent gives AI answers.

Stdlib only, like `profile`, so both runtimes parse it the same way. Per channel the value is
`true` (every account: the default for a channel left out, so a profile without `channels:`
behaves as before), `false` (no AI answers on that channel) or a list of accounts: WhatsApp
numbers (E.164, `+14155238886`; the Twilio `To` of the message), Messenger page ids (the
`recipient.id` of the event) or email addresses (any `To` address of the mail). A message
on a channel or account that is not assigned never reaches the answer chain: it goes to people
(`connectors/common/unassigned.py`, docs/architecture.md "Channel assignment").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

CHANNELS = ("webchat", "whatsapp", "messenger", "email", "rest")
ACCOUNTS = {"whatsapp": "phone numbers", "messenger": "page ids", "email": "email addresses"}
_PHONE = re.compile(r"^\+\d{6,15}$")
_PAGE_ID = re.compile(r"^\d{5,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_EXAMPLES = {
    "whatsapp": "+14155238886",
    "messenger": "104512345678901",
    "email": "help@example.com",
}


def normalize_account(channel: str, account: Any) -> str:
    """The comparable form: `whatsapp:+1 415-523 8886` -> `+14155238886`, addresses lower."""
    text = str(account).strip()
    if channel == "whatsapp":
        text = re.sub(r"[\s().-]", "", text.removeprefix("whatsapp:"))
        return text if text.startswith("+") else "+" + text
    if channel == "email":
        return text.lower()
    return text


def _valid(channel: str, account: str) -> bool:
    pattern = {"whatsapp": _PHONE, "messenger": _PAGE_ID, "email": _EMAIL}[channel]
    return bool(pattern.match(account))


@dataclass(frozen=True)
class ChannelAssignment:
    """Per channel: True (all accounts), False (none) or the assigned accounts."""

    channels: Mapping[str, bool | frozenset[str]] = field(default_factory=dict)

    def answers(self, channel: str, accounts: Iterable[str] = ()) -> bool:
        """Whether the agent answers a message on `channel` sent to any of `accounts`. A channel
        this schema does not know (a third-party input channel) is always answered; a list
        with no account to compare against is not (the message goes to people)."""
        rule = self.channels.get(channel, True)
        if isinstance(rule, bool):
            return rule
        return any(normalize_account(channel, a) in rule for a in accounts)

    @property
    def restricted(self) -> dict[str, bool | frozenset[str]]:
        """The channels that are not fully assigned (what `customer-agent check` reports)."""
        return {name: rule for name, rule in self.channels.items() if rule is not True}


def accounts_of(channel: str, metadata: Mapping[str, Any] | None) -> list[str]:
    """The account(s) a message was sent to, from the metadata each connector sets."""
    metadata = metadata or {}
    if channel == "whatsapp":
        values: Any = metadata.get("to")
    elif channel == "messenger":
        values = metadata.get("page_id")
    elif channel == "email":
        mail = metadata.get("email")
        values = mail.get("to") if isinstance(mail, Mapping) else None
    else:
        return []
    items = values if isinstance(values, list) else [values]
    return [str(v) for v in items if isinstance(v, (str, int)) and str(v).strip()]


def parse_channels(raw: Any, problems: list[str]) -> ChannelAssignment:
    """The `channels:` section (None = every channel); mistakes appended to `problems`."""
    if raw is None:
        return ChannelAssignment()
    if not isinstance(raw, Mapping):
        problems.append("channels: must map a channel name to true, false or a list of accounts")
        return ChannelAssignment()
    out: dict[str, bool | frozenset[str]] = {}
    for name, value in raw.items():
        key = str(name).strip().lower()
        if key not in CHANNELS:
            problems.append(
                f"channels: unknown channel {name!r} (expected one of {', '.join(CHANNELS)})"
            )
            continue
        if isinstance(value, bool):
            out[key] = value
            continue
        if key not in ACCOUNTS:
            problems.append(f"channels.{key}: must be true or false ({key} has no accounts)")
            continue
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(i, (str, int)) and not isinstance(i, bool) for i in items):
            problems.append(f"channels.{key}: must be true, false or a list of {ACCOUNTS[key]}")
            continue
        accounts = [normalize_account(key, i) for i in items]
        bad = [a for a in accounts if not _valid(key, a)]
        for account in bad:
            problems.append(
                f"channels.{key}: {account!r} is not one of the {ACCOUNTS[key]}"
                f" (like {_EXAMPLES[key]})"
            )
        if not bad:
            out[key] = frozenset(accounts)
    return ChannelAssignment(out)
