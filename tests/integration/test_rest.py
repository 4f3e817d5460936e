"""The agent end to end through the REST channel: real Rasa server, real action server."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.support.stack import Stack, running_stack

pytestmark = pytest.mark.slow


def send(stack: Stack, sender: str, message: str, **extra: object) -> list[dict]:
    body = {"sender": sender, "message": message, **extra}
    resp = httpx.post(f"{stack.rasa_url}/webhooks/rest/webhook", json=body, timeout=60)
    assert resp.status_code == 200, resp.text
    return resp.json()


def texts(messages: list[dict]) -> str:
    return " ".join(m.get("text", "") for m in messages)


def test_english_greeting(stack: Stack) -> None:
    reply = send(stack, "rest-en", "hello")
    assert "How can I help you today?" in texts(reply)


def test_dutch_greeting(stack: Stack) -> None:
    reply = send(stack, "rest-nl", "hallo")
    assert "Waarmee kan ik je helpen?" in texts(reply)


def test_german_human_request_without_slack_says_so_in_german(stack: Stack) -> None:
    # no Slack configured: nobody is promised; the stay-assigned reply, in the visitor's language
    reply = send(stack, "rest-de", "ich möchte mit einem Menschen sprechen")
    assert "Gerade ist kein Mitarbeiter erreichbar" in texts(reply)
    customs = [m["custom"] for m in reply if "custom" in m]
    assert customs and customs[0]["kind"] == "handoff" and customs[0]["language"] == "de"


def test_language_is_kept_for_short_messages(stack: Stack) -> None:
    send(stack, "rest-keep", "hoe kan ik mijn wachtwoord opnieuw instellen")
    reply = send(stack, "rest-keep", "merci")  # French word, Dutch conversation
    assert "Graag gedaan" in texts(reply)


def test_browser_language_from_metadata_wins(stack: Stack) -> None:
    reply = send(stack, "rest-meta", "hi", metadata={"languages": ["fr-FR", "en"]})
    assert "Comment puis-je vous aider" in texts(reply)


def test_each_bot_message_is_one_message_with_its_custom_payload(stack: Stack) -> None:
    reply = send(stack, "rest-merge", "I want to talk to a human")
    assert len(reply) == 1
    assert reply[0]["text"] and reply[0]["custom"]["kind"] == "handoff"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'{"sender": "x", "message": ""}', 400),
        (b'{"sender": "x", "message": "   "}', 400),
        (json.dumps({"sender": "x", "message": "a" * 20_000}).encode(), 413),
        (b'{"sender": "x", "message": "\xff\xfe bad utf-8"}', 400),
        (b'{"sender": "x", "message": ', 400),
        (b'["not", "an", "object"]', 400),
        (b'{"message": "no sender"}', 400),
        (b'{"sender": "x", "message": 42}', 400),
        (b'{"sender": "x", "message": "hi", "metadata": "nope"}', 400),
        (b"x" * 70_000, 413),
    ],
)
def test_bad_input_gets_a_clean_4xx(stack: Stack, body: bytes, status: int) -> None:
    resp = httpx.post(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        content=body,
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert resp.status_code == status
    assert "error" in resp.json()
    assert "Traceback" not in resp.text


def test_action_server_down_yields_a_fallback_reply(tmp_path: Path) -> None:
    with running_stack(tmp_path / "down", start_actions=False, index=False) as down:
        resp = httpx.post(
            f"{down.rasa_url}/webhooks/rest/webhook",
            json={"sender": "down-1", "message": "how do I return my bike?"},
            timeout=60,
        )
        assert resp.status_code == 200
        reply = resp.json()
        assert reply, "a visitor must never get silence"
        assert "something went wrong" in texts(reply)
        assert reply[-1]["custom"]["kind"] == "error"
        # canned small talk still works without the action server
        greet = httpx.post(
            f"{down.rasa_url}/webhooks/rest/webhook",
            json={"sender": "down-2", "message": "hello"},
            timeout=60,
        ).json()
        assert "How can I help" in texts(greet)


@pytest.mark.parametrize(
    "message",
    [
        '"How long does delivery to Belgium take?"',  # pasted with its quotes
        'delivery: "Belgium" AND (time*)?',
    ],
)
def test_question_in_quotes_or_with_query_syntax_gets_a_normal_answer(
    stack: Stack, message: str
) -> None:
    reply = send(stack, f"rest-quoted-{len(message)}", message)
    custom = [m["custom"] for m in reply if "custom" in m][-1]
    assert custom["kind"] == "answer", reply
    urls = [s["url"] for s in custom["sources"]]
    assert any("shipping" in u or "delivery" in u for u in urls), urls
    assert "belgi" in texts(reply).lower()
