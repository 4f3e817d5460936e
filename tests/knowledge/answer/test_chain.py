"""The chain end to end over a fixed retriever: the same calls Rasa, `ask` and the eval make."""

from __future__ import annotations

from knowledge.answer.chain import answer_question, build_query
from knowledge.types import Turn

from .conftest import PASSWORD_EN, PASSWORD_NL, REFUND_EN, make_hit

ROUTER = "Hold the reset button on the back of the router for 10 seconds."


def retriever(calls):
    def retrieve(query, language):
        calls.append(query)
        q = query.lower()
        hits = []
        if "reset" in q or "wachtwoord" in q:
            hits += [
                make_hit("Reset your password", PASSWORD_EN, 0.55),
                make_hit("Wachtwoord opnieuw instellen", PASSWORD_NL, 0.54, lang="nl"),
                make_hit("Reset your router", ROUTER, 0.54),
            ]
        if "refund" in q:
            hits.append(make_hit("Refunds", REFUND_EN, 0.72))
        return sorted(hits, key=lambda h: -h.score)

    return retrieve


def ask(question, calls=None, **kw):
    kw.setdefault("language", "en")
    return answer_question(
        question, retrieve=retriever([] if calls is None else calls), composer="extractive", **kw
    )


def test_direct_answer_cites_its_source(config, profile):
    ans = ask("When are refunds paid?", config=config, profile=profile)
    assert ans.kind == "answer"
    assert REFUND_EN in ans.text
    assert [s.title for s in ans.sources] == ["Refunds"]
    assert ans.sources[0].url.startswith("https://help.example.com/en/")


def test_ambiguous_then_button_then_answer(config, profile):
    first = ask(
        "How do I reset it?", history=[Turn("user", "hello")], config=config, profile=profile
    )
    assert first.kind == "clarify"
    assert first.options == ("Reset your password", "Reset your router")
    assert first.sources == ()
    second = ask(
        "Reset your router",
        pending="How do I reset it?",
        clarifications=1,
        chosen="Reset your router",
        history=[Turn("user", "hello")],
        config=config,
        profile=profile,
    )
    assert second.kind == "answer"
    assert [s.title for s in second.sources] == ["Reset your router"]
    assert ROUTER in second.text


def test_two_failed_clarifications_hand_off(config, profile):
    kw = {"history": [Turn("user", "hello")], "config": config, "profile": profile}
    a = ask("How do I reset it?", **kw)
    b = ask("the thing", pending="How do I reset it?", clarifications=1, **kw)
    c = ask("you know", pending="How do I reset it? the thing", clarifications=2, **kw)
    assert (a.kind, b.kind) == ("clarify", "clarify")
    assert (c.kind, c.reason) == ("handoff", "clarification_failed")


def test_human_request_hands_off_without_retrieval_mattering(config, profile):
    ans = ask("Ik wil met een medewerker praten", language="nl", config=config, profile=profile)
    assert (ans.kind, ans.reason) == ("handoff", "visitor_asked_for_human")
    assert "collega" in ans.text


def test_nothing_relevant_hands_off_in_the_visitors_language(config, profile):
    ans = ask("Verkopen jullie cadeaubonnen?", language="nl", config=config, profile=profile)
    assert ans.kind == "handoff"
    assert ans.sources == ()
    assert "collega" in ans.text


def test_follow_up_borrows_the_previous_user_turn():
    history = [Turn("user", "How do refunds work?"), Turn("agent", "...")]
    assert build_query("and how long?", history, "en") == "How do refunds work? and how long?"
    assert build_query("When are refunds for damaged orders paid?", history, "en") == (
        "When are refunds for damaged orders paid?"
    )


def test_a_clarification_names_the_unnamed_thing_for_show_why(config, profile):
    from knowledge.types import Answer

    hits = [make_hit("Actors", "Many actors train daily.", 0.4)]
    ans = answer_question(
        "What is the actor's fitness routine?",
        language="en",
        retrieve=lambda q, lang: hits,
        composer="extractive",
        profile=profile,
        config=config,
    )
    assert (ans.kind, ans.referent) == ("clarify", "actor")
    assert ans.to_dict()["referent"] == "actor"
    assert "referent" not in Answer("answer", "x", "en", 1.0).to_dict()


def test_a_chosen_topic_is_quoted_where_it_answers_the_pending_question(config, profile):
    def sections(cancel_score, change_score):
        return sorted(
            [
                make_hit(
                    "Cancel or change an order",
                    "Click Cancel order to cancel it.",
                    cancel_score,
                    url="https://help.example.com/en/orders#cancel",
                    doc="orders",
                ),
                make_hit(
                    "Cancel or change an order",
                    "Change the address under My orders.",
                    change_score,
                    url="https://help.example.com/en/orders#change",
                    doc="orders",
                ),
            ],
            key=lambda h: -h.score,
        )

    calls: list[str] = []

    def retrieve(query, language):
        calls.append(query)
        # the button's title ranks the change section first; the visitor asked to cancel
        return sections(0.5, 0.6) if "change" in query.lower() else sections(0.6, 0.4)

    ans = answer_question(
        "Cancel or change an order",
        language="en",
        pending="How do I cancel?",
        clarifications=1,
        chosen="Cancel or change an order",
        retrieve=retrieve,
        composer="extractive",
        config=config,
        profile=profile,
    )
    assert ans.kind == "answer"
    quoted = ans.text.split("\n\n", 1)[1]
    assert quoted.startswith("Click Cancel order")
    assert ans.sources[0].url.endswith("#cancel")
    assert calls[-1] == "How do I cancel?"
