"""Thumbs under an answer in the real widget against the real agent (the session's `stack`):
the click reaches Rasa's tracker store as the feedback event naming the answer, its question
and sources, and the performance report counts it; a thumbs-up gives confirmed resolution."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from knowledge.cli import main
from knowledge.operations.events import TrackerSource, read_events, read_feedback
from knowledge.operations.lifecycle import conversations_of
from tests.browser.test_webchat_stack import REPLY_TIMEOUT_MS, bot_messages, say, shop_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUESTION = "How long does delivery to Belgium take?"


def report(stack: Any, capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> dict:
    monkeypatch.setenv("CUSTOMER_AGENT_TRACKER_STORE", "sqlite")
    monkeypatch.setenv("CUSTOMER_AGENT_TRACKER_DB", str(stack.data_dir / "tracker.db"))
    capsys.readouterr()
    assert main(["report", "--json", "--no-gaps", "--since", "1d", "--now", str(time.time())]) == 0
    return json.loads(capsys.readouterr().out)


def conversation_id(page: Page) -> str:
    raw = page.evaluate(
        "() => Object.keys(localStorage).filter(k => k.startsWith('customer-agent:'))"
        ".map(k => localStorage.getItem(k))[0]"
    )
    return str(json.loads(raw)["conversation_id"])


def ask_and_vote(page: Page, vote: str) -> dict:
    """Ask the question, click a thumb under the answer; returns the answer's payload."""
    [answer] = [r for r in say(page, QUESTION) if r.get_attribute("data-kind") == "answer"]
    box = answer.locator(".ca-feedback")
    expect(box).to_be_visible()
    thumb = box.locator(f".ca-thumb-{vote}")
    rows = bot_messages(page).count()
    with page.expect_response(lambda r: r.url.endswith("/webhooks/webchat/webhook")) as sent:
        thumb.click()
    assert sent.value.ok
    reply = sent.value.json()["messages"]
    assert [m["custom"]["kind"] for m in reply] == ["feedback"]
    expect(box).to_have_attribute("data-feedback", vote)
    expect(thumb).to_have_attribute("aria-pressed", "true")
    expect(box.locator(".ca-thumb")).to_have_count(2)
    assert box.locator(".ca-thumb:enabled").count() == 0  # one vote per answer
    assert bot_messages(page).count() == rows  # nothing new in the log
    stored = page.evaluate(
        "() => Object.keys(localStorage).filter(k => k.startsWith('customer-agent:'))"
        ".map(k => JSON.parse(localStorage.getItem(k)))[0].messages"
        ".filter(m => m.custom && m.custom.kind === 'answer')"
    )
    assert stored[-1]["feedback"] == vote  # kept over a reload
    assert reply[0]["custom"]["answer_id"] == stored[-1]["custom"]["answer_id"]
    return dict(stored[-1]["custom"])


def test_thumbs_reach_the_tracker_and_the_report(
    launch, stack, artifacts: Path, capsys, monkeypatch
) -> None:
    before = report(stack, capsys, monkeypatch)
    context = launch("en").new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    try:
        page.goto(shop_page(page, stack.rasa_url))
        page.locator(".ca-launcher").click()
        expect(bot_messages(page).first).to_be_visible(timeout=REPLY_TIMEOUT_MS)
        expect(bot_messages(page).first.locator(".ca-feedback")).to_have_count(0)  # greeting
        down = ask_and_vote(page, "down")
        down_id = conversation_id(page)
        page.locator(".ca-panel").screenshot(path=str(artifacts / "widget-feedback.png"))
        page.reload()
        expect(page.locator(".ca-feedback[data-feedback='down']")).to_have_count(1)

        page.locator(".ca-restart").click()  # a new conversation, thumbs up this time
        expect(bot_messages(page).first).to_be_visible(timeout=REPLY_TIMEOUT_MS)
        up = ask_and_vote(page, "up")
        up_id = conversation_id(page)
    except Exception:
        page.screenshot(path=str(artifacts / "widget-feedback-failure.png"))
        raise
    finally:
        context.close()

    source = TrackerSource("sqlite", path=stack.data_dir / "tracker.db")
    feedback = {f.sender_id: f for f in read_feedback(source) if f.sender_id in (down_id, up_id)}
    assert (feedback[down_id].helpful, feedback[up_id].helpful) == (False, True)
    assert feedback[down_id].answer_id == down["answer_id"]
    assert feedback[down_id].question == QUESTION and feedback[down_id].channel == "webchat"
    assert feedback[down_id].sources == tuple(s["url"] for s in down["sources"])
    assert feedback[up_id].answer_id == up["answer_id"] and feedback[down_id].language == "en"

    events = [e for e in read_events(source) if e.sender_id == down_id]
    (conv,) = conversations_of(events)
    assert conv.user_messages == 2 and conv.answers == 1  # greeting + question; feedback is none
    after = report(stack, capsys, monkeypatch)
    assert after["feedback"]["negative"] == before["feedback"]["negative"] + 1
    assert after["feedback"]["positive"] == before["feedback"]["positive"] + 1
    assert after["resolution"]["confirmed"] == before["resolution"]["confirmed"] + 1
