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
import yaml
from playwright.sync_api import Page, expect

from tests.support.stack import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

XSS = "<img src=x onerror=alert(1)>"
REPLY_TIMEOUT_MS = 60_000


def greeting_variations(language: str) -> list[str]:
    """The domain's utter_greet texts for a language (what the trained bot may say)."""
    texts = []
    for path in sorted((ROOT / "bot" / "domain").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for variation in (data.get("responses") or {}).get("utter_greet", []):
            conditions = variation.get("condition") or []
            if any(c.get("name") == "language" and c.get("value") == language for c in conditions):
                texts.append(variation["text"])
    return texts


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

        page.get_by_role("textbox").fill("Hoe lang is de garantie op de accu?")
        page.keyboard.press("Enter")
        expect(bot_messages(page)).to_have_count(2, timeout=REPLY_TIMEOUT_MS)
        answer = bot_messages(page).nth(1)
        assert answer.get_attribute("data-kind") == "answer"
        link = answer.locator(".ca-source").first
        expect(link).to_be_visible()
        assert (link.get_attribute("href") or "").startswith("https://help.fennoway.example/")

        page.get_by_role("textbox").fill("Ik heb een vraag over mijn fiets")
        page.keyboard.press("Enter")
        expect(bot_messages(page)).to_have_count(3, timeout=REPLY_TIMEOUT_MS)
        clarify = bot_messages(page).nth(2)
        assert clarify.get_attribute("data-kind") == "clarify"
        option = clarify.locator(".ca-option").first
        title = option.text_content()
        page.screenshot(path=str(artifacts / "widget-desktop.png"))
        option.click()
        expect(page.locator(".ca-bubble-user").last).to_have_text(title or "")
        expect(bot_messages(page)).to_have_count(4, timeout=REPLY_TIMEOUT_MS)
        expect(option).to_be_disabled()

        page.get_by_role("textbox").fill(XSS)
        page.keyboard.press("Enter")
        expect(page.locator(".ca-bubble-user").last).to_have_text(XSS)
        expect(bot_messages(page)).to_have_count(5, timeout=REPLY_TIMEOUT_MS)
        assert page.locator("#customer-agent-widget img[src='x']").count() == 0

        before = page.locator(".ca-bubble").all_text_contents()
        page.reload()
        expect(bot_messages(page)).to_have_count(5)
        assert page.locator(".ca-bubble").all_text_contents() == before
        assert dialogs == []

        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(artifacts / "widget-mobile.png"))
    finally:
        context.close()
