"""What an endpoint called from visitors' browsers checks before anything else: the calling
site (origin allow-list), the body (size-capped JSON object), and the CORS headers of the answer.

Why our own CORS headers: Rasa's sanic-cors middleware would answer for every route with the
server-wide settings; the web chat must allow exactly the sites it is embedded on. Setting the
request-context flag below makes sanic-cors leave our responses alone. Errors are a short JSON
message with a 4xx (`BadRequest`), never a stack trace.
"""

from __future__ import annotations

import json
from typing import Any

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

# sanic-cors skips its own header logic when this request-context flag is set.
SANIC_CORS_EVALUATED = "_sanic_cors_e"


class BadRequest(Exception):
    """A visitor-facing 4xx: a status and a short message, never a stack trace."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class BrowserGate:
    """Origin and body checks plus CORS-aware JSON answers for one browser-facing API."""

    def __init__(self, cors_origins: list[str], max_body_bytes: int) -> None:
        self.cors_origins = [o.rstrip("/") for o in cors_origins]
        self.max_body_bytes = max_body_bytes

    def origin_allowed(self, request: Request) -> bool:
        """This server itself, a configured site, or "*"; no Origin header: not a browser
        cross-site call, so CORS cannot apply."""
        origin = request.headers.get("origin")
        if not origin:
            return True
        origin = origin.rstrip("/")
        own = f"{request.scheme}://{request.host}"
        return origin == own or origin in self.cors_origins or "*" in self.cors_origins

    def check_origin(self, request: Request) -> None:
        if not self.origin_allowed(request):
            raise BadRequest(403, "origin not allowed")

    def read_json(self, request: Request) -> dict[str, Any]:
        """The request's JSON object from an allowed origin; BadRequest otherwise."""
        self.check_origin(request)
        body = request.body or b""
        if len(body) > self.max_body_bytes:
            raise BadRequest(413, "request too large")
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise BadRequest(400, "body must be JSON") from None
        if not isinstance(data, dict):
            raise BadRequest(400, "body must be a JSON object")
        return data

    def cors(self, request: Request, resp: HTTPResponse) -> HTTPResponse:
        origin = request.headers.get("origin")
        setattr(request.ctx, SANIC_CORS_EVALUATED, "1")
        if origin:
            resp.headers["Access-Control-Allow-Origin"] = origin.rstrip("/")
            resp.headers["Vary"] = "Origin"
        return resp

    def json(self, request: Request, body: Any, status: int = 200) -> HTTPResponse:
        return self.cors(request, response.json(body, status=status))

    def error(self, request: Request, err: BadRequest) -> HTTPResponse:
        # CORS headers even on a 403: the body reveals nothing, and the widget can then read the
        # status and tell the site owner why it stays hidden instead of failing mysteriously
        return self.cors(request, response.json({"error": err.message}, status=err.status))
