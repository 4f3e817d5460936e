"""The channel inside a real Sanic server: the poller starts and stops with it; health route."""

from __future__ import annotations

import asyncio

from sanic import Sanic

from connectors.email.channel import EmailInput


def test_server_start_runs_poller_and_health_reports_it(config, agent, smtp) -> None:
    channel = EmailInput(config)
    app = Sanic("email_health_ok")
    app.blueprint(channel.blueprint(agent), url_prefix="/webhooks/email")

    @app.listener("after_server_start")
    async def wait_connected(app, loop) -> None:
        for _ in range(100):
            if channel.poller is not None and channel.poller.connected:
                return
            await asyncio.sleep(0.05)

    _, response = app.test_client.get("/webhooks/email/")
    assert response.status == 200
    assert response.json == {"status": "ok"}
    # the server stopped: so did the poller
    assert channel._task is None
    assert channel.poller is not None and channel.poller.stop_event.is_set()


def test_unconfigured_channel_is_disabled_not_broken(monkeypatch) -> None:
    monkeypatch.delenv("EMAIL_IMAP_HOST", raising=False)
    channel = EmailInput.from_credentials({"imap_host": "${EMAIL_IMAP_HOST}"})
    assert channel.get_output_channel() is None
    app = Sanic("email_health_off")

    async def never(message) -> None:
        raise AssertionError("no mail without a mailbox")

    app.blueprint(channel.blueprint(never), url_prefix="/webhooks/email")
    _, response = app.test_client.get("/webhooks/email/")
    assert response.status == 200
    assert response.json == {"status": "disabled"}


def test_unreachable_mailbox_reports_unhealthy(config, agent) -> None:
    channel = EmailInput(config.__class__(**{**config.__dict__, "imap_port": 1}))
    app = Sanic("email_health_down")
    app.blueprint(channel.blueprint(agent), url_prefix="/webhooks/email")
    _, response = app.test_client.get("/webhooks/email/")
    assert response.status == 503
    assert response.json == {"status": "connecting"}
