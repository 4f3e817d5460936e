"""`customer-agent check`: every check in order, one line each, problems with their fix.

Order: settings and profile (nothing else is meaningful without them), credentials, Slack (the
Web API only when its variables are well-formed and the handoff mode is slack), index, stores,
LLM endpoint. Exit code 1 when any line is a FAIL.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from knowledge.settings import Settings
from knowledge.setup import checks_config as config
from knowledge.setup import checks_services as services
from knowledge.setup.checks_index import check_index
from knowledge.setup.findings import Finding, fail, load_env
from knowledge.setup.slack import check_slack_api


def load_settings(env_file: Path | None) -> tuple[Settings | None, list[Finding]]:
    """The agent env's typed settings; a bad variable is one FAIL line per variable."""
    from pydantic import ValidationError

    try:
        return Settings(_env_file=env_file), []  # type: ignore[call-arg]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = str(error["loc"][0]) if error.get("loc") else "settings"
            if name.islower():  # a field without its own alias: the variable has the prefix
                name = f"CUSTOMER_AGENT_{name.upper()}"
            lines.append(fail(name, error["msg"], "correct it in .env or the environment"))
        return None, lines


def run_checks(
    env_file: Path | None = Path(".env"),
    profile_path: Path | None = None,
    echo: Callable[[str], None] | None = None,
) -> list[Finding]:
    """Run every check; `echo` gets each line as soon as it is known (the CLI prints them)."""
    findings: list[Finding] = []

    def add(items: list[Finding]) -> None:
        findings.extend(items)
        for item in items:
            if echo is not None:
                echo(item.line())

    env = load_env(env_file)
    settings, problems = load_settings(env_file)
    add(problems)
    bot_dir = settings.bot_dir if settings else Path("bot")
    profile_lines, profile = config.check_profile(profile_path or bot_dir / "agent_profile.yml")
    add(profile_lines)
    add(config.check_twilio(env) + config.check_meta(env) + config.check_email(env))
    add(config.check_assignment(env, profile))
    slack_lines = config.check_slack_env(env, profile)
    add(slack_lines)
    if (
        profile is not None
        and profile.handoff_mode == "slack"
        and config.slack_configured(env)
        and not any(f.failed for f in slack_lines)
    ):
        add(check_slack_api(env, profile))
    if settings is not None:
        add(check_index(settings))
    data_dir = settings.data_dir if settings else Path("var")
    add(
        [
            services.check_tracker_store(env, data_dir),
            services.check_lock_store(env),
            services.check_event_broker(env),
            services.check_url_db(
                env, "CUSTOMER_AGENT_STATE_DB", f"handoff state in SQLite under {data_dir}"
            ),
            services.check_url_db(env, "CUSTOMER_AGENT_ANALYTICS_DB", "not used"),
        ]
    )
    if settings is not None:
        add(services.check_llm(settings))
    return findings


def summary(findings: list[Finding]) -> str:
    failed = sum(f.failed for f in findings)
    if not failed:
        return "all checks passed"
    return f"{failed} problem{'s' if failed != 1 else ''} to fix (FAIL lines above)"
