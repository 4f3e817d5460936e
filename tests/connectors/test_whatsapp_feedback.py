"""WhatsApp feedback: "Was this helpful?" once per conversation, after its first AI answer, and
the visitor's "1"/"2"/yes/no/thumb right after it sent to Rasa as the feedback shortcut."""

from __future__ import annotations

import time

import pytest

from connectors.whatsapp import CHANNEL, WhatsAppInput
from tests.connectors.common.platform_stub import PlatformStub, connector_env_fixture, stub_fixture
from tests.connectors.feedback_agent import FeedbackAgent
from tests.connectors.test_whatsapp import (
    ACCOUNT,
    TOKEN,
    TWILIO_ENV,
    Harness,
    credentials,
    inbound,
)

PROMPT = "Was this helpful? Reply 1 (yes) or 2 (no)."
DOWN = '/feedback{"helpful":"down","answer_id":"ans0000000000001x"}'


stub = stub_fixture(account_sid=ACCOUNT, auth_token=TOKEN)
env = connector_env_fixture(TWILIO_ENV, CUSTOMER_AGENT_CONNECTOR_TIMEOUT_S="3")


def make(stub: PlatformStub, prompt: str = "true") -> Harness:
    channel = WhatsAppInput.from_credentials(credentials(stub, feedback_prompt=prompt))
    assert isinstance(channel, WhatsAppInput)
    h = Harness(channel)
    h.agent = FeedbackAgent()  # type: ignore[assignment]
    h.app.ctx.agent = h.agent
    return h


def bodies(stub: PlatformStub) -> list[str]:
    return [c.form["Body"] for c in stub.twilio]


async def test_prompt_once_per_conversation_and_a_number_is_the_feedback(stub):
    h = make(stub)
    await h.post(inbound("How do refunds work?"))
    assert bodies(stub) == ["Answer to: How do refunds work?", PROMPT]
    await h.post(inbound("2"))
    assert (
        h.agent.messages[-1].text == '/feedback{"helpful":"down","answer_id":"ans0000000000001x"}'
    )
    assert bodies(stub)[-1] == "Thanks for your feedback!"
    await h.post(inbound("And to Belgium?"))  # second answer: no second prompt
    assert bodies(stub)[-1] == "Answer to: And to Belgium?" and bodies(stub).count(PROMPT) == 1
    await h.post(inbound("1"))  # no prompt open: just text
    assert h.agent.messages[-1].text == "1"


async def test_no_prompt_after_small_talk_clarification_or_handoff(stub):
    h = make(stub)
    for text in ("hi", "clarify", "person"):
        await h.post(inbound(text))
    assert PROMPT not in bodies(stub)
    await h.post(inbound("the order"))
    assert bodies(stub)[-2:] == ["Answer to: the order", PROMPT]


@pytest.mark.parametrize(
    ("reply", "helpful"),
    [
        ("ja", "up"),
        ("Nee.", "down"),
        ("👍🏽", "up"),
        ("👎", "down"),
        ("YES", "up"),
        ("non", "down"),
    ],
)
async def test_words_and_thumbs_in_five_languages(stub, reply, helpful):
    h = make(stub)
    await h.post(inbound("How do refunds work?"))
    await h.post(inbound(reply))
    assert h.agent.messages[-1].text == (
        '/feedback{"helpful":"%s","answer_id":"ans0000000000001x"}' % helpful  # noqa: UP031
    )


async def test_anything_else_after_the_prompt_is_a_normal_message(stub):
    h = make(stub)
    await h.post(inbound("How do refunds work?"))
    await h.post(inbound("and what about exchanges?"))
    assert h.agent.messages[-1].text == "and what about exchanges?"
    await h.post(inbound("2"))  # the prompt was answered by another question: forgotten
    assert h.agent.messages[-1].text == "2"


async def test_the_dutch_prompt_and_a_new_prompt_after_24h_quiet(stub):
    h = make(stub)
    await h.post(inbound("bezorging naar België?"))
    assert bodies(stub)[-1] == "Was dit nuttig? Antwoord 1 (ja) of 2 (nee)."
    sender = h.agent.messages[-1].sender_id
    await h.post(inbound("bezorging naar Duitsland?"))
    assert bodies(stub).count("Was dit nuttig? Antwoord 1 (ja) of 2 (nee).") == 1
    # the visitor last wrote 25 h ago: the next message starts a new conversation
    h.channel.prompts.visitor_wrote_sync(CHANNEL, sender, at=time.time() - 25 * 3600)
    await h.post(inbound("bezorging naar Frankrijk?"))
    assert bodies(stub).count("Was dit nuttig? Antwoord 1 (ja) of 2 (nee).") == 2


async def test_the_prompt_can_be_switched_off(stub):
    h = make(stub, prompt="false")
    await h.post(inbound("How do refunds work?"))
    assert bodies(stub) == ["Answer to: How do refunds work?"]
