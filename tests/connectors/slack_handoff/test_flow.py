"""The handoff end to end at the connector level: the real channel on a real Sanic server, a real
Rasa agent's tracker, the local Slack API; the visitor's channel is a recorded push."""

from __future__ import annotations

import asyncio

from rasa.shared.core.events import BotUttered, SessionStarted

from tests.connectors.slack_handoff.harness import UNASSIGNED, Harness, make_harness
from tests.connectors.slack_handoff.slack_api import BOT_ID, BOT_USER

SENDER = "visitor-conversation-0001"


async def opened(h: Harness, sender: str = SENDER):
    await h.visitor_asks_for_human(sender)
    await h.settle()
    handoff = h.service.store.open_for_sync(sender)
    assert handoff is not None and handoff.thread_ts is not None
    return handoff


def reply(h, handoff, text: str, ts: str, user: str = "UANN00001", **extra):
    return h.post_event(
        {
            "type": "message",
            "channel": handoff.slack_channel,
            "user": user,
            "text": text,
            "ts": ts,
            "thread_ts": handoff.thread_ts,
            **extra,
        }
    )


async def test_open_posts_root_with_buttons_and_masked_transcript_in_thread(harness):
    tracker = await harness.agent.tracker_store.get_or_create_tracker(SENDER)
    from rasa.shared.core.events import UserUttered

    tracker.update(UserUttered("mijn kaart 4111 1111 1111 1111 werkt niet"))
    await harness.agent.tracker_store.save(tracker)
    handoff = await opened(harness)
    root = harness.slack.of("chat.postMessage")[0].args
    assert root["channel"] == UNASSIGNED and "thread_ts" not in root
    actions = next(b for b in root["blocks"] if b["type"] == "actions")["elements"]
    assert [a["action_id"] for a in actions] == [
        "handoff_claim",
        "handoff_resolve",
        "handoff_handback",
    ]
    assert all(a["value"] == handoff.id for a in actions)
    text = str(root["blocks"])
    assert "Visitor asked for a person" in text and "nl" in text and "Web chat" in text
    transcript = harness.slack.of("chat.postMessage")[1].args
    assert transcript["thread_ts"] == handoff.thread_ts
    assert "4111" not in transcript["text"] and "[card number]" in transcript["text"]
    assert "ik wil een mens spreken" in transcript["text"]


async def test_visitor_message_goes_into_the_thread_masked(harness):
    handoff = await opened(harness)
    await harness.turn(SENDER, "mijn IBAN is NL91ABNA0417164300 <!channel>", [])
    await harness.settle()
    last = harness.slack.of("chat.postMessage")[-1].args
    assert last["thread_ts"] == handoff.thread_ts
    assert "NL91ABNA0417164300" not in last["text"] and "&lt;!channel&gt;" in last["text"]


async def test_agent_reply_reaches_visitor_claims_and_is_recorded(harness):
    handoff = await opened(harness)
    resp = await reply(harness, handoff, "Hoi, ik help je verder.", "1700000100.000200")
    assert resp.status_code == 200
    await harness.settle()
    joined, message = harness.pushed[0][1], harness.pushed[1][1]
    assert joined.event == "agent_joined" and joined.agent.name == "Ann"
    assert joined.agent.avatar_url == "https://avatars.example/ann.png"
    assert "Ann" in joined.text
    assert (message.text, message.event, message.agent.name) == (
        "Hoi, ik help je verder.",
        "message",
        "Ann",
    )
    assert harness.service.store.get_sync(handoff.id).state == "assigned"
    assert harness.slack.of("chat.update")  # the root message shows the claim
    tracker = await harness.agent.tracker_store.retrieve(SENDER)
    human = [e for e in tracker.events if isinstance(e, BotUttered) and e.metadata.get("human")]
    assert human[-1].text == "Hoi, ik help je verder."
    assert human[-1].metadata["human"] == {"name": "Ann", "slack_user": "UANN00001"}


async def test_notes_bots_and_edits_are_not_relayed(harness):
    handoff = await opened(harness)
    await reply(harness, handoff, "note: klant is boos", "1700000100.000300")
    await reply(harness, handoff, "NOTE: ook intern", "1700000100.000301")
    await reply(harness, handoff, "from a bot", "1700000100.000302", bot_id=BOT_ID)
    await reply(harness, handoff, "our own", "1700000100.000303", user=BOT_USER)
    await reply(harness, handoff, "edited", "1700000100.000304", subtype="message_changed")
    await harness.settle()
    assert harness.pushed == []
    await reply(harness, handoff, "to channel", "1700000100.000305", subtype="thread_broadcast")
    await harness.settle()
    assert [m.text for _, m in harness.pushed if m.event == "message"] == ["to channel"]


async def test_retried_and_duplicated_events_are_relayed_once(harness):
    handoff = await opened(harness)
    await reply(harness, handoff, "een keer", "1700000100.000400")
    await reply(harness, handoff, "een keer", "1700000100.000400", **{})  # new event id, same ts
    resp = await harness.post_event(
        {
            "type": "message",
            "channel": handoff.slack_channel,
            "user": "UANN00001",
            "text": "een keer",
            "ts": "1700000100.000400",
            "thread_ts": handoff.thread_ts,
        },
        **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert resp.status_code == 200
    await harness.settle()
    assert [m.text for _, m in harness.pushed if m.event == "message"] == ["een keer"]


async def test_top_level_message_and_files_get_ephemeral_hints(harness):
    handoff = await opened(harness)
    await harness.post_event(
        {"type": "message", "channel": UNASSIGNED, "user": "UBOB00001", "text": "hoi?", "ts": "5.1"}
    )
    await reply(
        harness,
        handoff,
        "",
        "1700000100.000500",
        subtype="file_share",
        files=[{"id": "F1", "name": "bon.pdf"}],
    )
    await harness.settle()
    hints = [c.args["text"] for c in harness.slack.of("chat.postEphemeral")]
    assert any("thread" in t for t in hints) and any("Only text" in t for t in hints)
    assert harness.pushed == []


async def test_claim_race_has_one_winner_and_the_loser_is_told(harness):
    handoff = await opened(harness)
    a, b = await asyncio.gather(
        harness.click("handoff_claim", handoff.id, "UANN00001"),
        harness.click("handoff_claim", handoff.id, "UBOB00001"),
    )
    assert a.status_code == b.status_code == 200
    await harness.settle()
    joined = [m for _, m in harness.pushed if m.event == "agent_joined"]
    assert len(joined) == 1
    winner = harness.service.store.get_sync(handoff.id).assignee_id
    loser_msgs = harness.slack.of("chat.postEphemeral")
    assert len(loser_msgs) == 1 and loser_msgs[0].args["user"] != winner
    assert f"already claimed by <@{winner}>" in loser_msgs[0].args["text"]


async def test_hand_back_resumes_the_bot(harness):
    handoff = await opened(harness)
    await reply(harness, handoff, "handback", "1700000100.000600")
    await harness.settle()
    assert harness.service.store.get_sync(handoff.id).state == "handed_back"
    left = harness.pushed[-1][1]
    assert left.event == "agent_left" and left.language == "nl"
    tracker = await harness.agent.tracker_store.retrieve(SENDER)
    assert not tracker.is_paused() and tracker.get_slot("handoff_active") is False
    assert tracker.latest_action_name == "action_listen"  # the next message is a normal turn


async def test_resolve_closes_the_conversation(harness):
    handoff = await opened(harness)
    resp = await harness.click("handoff_resolve", handoff.id, "UBOB00001")
    assert resp.status_code == 200
    await harness.settle()
    assert harness.service.store.get_sync(handoff.id).state == "resolved"
    assert harness.pushed[-1][1].event == "closed"
    tracker = await harness.agent.tracker_store.retrieve(SENDER)
    assert any(isinstance(e, SessionStarted) for e in tracker.events)
    assert tracker.get_slot("handoff_active") is not True and not tracker.is_paused()
    await reply(harness, handoff, "nog iets?", "1700000100.000700")
    await harness.settle()
    assert "closed" in harness.slack.of("chat.postEphemeral")[-1].args["text"]


async def test_delivery_failure_is_posted_back_into_the_thread(harness):
    from connectors.common.delivery import DeliveryResult

    handoff = await opened(harness)
    harness.push_result = DeliveryResult.failure("whatsapp: outside the 24 h window (63016)")
    await reply(harness, handoff, "Bent u er nog?", "1700000100.000800")
    await harness.settle()
    posts = harness.slack.of("chat.postMessage")
    notes = [c.args["text"] for c in posts if "63016" in c.args["text"]]
    assert any("Not delivered" in n for n in notes)
    assert all(c.args.get("thread_ts") == handoff.thread_ts for c in posts[1:])
    tracker = await harness.agent.tracker_store.retrieve(SENDER)
    assert not any(isinstance(e, BotUttered) and e.metadata.get("human") for e in tracker.events)


async def test_slack_down_queues_and_posts_exactly_once_when_back(harness):
    harness.service.worker.max_delay_s = 0.05  # retry quickly instead of backing off to 60 s
    harness.slack.down = True
    await harness.visitor_asks_for_human(SENDER)
    await harness.turn(SENDER, "hallo?", [])
    await harness.settle(until_sent=False)
    await asyncio.sleep(0.5)  # the worker keeps retrying meanwhile
    assert harness.slack.of("chat.postMessage") == []
    assert harness.service.store.pending_count_sync() == 3  # root, transcript, message
    harness.slack.down = False
    await harness.settle()
    await asyncio.sleep(0.3)
    posts = harness.slack.of("chat.postMessage")
    assert len(posts) == 3 and sum("blocks" in p.args for p in posts) == 1
    assert posts[2].args["text"].endswith("hallo?")
    assert harness.service.store.pending_count_sync() == 0


async def test_restart_keeps_the_mapping_and_relays_the_next_reply(tmp_path):
    first = await make_harness(tmp_path)
    handoff = await opened(first)
    await first.stop()
    second = await make_harness(tmp_path, slack=first.slack)  # same store file, new process state
    second.agent.tracker_store = first.agent.tracker_store
    await reply(second, handoff, "Ik ben er weer", "1700000100.000900")
    await second.settle()
    assert [m.text for _, m in second.pushed if m.event == "message"] == ["Ik ben er weer"]
    await second.stop()
    await first.slack.stop()


async def test_reply_refused_outside_the_window_opens_a_handoff_with_the_unsent_text(tmp_path):
    from connectors.common.chat_channel import ChatWebhookInput

    class RefusingChannel(ChatWebhookInput):  # the part of WhatsApp/Messenger the handoff uses
        channel = "whatsapp"

        def __init__(self) -> None:
            self.window_closed_handlers = []

    refusing = RefusingChannel()
    h = await make_harness(tmp_path)
    try:
        h.app.ctx.input_channels.append(refusing)
        await h.channel.start(h.app)  # as at server start: registers the window handler
        sender = "whatsapp:+31600000001"
        tracker = await h.agent.tracker_store.get_or_create_tracker(sender)
        from rasa.shared.core.events import SlotSet

        tracker.update(SlotSet("language", "nl"))
        await h.agent.tracker_store.save(tracker)
        for handler in refusing.window_closed_handlers:
            await handler(sender, "Je bestelling is onderweg.")
        await h.settle()
        handoff = h.service.store.open_for_sync(sender)
        assert handoff is not None and handoff.reason == "window_closed"
        assert handoff.input_channel == "whatsapp"
        texts = [c.args["text"] for c in h.slack.of("chat.postMessage")]
        assert "24 h messaging window" in texts[0]  # the root message names the reason
        assert any("Je bestelling is onderweg." in t and "not sent" in t for t in texts)
        tracker = await h.agent.tracker_store.retrieve(sender)
        assert tracker.is_paused() and tracker.get_slot("handoff_active") is True
    finally:
        await h.stop()
        await h.slack.stop()
