"""Browser fixtures: Debian's Chromium driven by Playwright (no browser download), a host page
on another origin that embeds the widget with one script tag, and screenshot artefacts."""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.stack import ROOT, free_port, wait_http

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts"
BOT_PY = ROOT / ".venv-bot" / "bin" / "python"
TEST_PROFILE = Path(__file__).parent / "fixtures" / "agent_profile.yml"


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("Debian chromium missing: apt-get install -y chromium (make setup does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def launch(playwright_instance: Any) -> Iterator[Callable[[str], Any]]:
    """Launches Chromium with a browser language, reusing one browser per language.

    `--lang` sets the UI locale; headless Chromium takes navigator.languages (and the
    Accept-Language header) from `--accept-lang`, so both are passed."""
    browsers: dict[str, Any] = {}

    def _launch(lang: str) -> Any:
        if lang not in browsers:
            browsers[lang] = playwright_instance.chromium.launch(
                executable_path=str(CHROMIUM),
                args=[*CHROMIUM_ARGS, f"--lang={lang}", f"--accept-lang={lang}"],
            )
        return browsers[lang]

    yield _launch
    for browser in browsers.values():
        browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], str]]:
    """A customer's web site on its own origin; `site(bot_url)` returns a page embedding the
    widget from `bot_url` with the documented single script tag."""
    root = tmp_path_factory.mktemp("site")
    port = free_port()
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", port), functools.partial(_QuietHandler, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def page_for(bot_url: str) -> str:
        name = f"shop-{abs(hash(bot_url))}.html"
        (root / name).write_text(
            "<!doctype html><html><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            "<title>Fennoway e-bikes</title></head><body style='font-family:sans-serif'>"
            "<h1>Fennoway e-bikes</h1><p>Ride further.</p>"
            f"<script src='{bot_url}/webhooks/webchat/static/widget.js' "
            f"data-server='{bot_url}'></script></body></html>",
            encoding="utf-8",
        )
        return f"http://127.0.0.1:{port}/{name}"

    page_for.origin = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
    yield page_for
    server.shutdown()


@pytest.fixture(scope="session")
def scripted_bot(site: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Rasa's real Sanic app with the web chat channel and a scripted agent (scripted_server)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOMER_AGENT_")}
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        CUSTOMER_AGENT_SHOW_WHY="true",
        CUSTOMER_AGENT_WEBCHAT_ORIGINS=site.origin,
        # the web chat outbox is persistent: keep it out of the project's ./var
        CUSTOMER_AGENT_DATA=str(tmp_path_factory.mktemp("scripted-data")),
    )
    log = tmp_path_factory.mktemp("scripted") / "server.log"
    proc = subprocess.Popen(
        [
            str(BOT_PY),
            str(Path(__file__).parent / "scripted_server.py"),
            str(port),
            str(TEST_PROFILE),
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/webhooks/webchat/", 120, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
