"""The decision as an ordered tuple of small named rules over one `Evidence`.

Each rule is `(evidence, config) -> Verdict | None`; `RULES` is tried in order and the first
verdict wins (`grounded_answer`, last, always returns one). The verdict carries the rule's
name (`Verdict.rule`) so the gap log and the "show why" panel can say which rule decided.
Adding a signal means adding a field to `Evidence` and a rule here, at the place in the order
where it should win (docs/architecture.md, "the decision").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from knowledge.answer.config import AnswerConfig
from knowledge.answer.evidence import Evidence, same_topic, topic_of
from knowledge.types import Decision, Reason, SearchHit


@dataclass(frozen=True)
class Verdict:
    """The decision plus the evidence behind it (for the reply, the gap log and 'show why')."""

    kind: Decision
    confidence: float
    reason: str
    hits: tuple[SearchHit, ...] = ()  # passages the answer may use, best first
    options: tuple[str, ...] = ()  # candidate topics (clarify)
    referent: str = ""  # the unnamed thing the question points at (clarify)
    coverage: float | None = None
    rule: str = ""  # the named rule that decided (see RULES)


Rule = Callable[[Evidence, AnswerConfig], "Verdict | None"]


def confidence(score: float, cov: float | None) -> float:
    """The reported confidence: relevance, discounted by missing term coverage."""
    return round(score if cov is None else score * (0.5 + 0.5 * cov), 4)


def _clarify(
    ev: Evidence, reason: Reason, options: tuple[str, ...] = (), referent: str = ""
) -> Verdict:
    """A follow-up question while the visitor may still be asked, else a handoff."""
    conf = confidence(ev.top, None)
    if ev.can_clarify:
        return Verdict("clarify", conf, reason, ev.hits, options, referent)
    return Verdict("handoff", conf, "clarification_failed", ev.hits)


def exact_title(ev: Evidence, config: AnswerConfig) -> Verdict | None:
    """The question is a page title or section heading, word for word or term for term
    ("1.7. How do I pair a device?"): that section is the answer, not a choice among its
    neighbours (see answerability.exact_title)."""
    if ev.exact is None:
        return None
    lead = ev.exact
    section = [
        h
        for h in ev.hits
        if h is not lead
        and h.chunk.doc_id == lead.chunk.doc_id
        and h.chunk.heading_path == lead.chunk.heading_path
    ]
    return Verdict(
        "answer",
        confidence(ev.top, 1.0),
        "grounded",
        (lead, *section)[: config.max_passages],
        coverage=1.0,
    )


def unresolved_reference(ev: Evidence, config: AnswerConfig) -> Verdict | None:
    """The question points at something neither it nor the conversation names ("this plan",
    "the actor", "how do I cancel it?" as a first message) and the content cannot settle it."""
    if ev.chosen_topic or not ev.referent or ev.settled:
        return None
    options = ev.options if len(ev.options) > 1 else ()
    return _clarify(ev, "unresolved_reference", options, ev.referent)


def no_key_terms(ev: Evidence, config: AnswerConfig) -> Verdict | None:
    """Nothing in the question names a topic ("Can you help me?"): ask what it is about."""
    if ev.chosen_topic or ev.terms:
        return None
    return _clarify(ev, "too_little_to_go_on")


def _below_floor(ev: Evidence) -> bool:
    return not ev.hits or ev.top < ev.floor


def reply_still_unclear(ev: Evidence, config: AnswerConfig) -> Verdict | None:
    """A reply to our follow-up that still finds nothing relevant: ask again, up to the limit."""
    if _below_floor(ev) and ev.clarifications > 0:
        return _clarify(ev, "still_unclear")
    return None


def one_word_remark(ev: Evidence, config: AnswerConfig) -> Verdict | None:
    """One key term and nothing relevant ("ok cool", "thanks a bunch"): no question a person
    should get, so a follow-up rather than a handoff."""
    if _below_floor(ev) and len(ev.terms) <= 1:
        return _clarify(ev, "too_little_to_go_on")
    return None


def lost_reference(ev: Evidence, config: AnswerConfig) -> Verdict | None:
    """A follow-up that leans on a pronoun ("Did it receive any awards?") and finds nothing
    relevant: the likelier failure is what "it" stands for, not a gap in the content, so ask
    once before handing off (a second miss goes to `reply_still_unclear`)."""
    if ev.chosen_topic or ev.clarifications or not ev.leans_on_pronoun or not _below_floor(ev):
        return None
    return _clarify(ev, "unresolved_reference", referent="?")


def nothing_relevant(ev: Evidence, config: AnswerConfig) -> Verdict | None:
    """The best passage is below the relevance floor: the content does not know (a gap)."""
    if _below_floor(ev):
        return Verdict("handoff", confidence(ev.top, None), "no_relevant_content", ev.hits)
    return None


def score_tie(ev: Evidence, config: AnswerConfig) -> Verdict | None:
    """Distinct, very relevant topics within `ambiguity_margin` of each other: ask which."""
    if ev.chosen_topic or not ev.score_ties:
        return None
    return _clarify(
        ev, "ambiguous_topics", tuple(topic_of(h) for h in ev.score_ties[: config.max_options])
    )


def title_tie(ev: Evidence, config: AnswerConfig) -> Verdict | None:
    """Titles that each name all the question says and more ("How do I cancel?" over an order
    page and a subscription page): ask which (see evidence.title_ties)."""
    if ev.chosen_topic or not ev.title_ties:
        return None
    return _clarify(ev, "ambiguous_topics", tuple(topic_of(h) for h in ev.title_ties))


def not_covered(ev: Evidence, config: AnswerConfig) -> Verdict | None:
    """The best passages miss too many of the question's key terms and are not relevant enough
    to answer anyway: a handoff (or, after a follow-up, one more question)."""
    cov = ev.coverage
    if cov is None or cov >= config.min_coverage or ev.top >= config.low_coverage_score:
        return None
    if ev.clarifications > 0:
        return _clarify(ev, "still_unclear")
    return Verdict("handoff", confidence(ev.top, cov), "not_covered", ev.hits, coverage=ev.coverage)


def unanswerable(ev: Evidence, config: AnswerConfig) -> Verdict | None:
    """The primary topic is relevant but lacks what was asked: its answerability (specific and
    named terms, margin; see answerability.py) is below `answerability_min` (a passage in another
    language: `answerability_cross_min`, its own calibration). A handoff, or one
    more question after a follow-up."""
    cross = ev.signals is not None and ev.signals.cross
    limit = config.answerability_cross_min if cross else config.answerability_min
    if ev.answerability is None or ev.answerability >= limit:
        return None
    if ev.clarifications > 0:
        return _clarify(ev, "still_unclear")
    return Verdict(
        "handoff", round(ev.answerability, 4), "not_covered", ev.hits, coverage=ev.coverage
    )


def grounded_answer(ev: Evidence, config: AnswerConfig) -> Verdict | None:
    """Answer from the primary passage's topic (its passages, best first)."""
    if ev.primary is None:  # unreachable after nothing_relevant; kept for a safe order
        return None
    best_topic = topic_of(ev.primary)
    used = [h for h in ev.hits if same_topic(h, best_topic)]
    return Verdict(
        "answer",
        confidence(ev.top, ev.coverage),
        "grounded",
        tuple(used[: config.max_passages] or ev.hits[:1]),
        coverage=ev.coverage,
    )


RULES: tuple[Rule, ...] = (
    exact_title,
    unresolved_reference,
    no_key_terms,
    reply_still_unclear,
    one_word_remark,
    lost_reference,
    nothing_relevant,
    score_tie,
    title_tie,
    not_covered,
    unanswerable,
    grounded_answer,
)


def apply_rules(ev: Evidence, config: AnswerConfig, rules: tuple[Rule, ...] = RULES) -> Verdict:
    """The first verdict of `rules` over `ev`, stamped with the rule's name."""
    for rule in rules:
        verdict = rule(ev, config)
        if verdict is not None:
            return replace(verdict, rule=rule.__name__)
    return Verdict("handoff", 0.0, "no_relevant_content", ev.hits, rule="none")
