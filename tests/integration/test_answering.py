"""Answer turns end to end through the REST channel: real Rasa, real action server, real index.

`rasa test` (tests/conversations) checks the rules and stories predict the right actions; this
checks what a visitor actually gets back from the running agent over the shipped sample help
centre: answers with their sources, follow-up questions with buttons, and the handoff.
"""

from __future__ import annotations

import json

import httpx
import pytest

from tests.support.stack import Stack

pytestmark = pytest.mark.slow


def turn(stack: Stack, sender: str, message: str) -> dict:
    """One visitor message; the bot's reply (one message carrying its `custom` payload)."""
    resp = httpx.post(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": message},
        timeout=60,
    )
    assert resp.status_code == 200, resp.text
    replies = [m for m in resp.json() if "custom" in m]
    assert replies, resp.json()
    return replies[-1]


def test_english_answer_cites_the_page_it_quotes(stack: Stack) -> None:
    reply = turn(stack, "answer-en", "How do I reset my password?")
    custom = reply["custom"]
    assert (custom["kind"], custom["language"]) == ("answer", "en")
    urls = [s["url"].split("#")[0] for s in custom["sources"]]
    assert urls[0] == "https://help.fennoway.example/en/account-and-password"
    assert all("/en/" in u for u in urls)
    assert "password" in reply["text"].lower()


def test_dutch_answer_quotes_the_dutch_page(stack: Stack) -> None:
    reply = turn(stack, "answer-nl", "Hoe lang is de garantie op de accu?")
    custom = reply["custom"]
    assert (custom["kind"], custom["language"]) == ("answer", "nl")
    assert custom["sources"] and all("/nl/" in s["url"] for s in custom["sources"])
    assert "garantie" in reply["text"].lower()


def test_vague_question_gets_buttons_and_the_chosen_topic_is_answered(stack: Stack) -> None:
    ask = turn(stack, "clarify-en", "How do I cancel it?")
    assert ask["custom"]["kind"] == "clarify"
    options = ask["custom"]["options"]
    assert len(options) >= 2 and [b["title"] for b in ask.get("buttons", [])] == options
    chosen = next(o for o in options if "order" in o.lower())
    payload = "/choose_option" + json.dumps({"option": chosen})
    answer = turn(stack, "clarify-en", payload)
    assert answer["custom"]["kind"] == "answer"
    assert [s["title"] for s in answer["custom"]["sources"]] == [chosen]


def test_unnamed_thing_gets_a_follow_up_question_naming_it(stack: Stack) -> None:
    ask = turn(stack, "referent-en", "What does this plan cost per month?")
    assert ask["custom"]["kind"] == "clarify"
    assert ask["text"] == "Which plan do you mean?"


def test_two_follow_ups_that_do_not_help_end_in_a_handoff(stack: Stack) -> None:
    assert turn(stack, "fail-en", "How do I reset it?")["custom"]["kind"] == "clarify"
    again = turn(stack, "fail-en", "the blue thing")
    assert again["custom"]["kind"] == "clarify"
    assert again["text"] == "I still can't find it. Could you describe it in other words?"
    reply = turn(stack, "fail-en", "no idea, the thing with the light")
    assert reply["custom"]["kind"] == "handoff"


def decided(stack: Stack, conversation: str) -> list[tuple[str, str]]:
    """(kind, reason) of every decision the answer chain recorded for a conversation."""
    import sqlite3

    with sqlite3.connect(stack.data_dir / "insights.sqlite3") as db:
        return db.execute(
            "SELECT kind, reason FROM decisions WHERE conversation_id = ?", (conversation,)
        ).fetchall()


@pytest.mark.parametrize(
    ("sender", "question"),
    [
        ("guard-1", "Do you sell gift cards?"),  # DIET alone: chitchat
        ("guard-2", "What will happen if I exceed the limit?"),  # DIET alone: a human
        ("guard-3", "¿Venden tarjetas regalo?"),  # DIET alone: greet
        # "DIET alone": the model trained before connectors/nlu/small_talk_guard.py existed
    ],
)
def test_questions_that_look_like_small_talk_reach_the_answer_chain(
    stack: Stack, sender: str, question: str
) -> None:
    reply = turn(stack, sender, question)
    assert reply["custom"]["kind"] in ("answer", "clarify", "handoff")
    assert "AI assistant" not in reply["text"]
    assert decided(stack, sender), "the answer chain never saw the question"


def test_how_do_i_cancel_asks_which_of_the_two_it_means(stack: Stack) -> None:
    ask = turn(stack, "cancel-en", "How do I cancel?")
    assert ask["custom"]["kind"] == "clarify"
    assert set(ask["custom"]["options"]) == {
        "Cancel or change an order",
        "Pause or cancel your Fennoway Flex subscription",
    }
