"""POST helper against a real local server: retries on 429/5xx/network, none on other 4xx,
a timeout per attempt, backoff that doubles and honours Retry-After."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from connectors.common.outbound import OutboundError, RetryPolicy, post_with_retries
from tests.connectors.common.platform_stub import free_port

FAST = RetryPolicy(attempts=3, base_delay_s=0.01, max_delay_s=0.05, timeout_s=0.5)


class Server:
    def __init__(self, script: list[tuple[int, dict, dict]]) -> None:
        self.script = script  # (status, json body, headers) per request; last one repeats
        self.hits: list[dict] = []
        self.sleep_s = 0.0
        self.port = free_port()

    async def handle(self, request: web.Request) -> web.Response:
        self.hits.append({"json": await request.json(), "query": dict(request.query)})
        if self.sleep_s:
            await asyncio.sleep(self.sleep_s)
        status, body, headers = self.script[min(len(self.hits), len(self.script)) - 1]
        return web.json_response(body, status=status, headers=headers)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/send?token=secret"


@pytest.fixture
async def serve():
    runners = []

    async def start(script):
        server = Server(script)
        app = web.Application()
        app.router.add_post("/send", server.handle)
        runner = web.AppRunner(app, handler_cancellation=True)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", server.port).start()
        runners.append(runner)
        return server

    yield start
    for r in runners:
        await r.cleanup()


async def test_transient_errors_are_retried_until_success(serve):
    server = await serve([(503, {}, {}), (429, {}, {"Retry-After": "0"}), (200, {"ok": 1}, {})])
    resp = await post_with_retries(server.url, json={"a": 1}, policy=FAST)
    assert (resp.status, resp.body) == (200, {"ok": 1})
    assert len(server.hits) == 3
    assert all(h == {"json": {"a": 1}, "query": {"token": "secret"}} for h in server.hits)


async def test_client_errors_are_not_retried(serve):
    server = await serve([(400, {"error": {"code": 100}}, {})])
    with pytest.raises(OutboundError) as err:
        await post_with_retries(server.url, json={}, policy=FAST)
    assert (err.value.status, err.value.body) == (400, {"error": {"code": 100}})
    assert len(server.hits) == 1


async def test_attempts_are_bounded_and_the_token_is_not_in_the_error(serve):
    server = await serve([(500, {}, {})])
    with pytest.raises(OutboundError) as err:
        await post_with_retries(server.url, json={}, policy=FAST)
    assert len(server.hits) == 3
    assert "secret" not in str(err.value)
    assert err.value.status == 500


async def test_each_attempt_times_out(serve):
    server = await serve([(200, {}, {})])
    server.sleep_s = 2.0
    policy = RetryPolicy(attempts=2, base_delay_s=0.01, timeout_s=0.2)
    loop = asyncio.get_running_loop()
    start = loop.time()
    with pytest.raises(OutboundError, match="TimeoutError"):
        await post_with_retries(server.url, json={}, policy=policy)
    assert len(server.hits) == 2
    assert loop.time() - start < 1.5


async def test_unreachable_host_is_retried_then_reported():
    url = f"http://127.0.0.1:{free_port()}/nothing-listens"
    with pytest.raises(OutboundError, match="3 attempts"):
        await post_with_retries(url, data={"x": "1"}, policy=FAST)


def test_backoff_doubles_is_capped_and_honours_retry_after():
    policy = RetryPolicy(base_delay_s=1.0, max_delay_s=3.0)
    assert 0.75 <= policy.delay(1) <= 1.0
    assert 1.5 <= policy.delay(2) <= 2.0
    assert 2.25 <= policy.delay(5) <= 3.0
    assert policy.delay(1, retry_after=2.5) == 2.5
    assert policy.delay(1, retry_after=60) == 3.0
