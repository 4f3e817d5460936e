"""Start-up check of the Slack connection: one line per problem, never an exception.

Checked: the handoff settings (profile and env), `auth.test` (the token works), the token's
scopes (from the `x-oauth-scopes` response header), and that the bot can read every routed
channel (`conversations.history` answers `not_in_channel` when it was not invited: the most
common reason agents' replies never reach a visitor). Any problem makes the handoff unusable
(`service.usable = False`): the bot then says no colleague is available instead of promising a
person nobody will see.
"""

from __future__ import annotations

import asyncio
import logging

from slack_sdk.errors import SlackApiError

from connectors.slack_handoff.config import HandoffConfig, SlackSettings
from connectors.slack_handoff.outbox import SLACK_DOWN
from connectors.slack_handoff.scopes import REQUIRED_SCOPES
from connectors.slack_handoff.service import HandoffService

logger = logging.getLogger(__name__)
__all__ = ["REQUIRED_SCOPES", "run_startup_check", "settings_problems", "slack_problems"]


def settings_problems(
    config: HandoffConfig, config_errors: list[str], settings: SlackSettings
) -> list[str]:
    if config.mode != "slack":
        return []
    problems = list(config_errors) + list(settings.problems)
    problems += [f"{name} is not set" for name in settings.missing()]
    return problems


async def slack_problems(service: HandoffService, timeout_s: float = 15.0) -> list[str]:
    """What is wrong with the Slack workspace setup ([] when all is well)."""
    try:
        identity = await asyncio.wait_for(service.directory.identity(), timeout_s)
    except SlackApiError as exc:
        return [f"Slack auth.test failed: {exc.response.get('error')} (check SLACK_BOT_TOKEN)"]
    except SLACK_DOWN as exc:
        return [
            f"Slack unreachable at start-up ({type(exc).__name__}); handoffs wait in the outbox"
        ]
    problems = []
    if identity.scopes:
        missing = [s for s in REQUIRED_SCOPES if s not in identity.scopes]
        if missing:
            problems.append(f"Slack token lacks scopes: {', '.join(missing)} (see README)")
    for channel in service.config.routed_channels():
        try:
            await service.client.conversations_history(channel=channel, limit=1)
        except SlackApiError as exc:
            error = exc.response.get("error")
            hint = " (invite the bot: /invite @your-bot)" if error == "not_in_channel" else ""
            problems.append(f"Slack channel {channel}: {error}{hint}")
        except SLACK_DOWN as exc:
            problems.append(f"Slack channel {channel}: not checked ({type(exc).__name__})")
    return problems


def unreachable_only(problems: list[str]) -> bool:
    """Slack being down is no misconfiguration: handoffs still queue and post later."""
    return bool(problems) and all("unreachable" in p or "not checked" in p for p in problems)


async def run_startup_check(
    service: HandoffService, config_errors: list[str], settings: SlackSettings
) -> list[str]:
    """Log each problem on one line and decide whether handoffs may be promised."""
    if service.config.mode == "slack" and not settings.bot_token and not settings.app_token:
        # the shipped default: not an error, but say why no human will be promised
        logger.warning(
            "slack handoff: Slack not configured (set %s); visitors who ask for a person get"
            " the handoff-unavailable message",
            " and ".join(settings.missing()),
        )
        service.usable = False
        return [f"{name} is not set" for name in settings.missing()]
    problems = settings_problems(service.config, config_errors, settings)
    if service.config.mode == "slack" and not problems:
        problems = await slack_problems(service)
    if service.config.mode != "slack":
        logger.info("slack handoff: mode %s, Slack not used", service.config.mode)
    for problem in problems:
        logger.error("slack handoff: %s", problem)
    service.usable = service.config.mode == "slack" and (not problems or unreachable_only(problems))
    if service.config.mode == "slack" and not service.usable:
        logger.error("slack handoff: visitors are told no colleague is available until fixed")
    return problems
