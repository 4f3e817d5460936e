"""Channel assignment through the real WhatsApp channel and `run_turn`: a message to a number the
agent is not assigned to reaches the Slack stand-in as a handoff (reason channel_not_assigned)
and never the answer chain, the visitor reads one acknowledgement that a colleague will reply,
and the handoff cannot be handed back to the AI; without a usable Slack handoff the visitor is
told, in their language, that nobody answers there. The Rasa side is a stand-in that behaves
like Rasa's processor: it records the message, sets the language slot, and predicts (here:
runs the answer chain) only when the conversation is not paused."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.shared.core.events import SlotSet, UserUttered

from connectors.common.channel_assignment import accounts_of
from connectors.common.chat_channel import Inbound
from connectors.common.unassigned import NOBODY_TEXTS
from connectors.slack_handoff.conversation import FALLBACK_TEXTS
from connectors.whatsapp import TwilioConfig, WhatsAppInput
from tests.connectors.common.platform_stub import PlatformStub, running_stub
from tests.connectors.slack_handoff.harness import DEFAULT_HANDOFF, Harness, make_harness

ASSIGNED = "whatsapp:+14155238886"
SALES = "whatsapp:+14155230000"  # a second number, not assigned to the agent
VISITOR = "whatsapp:+31612345678"
ACK_NL = FALLBACK_TEXTS["utter_handoff_unassigned"]["nl"]


@dataclass
class RasaStandIn:
    """Rasa's processor for these tests: log the message (and the language slot), then predict
    only when the tracker is not paused; a prediction is the answer chain answering."""

    h: Harness
    answered: list[str] = field(default_factory=list)

    async def __call__(self, message: Any) -> None:
        store = self.h.agent.tracker_store
        tracker = await store.get_or_create_tracker(message.sender_id)
        tracker.update(UserUttered(message.text, {"name": "ask_question"}), self.h.agent.domain)
        tracker.update(SlotSet("language", "nl"), self.h.agent.domain)
        await store.save(tracker)
        if tracker.is_paused():
            return
        self.answered.append(message.text)
        custom = {"kind": "answer", "language": "nl", "sources": [], "options": []}
        await message.output_channel.send_response(
            message.sender_id, {"text": "Een antwoord.", "custom": custom}
        )


@dataclass
class Setup:
    h: Harness
    wa: WhatsAppInput
    twilio: PlatformStub
    rasa: RasaStandIn

    async def visitor_writes(self, to: str, text: str, sid: str) -> None:
        inbound = Inbound(VISITOR, sid, text, "text", {"to": to})
        await self.wa.accept(self.h.app, self.rasa, inbound)
        await self.wa.drain()
        await self.h.settle()


def write_profile(bot_dir: Path, handoff: dict[str, Any]) -> None:
    bot_dir.mkdir(parents=True, exist_ok=True)
    data = {"name": "Ava", "channels": {"whatsapp": ["+14155238886"]}, "handoff": handoff}
    (bot_dir / "agent_profile.yml").write_text(yaml.safe_dump(data), encoding="utf-8")


@contextlib.asynccontextmanager
async def started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, handoff: dict[str, Any]
) -> AsyncIterator[Setup]:
    """The Slack stand-in, the Twilio stub and the WhatsApp channel on the harness's app, all
    stopped on the way out even when the test fails."""
    monkeypatch.setenv("CUSTOMER_AGENT_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("CUSTOMER_AGENT_BOT_DIR", str(tmp_path / "bot"))
    write_profile(tmp_path / "bot", handoff)
    async with running_stub() as twilio:
        h = await make_harness(tmp_path, handoff)
        config = TwilioConfig(
            account_sid=twilio.account_sid,
            auth_token=twilio.auth_token,
            whatsapp_number=ASSIGNED,
            api_base=twilio.base_url,
            feedback_prompt=False,  # the prompt: tests/connectors/test_whatsapp_feedback.py
        )
        wa = WhatsAppInput(config)
        h.app.ctx.input_channels.append(wa)
        try:
            yield Setup(h, wa, twilio, RasaStandIn(h))
        finally:
            await wa.shutdown()
            await h.stop()
            await h.slack.stop()


@pytest.fixture
async def with_slack(tmp_path, monkeypatch) -> AsyncIterator[Setup]:
    async with started(tmp_path, monkeypatch, DEFAULT_HANDOFF) as s:
        assert s.h.service.usable  # the start-up check passed against the stand-in
        yield s


@pytest.fixture
async def without_slack(tmp_path, monkeypatch) -> AsyncIterator[Setup]:
    async with started(tmp_path, monkeypatch, {"mode": "stay_assigned"}) as s:
        yield s


async def test_an_unassigned_number_goes_to_slack_never_to_the_answer_chain(with_slack):
    s = with_slack
    await s.visitor_writes(SALES, "Wat kost een Flex-abonnement?", "SM" + "1" * 32)
    assert s.rasa.answered == []  # the answer chain never ran
    # no AI reply went to the visitor, only the acknowledgement that a person will reply
    assert [c.form["Body"] for c in s.twilio.twilio] == [ACK_NL]
    handoff = s.h.service.store.open_for_sync(VISITOR)
    assert handoff is not None and handoff.reason == "channel_not_assigned"
    assert handoff.input_channel == "whatsapp" and handoff.language == "nl"
    roots = [c for c in s.h.slack.of("chat.postMessage") if not c.args.get("thread_ts")]
    assert len(roots) == 1 and "channel not assigned" in str(roots[0].args).lower()
    # the next message is relayed into the thread, still without an AI answer
    await s.visitor_writes(SALES, "Hallo?", "SM" + "2" * 32)
    thread = [
        c.args.get("text", "")
        for c in s.h.slack.of("chat.postMessage")
        if c.args.get("thread_ts") == s.h.service.store.get_sync(handoff.id).thread_ts
    ]
    assert any("Hallo?" in t for t in thread), thread
    assert s.rasa.answered == [] and [c.form["Body"] for c in s.twilio.twilio] == [ACK_NL]
    # the root message offers no "Hand back to AI": the assistant does not answer here
    root = s.h.slack.of("chat.postMessage")[0].args
    actions = next(b for b in root["blocks"] if b["type"] == "actions")["elements"]
    assert [a["action_id"] for a in actions] == ["handoff_claim", "handoff_resolve"]


async def test_hand_back_is_refused_on_an_unassigned_channel(with_slack):
    """A forged or stale "Hand back to AI" click (or the thread command) on such a handoff
    tells the colleague why and changes nothing: the visitor is not told a false "back with
    the assistant"."""
    s = with_slack
    await s.visitor_writes(SALES, "Wat kost een Flex-abonnement?", "SM" + "5" * 32)
    handoff = s.h.service.store.open_for_sync(VISITOR)
    assert handoff is not None
    resp = await s.h.click("handoff_handback", handoff.id, "UBOB00001")
    assert resp.status_code == 200
    await s.h.settle()
    assert s.h.service.store.get_sync(handoff.id).state == "queued"
    [hint] = s.h.slack.of("chat.postEphemeral")
    assert "does not answer on this channel" in hint.args["text"]
    assert [c.form["Body"] for c in s.twilio.twilio] == [ACK_NL]  # nothing after the ack
    tracker = await s.h.agent.tracker_store.retrieve(VISITOR)
    assert tracker.is_paused() and tracker.get_slot("handoff_active")


async def test_the_assigned_number_is_answered_by_the_agent(with_slack):
    s = with_slack
    await s.visitor_writes(ASSIGNED, "Wat kost een Flex-abonnement?", "SM" + "3" * 32)
    assert s.rasa.answered == ["Wat kost een Flex-abonnement?"]
    assert [c.form["Body"] for c in s.twilio.twilio] == ["Een antwoord."]
    assert s.h.service.store.open_for_sync(VISITOR) is None
    assert s.h.slack.of("chat.postMessage") == []


async def test_without_slack_the_visitor_is_told_nobody_answers_there(without_slack):
    s = without_slack
    await s.visitor_writes(SALES, "Wat kost een Flex-abonnement?", "SM" + "4" * 32)
    assert s.rasa.answered == []
    assert [c.form["Body"] for c in s.twilio.twilio] == [NOBODY_TEXTS["nl"]]
    assert s.h.slack.of("chat.postMessage") == []
    tracker = await s.h.agent.tracker_store.retrieve(VISITOR)
    assert not tracker.is_paused() and not tracker.get_slot("handoff_active")
    assert tracker.get_slot("handoff_reason") == "channel_not_assigned"


async def test_the_whatsapp_webhook_tells_which_number_was_written_to(monkeypatch, tmp_path):
    """The account comes from Twilio's signed `To`: the metadata `run_turn` checks."""
    from tests.connectors import test_whatsapp as wa_tests

    monkeypatch.setenv("CUSTOMER_AGENT_DATA", str(tmp_path))
    async with running_stub(account_sid=wa_tests.ACCOUNT, auth_token=wa_tests.TOKEN) as stub:
        h = wa_tests.make(stub)
        resp = await h.post(wa_tests.inbound("Hallo", To=SALES))
    assert resp.status_code == 200
    [message] = h.agent.messages
    assert message.metadata["to"] == SALES
    assert accounts_of("whatsapp", message.metadata) == [SALES]


def test_accounts_come_from_each_connectors_metadata():
    assert accounts_of("messenger", {"page_id": "104512345678901"}) == ["104512345678901"]
    mail = {"email": {"from": "v@example.org", "to": ["help@acme.com", "sales@acme.com"]}}
    assert accounts_of("email", mail) == ["help@acme.com", "sales@acme.com"]
    assert accounts_of("webchat", {"to": "x"}) == [] and accounts_of("whatsapp", None) == []
