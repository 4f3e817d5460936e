"""The test-chat page's sample batch: the agent profile's sample questions run as test cases.

`POST /webhooks/webchat/test/batch` (mounted by `connectors.webchat`, only when show-why is on,
like the test page itself) sends each sample question, in its language, through the whole Rasa
turn (NLU, rules, the action server's answer chain) in a fresh conversation, and checks the
reply with the same checks as `customer-agent test` (`connectors/common/cases.py`). Each
question expects an answer unless the cases file next to the agent profile
(`bot/test_cases.yml`) has a case with the same question: then its expectations apply.

Why not `run_turn`: its after-turn hooks would open a Slack handoff for every question that
hands off; the batch wants the agent's reply only. The conversations are stored like any other
under sender ids starting with `BATCH_SENDER_PREFIX`, which `customer-agent gaps` leaves
out. One batch runs at a time (429 otherwise), each question bounded by `TURN_TIMEOUT_S`.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.common.browser import BadRequest, BrowserGate
from connectors.common.cases import (
    BATCH_SENDER_PREFIX,
    Case,
    CasesError,
    Outcome,
    check,
    parse_cases,
)

logger = logging.getLogger(__name__)

TURN_TIMEOUT_S = 60.0
KINDS = ("answer", "clarify", "handoff")


class BatchChannel(Protocol):
    """What the batch needs of `connectors.webchat.WebChatInput`."""

    gate: BrowserGate
    show_why: bool
    profile_path: Path | None

    def profile(self) -> dict[str, Any]: ...


def cases_path(channel: BatchChannel) -> Path:
    """`test_cases.yml` beside the agent profile the channel reads."""
    from connectors.settings import get_settings

    profile = channel.profile_path or get_settings().profile_path
    return profile.parent / "test_cases.yml"


def configured_cases(path: Path) -> dict[str, Case]:
    """The cases file's cases by normalised question ({} when there is no file)."""
    if not path.exists():
        return {}
    import yaml

    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise CasesError([f"{path.name}: not valid YAML"]) from error
    return {c.question.casefold(): c for c in parse_cases(document)}


def sample_cases(samples: dict[str, list[str]], configured: dict[str, Case]) -> list[Case]:
    """One case per sample question (kind answer unless configured), in the profile's order."""
    out = []
    for language, questions in samples.items():
        for question in questions:
            known = configured.get(question.strip().casefold())
            base = known or Case(name=question, question=question)
            out.append(replace(base, language=language, channel="webchat"))
    return out


def observed(messages: list[dict[str, Any]]) -> tuple[str, str, list[Any]]:
    """(kind, text, sources) of one turn's bot messages: the last answer/clarify/handoff
    message decides the kind; the texts and sources of all of them are checked."""
    kinds = [(m.get("custom") or {}).get("kind") for m in messages]
    decided = [k for k in kinds if k in KINDS]
    kind = decided[-1] if decided else (str(kinds[-1] or "none") if kinds else "none")
    text = "\n".join(str(m.get("text") or "") for m in messages)
    sources = [s for m in messages for s in (m.get("custom") or {}).get("sources") or []]
    return kind, text, sources


async def run_case(
    case: Case, channel: BatchChannel, on_new_message: Callable[[UserMessage], Awaitable[Any]]
) -> Outcome:
    from connectors.webchat import WebChatOutput  # the module that mounts this one

    output = WebChatOutput(channel.show_why)
    message = UserMessage(
        case.question,
        output,
        BATCH_SENDER_PREFIX + uuid.uuid4().hex,
        input_channel="webchat",
        metadata={"languages": [case.language or "en"], "test_batch": True},
    )
    try:
        await asyncio.wait_for(on_new_message(message), TURN_TIMEOUT_S)
    except Exception as error:  # one failing turn is that case's result, not the batch's end
        logger.warning("webchat batch: turn failed question=%r: %s", case.question, error)
        return Outcome(case, "error", "", (), (f"turn failed: {type(error).__name__}",))
    kind, text, sources = observed(output.messages)
    return check(case, kind=kind, text=text, sources=sources)


def mount_batch(
    bp: Blueprint,
    channel: BatchChannel,
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
) -> None:
    """Add `POST /test/batch` to the web chat blueprint."""
    busy = asyncio.Lock()

    @bp.route("/test/batch", methods=["POST"])
    async def batch(request: Request) -> HTTPResponse:
        if not channel.show_why:
            return response.json({"error": "not found"}, status=404)
        try:
            channel.gate.check_origin(request)
            if busy.locked():
                raise BadRequest(429, "a batch is already running")
        except BadRequest as err:
            return channel.gate.error(request, err)
        path = cases_path(channel)
        try:
            cases = sample_cases(channel.profile()["sample_questions"], configured_cases(path))
        except CasesError as error:
            problems: dict[str, Any] = {
                "error": f"{path.name} has mistakes",
                "problems": error.problems,
            }
            return channel.gate.json(request, problems, status=500)
        async with busy:
            outcomes = [await run_case(case, channel, on_new_message) for case in cases]
        failed = sum(1 for o in outcomes if not o.passed)
        body: dict[str, Any] = {
            "passed": len(outcomes) - failed,
            "failed": failed,
            "cases": [o.to_dict() for o in outcomes],
        }
        return channel.gate.json(request, body)
