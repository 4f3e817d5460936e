"""Each named decision rule on its own, over hand-made `Evidence` (knowledge/answer/rules.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from knowledge.answer import rules
from knowledge.answer.evidence import Evidence, gather

from .conftest import PASSWORD_EN, REFUND_EN, make_hit

PASSWORD = make_hit("Reset your password", PASSWORD_EN, 0.7)
REFUND = make_hit("Refunds", REFUND_EN, 0.4)


def evidence(**changes: object) -> Evidence:
    """A plain answerable question's evidence, with `changes` applied."""
    base = Evidence(
        question="How do I reset my password?",
        language="en",
        hits=(PASSWORD, REFUND),
        top=0.7,
        floor=0.3,
        topics=(PASSWORD, REFUND),
        terms=("reset", "password"),
        coverage=1.0,
        referent="",
        options=("Reset your password", "Refunds"),
        score_ties=(),
        title_ties=(),
        primary=PASSWORD,
        clarifications=0,
        can_clarify=True,
        chosen_topic=False,
        settled=False,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_every_rule_but_the_answer_stays_silent_on_a_plain_answerable_question(config):
    ev = evidence()
    assert [r.__name__ for r in rules.RULES if r(ev, config)] == ["grounded_answer"]
    v = rules.apply_rules(ev, config)
    assert (v.kind, v.reason, v.rule) == ("answer", "grounded", "grounded_answer")
    assert [h.chunk.title for h in v.hits] == ["Reset your password"]


def test_unresolved_reference_asks_unless_the_content_settles_it(config):
    v = rules.unresolved_reference(evidence(referent="plan"), config)
    assert v is not None
    assert (v.kind, v.reason, v.referent) == ("clarify", "unresolved_reference", "plan")
    assert v.options == ("Reset your password", "Refunds")
    assert rules.unresolved_reference(evidence(referent="plan", settled=True), config) is None
    assert rules.unresolved_reference(evidence(referent="plan", chosen_topic=True), config) is None
    one = rules.unresolved_reference(evidence(referent="?", options=("Refunds",)), config)
    assert one is not None and one.options == ()  # one option is no choice


def test_no_key_terms_asks_what_it_is_about(config):
    v = rules.no_key_terms(evidence(terms=()), config)
    assert v is not None and (v.kind, v.reason) == ("clarify", "too_little_to_go_on")
    assert rules.no_key_terms(evidence(terms=(), chosen_topic=True), config) is None
    assert rules.no_key_terms(evidence(), config) is None


def test_a_reply_below_the_floor_is_asked_again(config):
    low = evidence(top=0.1, clarifications=1)
    v = rules.reply_still_unclear(low, config)
    assert v is not None and (v.kind, v.reason) == ("clarify", "still_unclear")
    assert rules.reply_still_unclear(evidence(clarifications=1), config) is None
    assert rules.reply_still_unclear(evidence(top=0.1), config) is None


def test_a_one_word_remark_below_the_floor_gets_a_follow_up(config):
    v = rules.one_word_remark(evidence(top=0.1, terms=("cool",)), config)
    assert v is not None and (v.kind, v.reason) == ("clarify", "too_little_to_go_on")
    assert rules.one_word_remark(evidence(top=0.1), config) is None


def test_a_follow_up_leaning_on_a_pronoun_that_finds_nothing_is_asked_about(config):
    v = rules.lost_reference(evidence(top=0.1, leans_on_pronoun=True), config)
    assert v is not None and (v.kind, v.reason, v.referent) == (
        "clarify",
        "unresolved_reference",
        "?",
    )
    assert rules.lost_reference(evidence(leans_on_pronoun=True), config) is None  # relevant
    assert rules.lost_reference(evidence(top=0.1), config) is None  # names its subject
    after = evidence(top=0.1, leans_on_pronoun=True, clarifications=1)
    assert rules.lost_reference(after, config) is None  # asked once: reply_still_unclear


def test_nothing_relevant_hands_off(config):
    v = rules.nothing_relevant(evidence(top=0.1), config)
    assert v is not None and (v.kind, v.reason) == ("handoff", "no_relevant_content")
    assert rules.nothing_relevant(evidence(hits=(), primary=None), config) is not None
    assert rules.nothing_relevant(evidence(), config) is None


def test_score_tie_offers_the_tied_topics(config):
    v = rules.score_tie(evidence(score_ties=(PASSWORD, REFUND)), config)
    assert v is not None and (v.kind, v.reason) == ("clarify", "ambiguous_topics")
    assert v.options == ("Reset your password", "Refunds")
    assert (
        rules.score_tie(evidence(score_ties=(PASSWORD, REFUND), chosen_topic=True), config) is None
    )


def test_title_tie_offers_the_tied_titles(config):
    v = rules.title_tie(evidence(title_ties=(PASSWORD, REFUND)), config)
    assert v is not None and v.options == ("Reset your password", "Refunds")
    assert rules.title_tie(evidence(), config) is None


def test_not_covered_hands_off_a_passage_that_misses_the_terms(config):
    v = rules.not_covered(evidence(coverage=0.2, top=0.5), config)
    assert v is not None and (v.kind, v.reason, v.coverage) == ("handoff", "not_covered", 0.2)
    after = rules.not_covered(evidence(coverage=0.2, top=0.5, clarifications=1), config)
    assert after is not None and after.reason == "still_unclear"
    assert rules.not_covered(evidence(coverage=0.2, top=0.9), config) is None  # very relevant
    assert rules.not_covered(evidence(coverage=None, top=0.5), config) is None  # other language


def test_a_clarifying_rule_hands_off_when_no_follow_up_is_left(config):
    v = rules.no_key_terms(evidence(terms=(), can_clarify=False), config)
    assert v is not None and (v.kind, v.reason) == ("handoff", "clarification_failed")


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"referent": "plan"}, "unresolved_reference"),
        ({"terms": ()}, "no_key_terms"),
        ({"top": 0.1, "clarifications": 1}, "reply_still_unclear"),
        ({"top": 0.1, "terms": ("cool",)}, "one_word_remark"),
        ({"top": 0.1, "leans_on_pronoun": True}, "lost_reference"),
        ({"top": 0.1}, "nothing_relevant"),
        ({"score_ties": (PASSWORD, REFUND)}, "score_tie"),
        ({"title_ties": (PASSWORD, REFUND)}, "title_tie"),
        ({"coverage": 0.2, "top": 0.5}, "not_covered"),
    ],
)
def test_the_verdict_names_the_rule_that_fired(config, changes, rule):
    assert rules.apply_rules(evidence(**changes), config).rule == rule


def test_the_first_rule_in_the_order_wins(config):
    # an unnamed referent and nothing relevant: the reference is asked about first
    v = rules.apply_rules(evidence(referent="plan", top=0.1), config)
    assert v.rule == "unresolved_reference"


def test_gather_computes_the_evidence_from_hits(config):
    order = make_hit("Cancel or change an order", "Cancel an order in My account.", 0.70)
    sub = make_hit("Pause or cancel your subscription", "Cancel with a month's notice.", 0.64)
    ev = gather("How do I cancel?", [sub, order], language="en", config=config)
    assert ev.hits[0] is order  # ranked by score
    assert ev.terms == ("cancel",)
    assert ev.coverage == 1.0
    assert ev.title_ties == ()  # title_tie_margin 0 in the test config: off
    ties = gather(
        "How do I cancel?",
        [sub, order],
        language="en",
        config=replace(config, title_tie_margin=0.1),
    )
    assert [h.chunk.title for h in ties.title_ties] == [order.chunk.title, sub.chunk.title]
    nl = gather("Hoe annuleer ik?", [order], language="nl", config=config)
    assert nl.coverage is None  # no passage in the visitor's language
