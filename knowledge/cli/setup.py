"""`customer-agent init` (starter profile and .env) and `customer-agent check` (is everything
set up?). The logic lives in `knowledge/setup/`; this module only parses arguments and prints."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

SECRET_FLAGS = (
    ("--slack-bot-token", "slack_bot_token"),
    ("--slack-signing-secret", "slack_signing_secret"),
    ("--slack-channel", "slack_channel"),
    ("--twilio-account-sid", "twilio_account_sid"),
    ("--twilio-auth-token", "twilio_auth_token"),
    ("--twilio-whatsapp-number", "twilio_whatsapp_number"),
)


def register(sub: Any) -> None:
    p = sub.add_parser("init", help="write a starter bot/agent_profile.yml and .env")
    p.add_argument("--name", default="Ava", help="the agent's name (default Ava)")
    p.add_argument("--company", default="", help="your company's name")
    p.add_argument("--role", default="customer support")
    p.add_argument("--personality", default="friendly")
    p.add_argument("--languages", default="en", help="comma-separated, e.g. en,nl")
    for flag, dest in SECRET_FLAGS:
        p.add_argument(flag, dest=dest, default="")
    p.add_argument("--profile", type=Path, help="default: <bot dir>/agent_profile.yml")
    p.add_argument("--env-file", type=Path, default=Path(".env"))
    p.add_argument("--yes", action="store_true", help="no questions: flags and defaults only")
    p.add_argument("--force", action="store_true", help="replace existing files")
    p.set_defaults(handler=run_init)

    c = sub.add_parser("check", help="check profile, credentials, index, stores, LLM, Slack")
    c.add_argument("--profile", type=Path, help="default: <bot dir>/agent_profile.yml")
    c.add_argument("--env-file", type=Path, default=Path(".env"))
    c.set_defaults(handler=run_check)


def run_init(args: argparse.Namespace) -> int:
    from knowledge.settings import Settings
    from knowledge.setup.starter import Answers, InitError, ask, write_starter

    answers = Answers(
        name=args.name,
        company=args.company,
        role=args.role.lower(),
        personality=args.personality.lower(),
        languages=tuple(x.strip() for x in args.languages.split(",") if x.strip()) or ("en",),
        secrets={dest: getattr(args, dest) for _, dest in SECRET_FLAGS if getattr(args, dest)},
    )
    if not args.yes and sys.stdin.isatty():
        from getpass import getpass

        answers = ask(answers, input, getpass)
    profile = args.profile or Settings(_env_file=None).bot_dir / "agent_profile.yml"  # type: ignore[call-arg]
    try:
        written = write_starter(answers, profile, args.env_file, force=args.force)
    except InitError as exc:
        for line in str(exc).splitlines():
            print(f"init: {line}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    print("next: customer-agent check")
    return 0


def run_check(args: argparse.Namespace) -> int:
    from knowledge.setup.check import run_checks, summary

    findings = run_checks(args.env_file, args.profile, echo=print)
    print(summary(findings))
    return 1 if any(f.failed for f in findings) else 0
