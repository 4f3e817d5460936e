"""Messenger feedback: after a conversation's first AI answer, "Was this helpful?" with two
quick replies whose payloads are the feedback shortcut naming the answer; the visitor's tap
reaches Rasa as that shortcut (the stack test below: the tracker store and the report)."""

from __future__ import annotations

import pytest

from connectors.messenger import MessengerInput
from tests.connectors.common.platform_stub import PlatformStub
from tests.connectors.feedback_agent import FeedbackAgent
from tests.connectors.test_messenger import (
    PAGE_TOKEN,
    PSID,
    SECRET,
    VERIFY,
    Harness,
    page,
    text_event,
)

UP = '/feedback{"helpful":"up","answer_id":"ans0000000000001x"}'
DOWN = '/feedback{"helpful":"down","answer_id":"ans0000000000001x"}'


@pytest.fixture
async def stub():
    s = PlatformStub(page_token=PAGE_TOKEN, app_secret=SECRET)
    await s.start()
    yield s
    await s.stop()


@pytest.fixture(autouse=True)
def data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("CUSTOMER_AGENT_DATA", str(tmp_path))
    monkeypatch.setenv("CUSTOMER_AGENT_CONNECTOR_BACKOFF_S", "0.01")
    monkeypatch.delenv("MESSENGER_FEEDBACK_PROMPT", raising=False)


def make(stub: PlatformStub) -> Harness:
    channel = MessengerInput.from_credentials(
        {
            "verify_token": VERIFY,
            "app_secret": SECRET,
            "page_access_token": PAGE_TOKEN,
            "api_base": stub.base_url,
        }
    )
    assert isinstance(channel, MessengerInput) and channel.config.feedback_prompt
    h = Harness(channel)
    h.agent = FeedbackAgent()  # type: ignore[assignment]
    h.app.ctx.agent = h.agent
    return h


def quick_reply(title: str, payload: str) -> dict:
    return text_event(title, quick_reply={"payload": payload})


async def test_quick_replies_carry_the_shortcut_and_a_tap_reaches_rasa(stub):
    h = make(stub)
    await h.post(page(text_event("When will my parcel arrive?")))
    answer, prompt = await stub.wait_for("graph", 2)
    assert answer.json["message"] == {"text": "Answer to: When will my parcel arrive?"}
    assert prompt.json == {
        "recipient": {"id": PSID},
        "messaging_type": "RESPONSE",
        "message": {
            "text": "Was this helpful?",
            "quick_replies": [
                {"content_type": "text", "title": "👍 Yes", "payload": UP},
                {"content_type": "text", "title": "👎 No", "payload": DOWN},
            ],
        },
    }
    await h.post(page(quick_reply("👎 No", DOWN)))
    assert h.agent.messages[-1].text == DOWN
    assert h.agent.messages[-1].input_channel == "messenger"
    thanks = (await stub.wait_for("graph", 3))[2]
    assert thanks.json["message"] == {"text": "Thanks for your feedback!"}
    await h.post(page(text_event("And to Belgium?")))  # one prompt per conversation
    assert [c.json["message"].get("quick_replies") for c in stub.graph[3:]] == [None]


async def test_typed_reply_to_the_prompt_also_counts_and_other_text_does_not(stub):
    h = make(stub)
    await h.post(page(text_event("When will my parcel arrive?")))
    await h.post(page(text_event("yes")))
    assert h.agent.messages[-1].text == UP
    h2 = make(stub)
    await h2.post(page(text_event("hi")))
    await h2.post(page(text_event("yes")))  # small talk has no prompt: "yes" is just text
    assert h2.agent.messages[-1].text == "yes"
