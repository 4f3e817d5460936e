"""The plain REST channel (`POST /webhooks/rest/webhook`), hardened.

Replaces Rasa's `rest` channel under the same name and URL, for scripts, tests and simple
clients. Differences from Rasa's: malformed requests get a 4xx with a reason instead of a 500,
messages are size-capped, each bot utterance is one message carrying its `custom` payload, and a
failing action server yields a polite fallback reply instead of an empty list (both from the
shared turn, `connectors.common.turn`). A REST client cannot be reached outside its request:
`push` says so, and the Slack handoff posts that back to the agent.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.common.delivery import NO_PUSH, DeliveryResult, OutboundMessage
from connectors.common.turn import run_turn
from connectors.replies import MergingCollector

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
MAX_MESSAGE_CHARS = 4000
MAX_SENDER_CHARS = 128


class RequestError(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def parse_message_request(
    body: bytes, *, max_chars: int = MAX_MESSAGE_CHARS
) -> tuple[str, str, dict[str, Any]]:
    """(sender, text, metadata) from a raw request body, or RequestError with a 4xx."""
    if len(body) > MAX_BODY_BYTES:
        raise RequestError(413, f"request body over {MAX_BODY_BYTES} bytes")
    try:
        payload = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise RequestError(400, "request body is not valid UTF-8") from None
    except ValueError:
        raise RequestError(400, "request body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise RequestError(400, "request body must be a JSON object")
    sender = payload.get("sender")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        raise RequestError(
            400, f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS}"
        )
    text = payload.get("message")
    if not isinstance(text, str):
        raise RequestError(400, "'message' must be a string")
    if not text.strip():
        raise RequestError(400, "'message' is empty")
    if len(text) > max_chars:
        raise RequestError(413, f"'message' is longer than {max_chars} characters")
    metadata = payload.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise RequestError(400, "'metadata' must be a JSON object")
    return sender.strip(), text, metadata


def error_response(exc: RequestError) -> HTTPResponse:
    return response.json({"error": exc.reason}, status=exc.status)


class RestInput(InputChannel):
    """Hardened drop-in for Rasa's RestInput (same name, same URL)."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("customer_agent_rest", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender, text, metadata = parse_message_request(request.body)
            except RequestError as exc:
                return error_response(exc)
            message = UserMessage(
                text, MergingCollector(), sender, input_channel=self.name(), metadata=metadata
            )
            messages = await run_turn(request.app, on_new_message, message)
            return response.json(messages)

        return webhook

    async def push(self, sender_id: str, message: OutboundMessage) -> DeliveryResult:
        """REST clients are only reached in the response to their own request."""
        return DeliveryResult.failure(f"rest: {NO_PUSH}")
