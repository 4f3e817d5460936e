"""`customer-agent init`: a commented starter `bot/agent_profile.yml` and `.env`.

The answers come from flags or, on a terminal without `--yes`, from questions (the flag's value
as the default). The profile text is parsed with the one schema (connectors/common/profile.py)
before anything is written, so what `init` writes always passes `check`'s profile validation.
Existing files are never replaced without `--force`; `.env` is written readable by its owner
only (it holds secrets).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from connectors.common.profile import PERSONALITIES, ROLES, ProfileError, parse_profile

SAMPLES = {
    "en": ["What are your opening hours?", "How can I contact you?"],
    "nl": ["Wat zijn jullie openingstijden?", "Hoe kan ik contact opnemen?"],
    "de": ["Wann haben Sie geöffnet?", "Wie kann ich Sie erreichen?"],
    "fr": ["Quels sont vos horaires d'ouverture ?", "Comment puis-je vous contacter ?"],
    "es": ["¿Cuál es vuestro horario?", "¿Cómo puedo contactar con vosotros?"],
}
SECRETS = (  # (answer field, variable, question)
    ("slack_bot_token", "SLACK_BOT_TOKEN", "Slack bot token (xoxb-..., empty: no Slack handoff)"),
    ("slack_signing_secret", "SLACK_SIGNING_SECRET", "Slack signing secret"),
    ("slack_channel", "SLACK_HANDOFF_CHANNEL", "Slack channel id for handoffs (C...)"),
    ("twilio_account_sid", "TWILIO_ACCOUNT_SID", "Twilio Account SID (AC..., empty: no WhatsApp)"),
    ("twilio_auth_token", "TWILIO_AUTH_TOKEN", "Twilio auth token"),
    ("twilio_whatsapp_number", "TWILIO_WHATSAPP_NUMBER", "WhatsApp sender number (+1...)"),
)

HIDDEN = {"slack_bot_token", "slack_signing_secret", "twilio_auth_token"}


class InitError(ValueError):
    """Nothing was written; one line per reason."""


@dataclass(frozen=True)
class Answers:
    name: str = "Ava"
    company: str = ""
    role: str = "customer support"
    personality: str = "friendly"
    languages: tuple[str, ...] = ("en",)
    secrets: Mapping[str, str] = field(default_factory=dict)  # answer field -> value


def ask(
    answers: Answers,
    prompt: Callable[[str], str],
    hidden: Callable[[str], str] | None = None,
) -> Answers:
    """Ask each question with the current answer as the default (Enter keeps it); tokens and
    secrets through `hidden` (the CLI passes `getpass`), their default shown only as "set"."""

    def question(
        text: str, default: str, allowed: tuple[str, ...] = (), secret: bool = False
    ) -> str:
        hint = f" ({' | '.join(allowed)})" if allowed else ""
        ask_with = (hidden or prompt) if secret else prompt
        shown = ("set" if default else "") if secret else default
        while True:
            value = ask_with(f"{text}{hint} [{shown}]: ").strip() or default
            if not allowed or value.lower() in allowed:
                return value.lower() if allowed else value
            print(f"  please answer one of: {', '.join(allowed)}")

    secrets = dict(answers.secrets)
    result = replace(
        answers,
        name=question("Agent name", answers.name),
        company=question("Company", answers.company),
        role=question("Role", answers.role, ROLES),
        personality=question("Personality", answers.personality, PERSONALITIES),
        languages=tuple(
            x.strip() for x in question("Languages", ",".join(answers.languages)).split(",")
        ),
    )
    for key, _variable, text in SECRETS:
        if (
            key.startswith("slack_")
            and key != "slack_bot_token"
            and not secrets.get("slack_bot_token")
        ):
            continue
        if (
            key.startswith("twilio_")
            and key != "twilio_account_sid"
            and not secrets.get("twilio_account_sid")
        ):
            continue
        secret = key in HIDDEN
        secrets[key] = question(text, secrets.get(key, ""), secret=secret)
    return replace(result, secrets={k: v for k, v in secrets.items() if v})


def _q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML string


def _line(text: str, comment: str = "") -> str:
    return f"{text:<33} # {comment}".rstrip(" #") if comment else text


def profile_text(a: Answers) -> str:
    slack = bool(a.secrets.get("slack_bot_token"))
    samples = "\n".join(
        f"  {lang}:\n" + "\n".join(f"    - {_q(q)}" for q in SAMPLES.get(lang, SAMPLES["en"]))
        for lang in a.languages
    )
    mode = "slack" if slack else "stay_assigned"
    return f"""\
# The agent's persona and handoff behaviour (written by customer-agent init; edit freely).
# Both servers read it at start-up with one schema (connectors/common/profile.py); an unknown key
# or a bad value stops start-up with one line naming it. `customer-agent check` validates it.
{_line(f"name: {_q(a.name)}")}
{_line(f"role: {_q(a.role)}", " | ".join(ROLES))}
{_line(f"personality: {_q(a.personality)}", " | ".join(PERSONALITIES))}
{_line('brand_voice: ""', "free text; when set it replaces `personality` in prompts")}
{_line('avatar_url: ""', "empty: the widget's built-in avatar; else https://... or /...")}
{_line(f"company: {_q(a.company)}")}
{_line("sample_questions:", "chips on the test-chat page: use questions your content answers")}
{samples}
# channels:                       # where the agent gives AI answers; left out = everywhere
#   webchat: true                 # false: no AI answers on this channel
#   whatsapp: ["+14155238886"]    # only these numbers; messages to other numbers go to people
#   messenger: ["104512345678901"]  # page ids
#   email: [help@example.com]     # our addresses (To:)
handoff:
{_line(f"  mode: {mode}", "slack: people answer in Slack | stay_assigned: nobody is promised")}
{_line("  max_clarifications: 2", "failed clarifications before a handoff")}
{_line("  route: nobody", "nobody: the channel below | rules: README, Handoff in Slack")}
{_line(f"  channel: {_q(a.secrets.get('slack_channel', ''))}", "the Slack channel id (C...)")}
"""


def _env_value(value: str) -> str:
    if any(c in value for c in "\r\n"):
        raise InitError("a value contains a line break")
    return json.dumps(value) if any(c in value for c in " #'\"$") else value


def env_text(a: Answers) -> str:
    lines = [
        "# Written by customer-agent init. Every variable: .env.example. Keep this file secret.",
        "CUSTOMER_AGENT_DATA=./var",
    ]
    for key, variable, text in SECRETS:
        value = a.secrets.get(key, "")
        lines += [f"# {text}", f"{variable}={_env_value(value)}"]
    return "\n".join(lines) + "\n"


def write_starter(a: Answers, profile_path: Path, env_path: Path, *, force: bool) -> list[Path]:
    """Check, then write both files; raises InitError (and writes nothing) on any problem."""
    existing = [p for p in (profile_path, env_path) if p.exists()]
    if existing and not force:
        names = ", ".join(str(p) for p in existing)
        raise InitError(f"{names} already exists; nothing written (--force replaces it)")
    text = profile_text(a)
    try:
        parse_profile(yaml.safe_load(text), str(profile_path))
    except ProfileError as exc:
        raise InitError(str(exc)) from exc
    env = env_text(a)
    profile_path.parent.mkdir(parents=True, exist_ok=True)
    profile_path.write_text(text, encoding="utf-8")
    env_path.write_text(env, encoding="utf-8")
    os.chmod(env_path, 0o600)
    return [profile_path, env_path]
