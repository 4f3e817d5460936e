"""The visitor side of the Slack handoff in headless Chromium: a person joins (the header shows
their name and avatar), writes (a bubble under their name), and leaves (the header is the
assistant's again), each message pushed through `deliver_to_visitor` into the persistent
outbox and picked up by the widget's acknowledged poll (tests/browser/handoff_server.py)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BOT_PY
from tests.support.stack import ROOT, free_port, wait_http

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def handoff_bot(site: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOMER_AGENT_")}
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        CUSTOMER_AGENT_WEBCHAT_ORIGINS=site.origin,
        CUSTOMER_AGENT_DATA=str(tmp_path_factory.mktemp("handoff-data")),
    )
    log = tmp_path_factory.mktemp("handoff") / "server.log"
    proc = subprocess.Popen(
        [str(BOT_PY), str(Path(__file__).parent / "handoff_server.py"), str(port)],
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


def test_a_person_joins_writes_and_leaves_in_the_widget(launch, site, handoff_bot):
    context = launch("en").new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        page.goto(site(handoff_bot))
        page.locator(".ca-launcher").click()
        log = page.get_by_role("log")
        box = page.get_by_role("textbox")
        title, avatar = page.locator(".ca-title"), page.locator(".ca-header .ca-avatar")
        assistant_avatar = avatar.get_attribute("src")

        def ask(text: str) -> None:
            box.fill(text)
            page.keyboard.press("Enter")

        ask("I want a human")
        expect(log).to_contain_text("I'm passing you to a colleague.")
        ask("step:join")
        expect(page.locator(".ca-notice")).to_have_text("Sam Jansen joined the conversation")
        expect(title).to_have_text("Sam Jansen")
        expect(avatar).to_have_attribute(
            "src", f"{handoff_bot}/webhooks/webchat/static/avatar.svg?person=sam"
        )
        expect(page.locator(".ca-ai-note")).to_be_hidden()
        ask("step:say")
        bubble = page.locator(".ca-row-bot").last
        expect(bubble).to_contain_text("Hi, I am looking at your order now.")
        expect(bubble.locator(".ca-sr-only")).to_have_text("Sam Jansen: ")
        page.reload()  # the header and the messages survive a reload, nothing shown twice
        expect(title).to_have_text("Sam Jansen")
        expect(page.get_by_text("Hi, I am looking at your order now.")).to_have_count(1)
        ask("step:leave")
        expect(log).to_contain_text("You are back with the assistant.")
        expect(title).not_to_have_text("Sam Jansen")
        expect(avatar).to_have_attribute("src", assistant_avatar or "")
        expect(page.locator(".ca-ai-note")).to_be_visible()
    finally:
        context.close()
