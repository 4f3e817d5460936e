"""The widget against the real agent: trained Rasa model + action server + indexed sample help
centre (the session's `stack`). A Dutch browser (`--lang=nl`) sees the Dutch greeting, gets an
answer with a source link, clicks a clarification button, keeps its history over a reload, and
sees hostile markup as text. Screenshots (desktop and mobile width) go to test-artifacts/.

The shop page is fulfilled by Playwright at the bot's own origin (the shared stack allows no
other origin); cross-origin embedding is covered by test_widget.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.support.stack import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

XSS = "<img src=x onerror=alert(1)>"
REPLY_TIMEOUT_MS = 60_000


def greeting_variations(language: str) -> list[str]:
    """What the trained bot greets with in a language: the domain's utter_greet is the persona
    greeting built from the stack's agent profile (connectors/nlg.py)."""
    from connectors.common.persona import greeting
    from connectors.common.profile import load_profile

    return [greeting(load_profile(ROOT / "bot" / "agent_profile.yml"), language)]


def shop_page(page: Page, bot_url: str) -> str:
    url = f"{bot_url}/demo-shop.html"
    html = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<title>Fennoway e-bikes</title></head>"
        "<body style='font-family:sans-serif;margin:32px'><h1>Fennoway e-bikes</h1>"
        "<p>Ride further, worry less.</p>"
        f"<script src='{bot_url}/webhooks/webchat/static/widget.js' data-server='{bot_url}'>"
        "</script></body></html>"
    )
    page.route(url, lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    return url


def bot_messages(page: Page) -> Any:
    return page.locator(".ca-row-bot")


def replies_to(page: Page, action: Any) -> list[Any]:
    """Runs `action` (typing, a click) and returns the bot rows that arrived in reply."""
    rows = bot_messages(page)
    before = rows.count()
    action()
    expect(rows.nth(before)).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    expect(page.locator(".ca-typing")).to_be_hidden(timeout=REPLY_TIMEOUT_MS)
    return [rows.nth(i) for i in range(before, rows.count())]


def say(page: Page, text: str) -> list[Any]:
    def action() -> None:
        page.get_by_role("textbox").fill(text)
        page.keyboard.press("Enter")

    return replies_to(page, action)


def test_dutch_visitor_against_the_real_agent(launch, stack, artifacts: Path):
    expected_greetings = greeting_variations("nl")
    assert expected_greetings, "bot/domain has no Dutch utter_greet"
    context = launch("nl").new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(shop_page(page, stack.rasa_url))
        page.locator(".ca-launcher").click()
        first = bot_messages(page).first.locator(".ca-bubble")
        expect(first).to_be_visible(timeout=REPLY_TIMEOUT_MS)
        assert first.text_content() in expected_greetings

        # a vague first question: the agent asks which topic, as buttons
        [clarify] = [
            r
            for r in say(page, "Hoe stuur ik het terug?")
            if r.get_attribute("data-kind") == "clarify"
        ]
        option = clarify.locator(".ca-option").first
        title = option.text_content() or ""
        assert title
        assert replies_to(page, option.click)
        expect(page.locator(".ca-bubble-user").last).to_have_text(title)
        expect(option).to_be_disabled()
        # the panel from the greeting on: the README's picture (copied to docs/widget.png)
        page.locator(".ca-log").evaluate("log => { log.scrollTop = 0; }")
        page.locator(".ca-panel").screenshot(path=str(artifacts / "widget-panel.png"))

        answers = [
            r
            for r in say(page, "Hoe lang is de garantie op de accu?")
            if r.get_attribute("data-kind") == "answer"
        ]
        assert answers, "no answer to a question the sample help centre covers"
        link = answers[0].locator(".ca-source").first
        expect(link).to_be_visible()
        assert (link.get_attribute("href") or "").startswith("https://help.fennoway.example/")
        page.screenshot(path=str(artifacts / "widget-desktop.png"))

        assert say(page, XSS)
        expect(page.locator(".ca-bubble-user").last).to_have_text(XSS)
        assert page.locator("#customer-agent-widget img[src='x']").count() == 0

        before = page.locator(".ca-bubble").all_text_contents()
        count = bot_messages(page).count()
        page.reload()
        expect(bot_messages(page)).to_have_count(count)
        assert page.locator(".ca-bubble").all_text_contents() == before
        assert dialogs == []

        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(artifacts / "widget-mobile.png"))
    except Exception:
        page.screenshot(path=str(artifacts / "widget-stack-failure.png"))
        raise
    finally:
        context.close()
