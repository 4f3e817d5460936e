"""Lifecycle and billing rules with a controllable clock (`now`): 24 h close on chat channels,
72 h email reopen then a new conversation, billed once, small talk alone not billable."""

from __future__ import annotations

from knowledge.operations.events import TrackerEvent
from knowledge.operations.lifecycle import bill, conversations_of
from tests.knowledge.operations.trackers import (
    HOUR,
    action,
    answered,
    bot,
    feedback,
    person,
    slot,
    user,
)

T0 = 1_700_000_000.0


def events(sender: str, rows: list[dict]) -> list[TrackerEvent]:
    return [
        TrackerEvent(
            sender, r["event"], r["timestamp"], r.get("name") if r["event"] == "action" else None, r
        )
        for r in rows
    ]


def test_chat_conversation_closes_after_24h_and_the_next_message_starts_a_new_one() -> None:
    rows = answered(T0) + answered(T0 + 23 * HOUR) + answered(T0 + 23 * HOUR + 24.5 * HOUR)
    convs = conversations_of(events("v1", rows))
    assert len(convs) == 2  # 23 h later: same conversation; 24.5 h after that: a new one
    assert convs[0].answers == 2
    assert convs[0].closed(now=T0 + 48 * HOUR)
    assert not convs[1].closed(now=convs[1].last_activity + 23 * HOUR)
    assert convs[1].closed(now=convs[1].last_activity + 24.1 * HOUR)


def test_whatsapp_and_messenger_follow_the_24h_rule_too() -> None:
    for channel in ("whatsapp", "messenger"):
        rows = answered(T0, channel=channel) + answered(T0 + 30 * HOUR, channel=channel)
        assert [c.channel for c in conversations_of(events("v", rows))] == [channel, channel]


def test_email_reply_within_72h_reopens_without_billing_again_later_is_new() -> None:
    rows = (
        answered(T0, channel="email")
        + answered(T0 + 48 * HOUR, channel="email")  # reopened: same conversation
        + answered(T0 + 48 * HOUR + 73 * HOUR, channel="email")  # > 72 h: new one
    )
    convs = conversations_of(events("thread-1", rows))
    assert len(convs) == 2
    assert convs[0].reopened == 1 and convs[0].answers == 2
    assert convs[1].reopened == 0
    charge = bill(convs, now=T0 + 300 * HOUR)
    assert charge.per_conversation == 2  # the reopened one is billed once


def test_email_gap_just_inside_and_just_outside_72h() -> None:
    inside = answered(T0, channel="email") + answered(T0 + 1.5 + 71.9 * HOUR, channel="email")
    outside = answered(T0, channel="email") + answered(T0 + 1.5 + 72.1 * HOUR, channel="email")
    assert len(conversations_of(events("a", inside))) == 1
    assert len(conversations_of(events("b", outside))) == 2


def test_billable_once_with_many_answers_small_talk_alone_not_billable() -> None:
    many = answered(T0) + answered(T0 + 60) + answered(T0 + 120)
    small_talk = [
        user(T0, "hi"),
        bot(T0 + 1, "Hello! How can I help?", "smalltalk"),
        user(T0 + 5, "thanks, bye"),
        bot(T0 + 6, "Bye!", "smalltalk"),
    ]
    clarify_only = [user(T0, "How do I cancel?"), bot(T0 + 1, "Order or Flex?", "clarify")]
    convs = [
        *conversations_of(events("many", many)),
        *conversations_of(events("hi", small_talk)),
        *conversations_of(events("cl", clarify_only)),
    ]
    assert [c.billable for c in convs] == [True, False, False]
    assert bill(convs, now=T0 + 100 * HOUR).per_conversation == 1


def test_a_persons_reply_is_not_an_ai_answer() -> None:
    rows = [
        user(T0, "I want a person", intent="request_human"),
        action(T0 + 0.5, "action_handoff"),
        bot(T0 + 0.5, "A colleague joins.", "handoff"),
        slot(T0 + 0.5, "handoff_reason", "visitor_request"),
        # a colleague's message; even one carrying an 'answer' payload is a person's
        {**person(T0 + 60, "Hi, Sam here."), "data": {"custom": {"kind": "answer"}}},
    ]
    (conv,) = conversations_of(events("p", rows))
    assert not conv.billable and conv.human_replies == 1
    assert conv.handoff_reasons == ["visitor_request"]


def test_resolution_confirmed_assumed_pending_and_return_within_72h() -> None:
    confirmed = [*answered(T0), feedback(T0 + 10, "up")]
    (c,) = conversations_of(events("c", confirmed))
    assert c.resolution(now=T0 + HOUR) == "confirmed"  # no need to wait 72 h
    (a,) = conversations_of(events("a", answered(T0)))
    assert a.resolution(now=T0 + 71 * HOUR) == "pending"
    assert a.resolution(now=T0 + 73 * HOUR) == "assumed"
    back = conversations_of(events("r", answered(T0) + answered(T0 + 30 * HOUR)))
    assert back[0].resolution(now=T0 + 200 * HOUR) == "unresolved"  # came back after 30 h
    negative = [*answered(T0), feedback(T0 + 10, "down")]
    (n,) = conversations_of(events("n", negative))
    assert n.resolution(now=T0 + 200 * HOUR) == "unresolved"


def test_per_resolution_bills_only_resolved_conversations() -> None:
    convs = [
        *conversations_of(events("a", answered(T0))),
        *conversations_of(events("b", [*answered(T0), feedback(T0 + 9, "down")])),
    ]
    charge = bill(convs, now=T0 + 100 * HOUR, unit="per_resolution")
    assert (charge.per_conversation, charge.per_resolution, charge.units) == (2, 1, 1)


def test_feedback_names_the_answer_it_judges_and_is_no_activity() -> None:
    thanks = bot(T0 + 31 * HOUR, "Thanks for your feedback!", "feedback")
    rows = [
        *answered(T0, answer_id="a1"),
        *answered(T0 + 60, "Can I return it?", answer_id="a2"),
        feedback(T0 + 70, "up", "a1"),  # on the earlier answer: not a confirmation
        feedback(T0 + 31 * HOUR, "up", "a2"),  # 31 h later: no return, no new conversation
        thanks,
    ]
    (conv,) = conversations_of(events("f", rows))
    assert conv.last_activity == T0 + 61.5 and conv.user_messages == 2 and conv.ai_replies == 2
    assert conv.resolution(now=T0 + 200 * HOUR) == "confirmed"
    (early,) = conversations_of(events("g", rows[:-2]))
    assert early.resolution(now=T0 + 200 * HOUR) == "assumed"  # the 'up' was on a1, not a2
    down_first = [*answered(T0, answer_id="a1"), feedback(T0 + 5, "down", "a1")]
    (d,) = conversations_of(events("h", [*down_first, feedback(T0 + 9, "up", "a1")]))
    assert d.resolution(now=T0 + 200 * HOUR) == "confirmed"  # the latest verdict counts
    (n,) = conversations_of(events("i", down_first))
    assert (n.resolution(now=T0 + 200 * HOUR), n.billable) == ("unresolved", True)
    typed = [*answered(T0), user(T0 + 9, "thanks, that was helpful", intent="thank")]
    (t,) = conversations_of(events("j", typed))
    assert not t.feedback and t.user_messages == 2
