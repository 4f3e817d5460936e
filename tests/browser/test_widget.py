"""The widget in headless Chromium, embedded on another origin, against the real connector served
by Rasa's Sanic app with a scripted agent (human takeover and hostile markup on demand).
The same journey against the trained bot and the real action server is in test_webchat_stack.py."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"


def open_page(launch: Any, url: str, lang: str = "en", width: int = 1280, height: int = 800):
    context = launch(lang).new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    return context, page, dialogs


def ask(page: Page, text: str) -> None:
    page.get_by_role("textbox").fill(text)
    page.keyboard.press("Enter")


def test_dutch_visitor_full_journey(launch, site, scripted_bot, artifacts):
    context, page, dialogs = open_page(launch, site(scripted_bot), lang="nl")
    try:
        launcher = page.locator(".ca-launcher")
        expect(launcher).to_have_attribute("aria-label", "Open chat met Ava")
        launcher.click()
        expect(launcher).to_have_attribute("aria-expanded", "true")
        log = page.get_by_role("log")
        expect(log).to_contain_text("Hallo! Ik ben Ava van Fennoway")
        expect(page.locator(".ca-ai-note")).to_have_text("Aangedreven door AI")
        expect(page.get_by_role("textbox")).to_have_attribute("placeholder", "Typ je bericht…")

        ask(page, "How do returns work?")
        expect(log).to_contain_text("You can return your e-bike within 30 days.")
        link = page.get_by_role("link", name="Returns policy")
        expect(link).to_have_attribute("href", "https://help.fennoway.example/returns")
        expect(link).to_have_attribute("target", "_blank")
        # a javascript: source is never rendered as a link
        expect(page.get_by_role("link", name="bad link")).to_have_count(0)

        ask(page, "Tell me about my bike")
        battery = page.get_by_role("button", name="Battery")
        expect(battery).to_be_enabled()
        battery.click()
        expect(log).to_contain_text("The battery lasts about 80 km.")
        # the visitor's bubble shows the button title, not the payload
        expect(page.locator(".ca-bubble-user").last).to_have_text("Battery")
        expect(page.get_by_role("button", name="Battery")).to_be_disabled()

        ask(page, XSS)
        expect(page.locator(".ca-bubble-user").last).to_have_text(XSS)
        expect(page.locator(".ca-bubble-bot").last).to_have_text(f"You said: {XSS}")
        assert page.locator("#customer-agent-widget img[src='x']").count() == 0
        assert page.locator(".ca-log img").count() == 0

        cid = page.evaluate(
            "Object.keys(localStorage).map(k => JSON.parse(localStorage[k]).conversation_id)[0]"
        )
        assert re.fullmatch(r"[A-Za-z0-9_-]{32}", cid)
        before = page.locator(".ca-bubble").all_text_contents()
        page.screenshot(path=str(artifacts / "widget-scripted-desktop.png"))

        page.reload()
        expect(page.get_by_role("log")).to_contain_text("The battery lasts about 80 km.")
        assert page.locator(".ca-bubble").all_text_contents() == before
        cid_after = page.evaluate(
            "Object.keys(localStorage).map(k => JSON.parse(localStorage[k]).conversation_id)[0]"
        )
        assert cid_after == cid
        assert dialogs == []
    finally:
        context.close()


def test_human_takeover_is_visible(launch, site, scripted_bot):
    context, page, dialogs = open_page(launch, site(scripted_bot))
    try:
        page.locator(".ca-launcher").click()
        expect(page.get_by_role("log")).to_contain_text("Hi! I'm Ava")
        ask(page, "I want a human")
        expect(page.get_by_role("log")).to_contain_text("I'm passing you to a colleague.")
        # pushed later through the channel's output channel, picked up by the widget's poll
        expect(page.locator(".ca-notice")).to_have_text("You are now chatting with Sam")
        expect(page.locator(".ca-title")).to_have_text("Sam")
        expect(page.locator(".ca-ai-note")).to_be_hidden()
        expect(page.locator(".ca-bubble-bot").last).to_have_text(
            "Hi, Sam here <b>from support</b>."
        )
        assert page.locator(".ca-log b").count() == 0
        page.reload()
        expect(page.locator(".ca-title")).to_have_text("Sam")
        expect(page.locator(".ca-notice")).to_have_text("You are now chatting with Sam")
        assert dialogs == []
    finally:
        context.close()


def test_keyboard_only_use(launch, site, scripted_bot):
    context, page, _ = open_page(launch, site(scripted_bot), lang="de")
    try:
        launcher = page.locator(".ca-launcher")
        expect(launcher).to_have_attribute("aria-label", "Chat mit Ava öffnen")
        launcher.focus()
        page.keyboard.press("Enter")
        textbox = page.get_by_role("textbox", name="Ihre Nachricht")
        expect(textbox).to_be_focused()
        expect(page.get_by_role("dialog", name="Ava")).to_be_visible()
        page.keyboard.type("hallo")
        page.keyboard.press("Enter")
        expect(page.get_by_role("log")).to_contain_text("You said: hallo")
        page.keyboard.press("Escape")
        expect(page.get_by_role("dialog")).to_be_hidden()
        expect(launcher).to_be_focused()
    finally:
        context.close()


def test_mobile_width_fills_the_screen(launch, site, scripted_bot, artifacts):
    context, page, _ = open_page(launch, site(scripted_bot), width=390, height=844)
    try:
        page.locator(".ca-launcher").click()
        expect(page.get_by_role("log")).to_contain_text("Hi! I'm Ava")
        box = page.get_by_role("dialog").bounding_box()
        assert box is not None
        assert box["width"] == 390 and box["height"] == 844
        page.screenshot(path=str(artifacts / "widget-scripted-mobile.png"))
    finally:
        context.close()


def test_test_page_chips_and_show_why(launch, scripted_bot):
    context, page, _ = open_page(launch, f"{scripted_bot}/webhooks/webchat/test")
    try:
        expect(page.get_by_role("log")).to_contain_text("Hi! I'm Ava")  # opens by itself
        chip = page.get_by_role("button", name="How do returns work?")
        chip.click()
        expect(page.get_by_role("log")).to_contain_text("You can return your e-bike")
        why = page.locator("#why")
        expect(why).to_be_hidden()
        page.get_by_label("Show why").check()
        expect(why).to_be_visible()
        expect(why).to_contain_text("Decision: answer · confidence 0.82")
        expect(why).to_contain_text("Reason: grounded (answered from the passages below)")
        expect(why).to_contain_text("Returns policy · score 0.820 · en")
    finally:
        context.close()


def test_ui_strings_exist_in_every_language(launch, site, scripted_bot):
    context, page, _ = open_page(launch, site(scripted_bot))
    try:
        expect(page.locator(".ca-launcher")).to_be_visible()
        keys = page.evaluate(
            "Object.fromEntries(Object.entries(window.CustomerAgentI18n)"
            ".map(([k, v]) => [k, Object.keys(v).sort()]))"
        )
        assert sorted(keys) == ["de", "en", "es", "fr", "nl"]
        for lang, names in keys.items():
            assert names == keys["en"], lang
    finally:
        context.close()


def test_site_not_allowed_gets_no_widget(launch, site, scripted_bot):
    # same shop page, reached as http://localhost:PORT: an origin nobody allowed
    url = site(scripted_bot).replace("127.0.0.1", "localhost")
    context = launch("en").new_context()
    page = context.new_page()
    try:
        with page.expect_console_message(lambda m: "cors_origins" in m.text, timeout=15_000):
            page.goto(url)
        assert page.locator(".ca-launcher").count() == 0
    finally:
        context.close()


def test_bot_markdown_subset_is_rendered_as_nodes_never_as_html(launch, site, scripted_bot):
    context, page, dialogs = open_page(launch, site(scripted_bot))
    try:
        page.locator(".ca-launcher").click()
        expect(page.get_by_role("log")).to_contain_text("Hi! I'm Ava")
        ask(
            page,
            "**Tip** [docs](https://help.fennoway.example/a) [x](javascript:alert(1))"
            "\n- <b>one</b>",
        )
        bubble = page.locator(".ca-bubble-bot").last
        expect(bubble.locator("strong")).to_have_text("Tip")
        expect(bubble.get_by_role("link", name="docs")).to_have_attribute(
            "href", "https://help.fennoway.example/a"
        )
        expect(bubble.get_by_role("link", name="x")).to_have_count(0)
        expect(bubble).to_contain_text("[x](javascript:alert(1))")
        expect(bubble.locator("li")).to_have_text("<b>one</b>")
        assert bubble.locator("b").count() == 0
        assert dialogs == []
    finally:
        context.close()


def test_answer_with_a_table_lists_and_steps_renders_as_a_table(
    launch, site, scripted_bot, artifacts
):
    context, page, dialogs = open_page(launch, site(scripted_bot), width=1100, height=900)
    try:
        page.locator(".ca-launcher").click()
        expect(page.get_by_role("log")).to_contain_text("Hi! I'm Ava")
        ask(page, "What are the shipping costs?")
        bubble = page.locator(".ca-bubble-bot").last
        table = bubble.get_by_role("table")
        expect(table).to_have_count(1)
        expect(table.get_by_role("columnheader")).to_have_text(
            ["Country", "Delivery cost", "Delivery time"]
        )
        rows = table.locator("tbody tr")
        expect(rows).to_have_count(3)
        expect(rows.nth(1).locator("td")).to_have_text(["Belgium", "€49", "5–8 working days"])
        expect(rows.nth(2).locator("td strong")).to_have_text("€79")
        # markup inside a cell is text, never an element
        expect(rows.nth(2).locator("td").nth(2)).to_contain_text("<img src=x onerror=alert(3)>")
        assert bubble.locator("img").count() == 0
        expect(bubble.locator("ul > li")).to_have_count(2)
        expect(bubble.locator("ul > li strong")).to_have_text("before 15:00")
        steps = bubble.locator("ol")
        expect(steps).to_have_attribute("start", "3")
        expect(steps.locator("li")).to_have_text(
            ["Check the tracking link under My account > My orders.", "Contact us if it is late."]
        )
        expect(bubble.get_by_role("link", name="Renting a spare battery")).to_have_attribute(
            "href", "https://help.fennoway.example/en/battery-rental"
        )
        assert "|" not in bubble.inner_text() and "**" not in bubble.inner_text()
        sources = page.locator(".ca-sources").last
        expect(sources.get_by_role("link")).to_have_text(["Shipping costs and delivery times"])
        expect(sources.locator(".ca-source-title")).to_have_text("Delivery handbook")
        assert dialogs == []
        # docs/widget-table.png (README) is a copy of this screenshot
        page.locator(".ca-panel").screenshot(path=str(artifacts / "widget-table.png"))
    finally:
        context.close()
