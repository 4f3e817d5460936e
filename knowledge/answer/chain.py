"""The answer chain's one entry point: retrieve -> decide -> compose -> guard, named steps.

Called by the Rasa action (`actions/answer_question.py`), the `ask` CLI and the eval, so all
three run exactly the same decision and composition. Rasa holds the dialogue state (pending
question, clarification count) and passes it in; this module keeps none between calls.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Literal

from knowledge.answer import extractive, generative, templates
from knowledge.answer.config import AnswerConfig, get_answer_config
from knowledge.answer.decide import Verdict, decide, same_topic
from knowledge.answer.guardrails import mask
from knowledge.answer.terms import key_terms
from knowledge.profile import Profile, get_profile
from knowledge.types import Answer, SearchHit, Turn

log = logging.getLogger(__name__)

Retriever = Callable[[str, str], list[SearchHit]]
"""(query, language) -> hits, best first."""

_PRONOUNS = {
    "it",
    "its",
    "they",
    "them",
    "their",
    "this",
    "that",
    "these",
    "those",
    "he",
    "she",
    "het",
    "dit",
    "dat",
    "deze",
    "die",
    "hij",
    "zij",
    "ze",
    "er",
}


def default_retriever(k: int) -> Retriever:
    """Retrieval over the configured store in every language; the composer prefers the visitor's."""

    def retrieve(query: str, language: str) -> list[SearchHit]:
        from knowledge.retrieval import search

        return search(query, language=language, k=k)

    return retrieve


def build_query(question: str, history: Sequence[Turn], language: str) -> str:
    """Search text for a turn: follow-ups that lean on earlier turns borrow the last user turn."""
    users = [t.text for t in history if t.role == "user"]
    if not users:
        return question
    leans = len(key_terms(question, language)) < 4 or bool(
        _PRONOUNS & {w.lower().strip("?.,!") for w in question.split()}
    )
    return f"{users[-1]} {question}" if leans else question


def _handoff_text(reason: str, language: str) -> str:
    key = {"visitor_asked_for_human": "handoff.human", "clarification_failed": "handoff.clarify"}
    return templates.text(key.get(reason, "handoff"), language)


def _clarify_text(verdict: Verdict, language: str) -> str:
    if verdict.reason == "still_unclear":
        return templates.text("clarify.again", language)
    if verdict.options:
        return templates.text("clarify.options", language)
    if verdict.referent and verdict.referent != "?":
        # German writes nouns with a capital; the templates avoid gendered "which" forms
        thing = verdict.referent.capitalize() if language == "de" else verdict.referent
        return templates.text("clarify.referent", language, thing=thing)
    return templates.text("clarify.vague", language)


def compose_answer(
    question: str,
    verdict: Verdict,
    *,
    language: str,
    profile: Profile,
    config: AnswerConfig,
    history: tuple[Turn, ...],
    composer: Literal["extractive", "generative"],
    chat_model: object | None = None,
) -> Answer:
    """Turn an answer verdict into a reply; generative failures fall back to extractive."""
    if composer == "generative":
        try:
            gen = generative.compose(
                question,
                verdict.hits,
                language=language,
                profile=profile,
                history=history,
                model=chat_model,  # type: ignore[arg-type]
            )
            kind = gen.reply.decision
            if kind == "answer":
                return Answer(
                    "answer",
                    gen.reply.answer,
                    language,
                    verdict.confidence,
                    extractive.source_refs(gen.used),
                    (),
                    "grounded:generative",
                    verdict.hits,
                )
            if kind == "clarify":
                return Answer(
                    "clarify",
                    gen.reply.answer,
                    language,
                    verdict.confidence,
                    (),
                    (),
                    "llm_clarify",
                    verdict.hits,
                )
            return Answer(
                "handoff",
                _handoff_text("not_covered", language),
                language,
                verdict.confidence,
                (),
                (),
                "llm_not_covered",
                verdict.hits,
            )
        except generative.ComposerError as exc:
            log.warning(
                "generative composer failed, using extractive",
                extra={"fields": {"error": str(exc)}},
            )
    out = extractive.compose(
        question,
        verdict.hits,
        language=language,
        profile=profile,
        max_passages=config.max_passages,
        max_units=config.max_sentences,
    )
    if not out.used:  # no source, no answer
        return Answer(
            "handoff",
            _handoff_text("not_covered", language),
            language,
            verdict.confidence,
            (),
            (),
            "no_quotable_source",
            verdict.hits,
        )
    return Answer(
        "answer",
        out.text,
        language,
        verdict.confidence,
        extractive.source_refs(out.used),
        (),
        "grounded",
        verdict.hits,
    )


def answer_question(
    question: str,
    *,
    language: str,
    history: Sequence[Turn] = (),
    pending: str | None = None,
    clarifications: int = 0,
    chosen: str | None = None,
    retrieve: Retriever | None = None,
    composer: Literal["extractive", "generative"] | None = None,
    profile: Profile | None = None,
    config: AnswerConfig | None = None,
    chat_model: object | None = None,
) -> Answer:
    """Answer, clarify or hand off one visitor turn.

    `pending` is the question awaiting clarification: the visitor's reply is combined with it.
    `chosen` is the topic the visitor picked from the clarification buttons, if any.
    """
    config = config or get_answer_config()
    profile = profile or get_profile()
    if composer is None:
        from knowledge.settings import get_settings

        composer = get_settings().composer
    retrieve = retrieve or default_retriever(config.retrieve_k)
    history = tuple(history)[-config.history_turns :]
    history_text = " ".join(t.text for t in history)

    # step 1: the question this turn is about
    full = f"{pending} {chosen or question}".strip() if pending else question
    if pending:
        history_text = f"{history_text} {pending} {question}"
    # step 2: retrieval (after a topic button: that topic, ranked by what the visitor asked)
    hits = (
        _within_topic(chosen, pending, full, history, language, retrieve)
        if chosen
        else (retrieve(build_query(full, history, language), language))
    )
    # step 3: decision
    verdict = decide(
        full,
        hits,
        language=language,
        config=config,
        clarifications=clarifications,
        history_text=history_text,
        chosen_topic=bool(chosen),
    )
    log.info(
        "decision",
        extra={"fields": {"kind": verdict.kind, "reason": verdict.reason, "question": mask(full)}},
    )
    # step 4: composition
    if verdict.kind == "handoff":
        return Answer(
            "handoff",
            _handoff_text(verdict.reason, language),
            language,
            verdict.confidence,
            (),
            (),
            verdict.reason,
            verdict.hits,
        )
    if verdict.kind == "clarify":
        return Answer(
            "clarify",
            _clarify_text(verdict, language),
            language,
            verdict.confidence,
            (),
            verdict.options,
            verdict.reason,
            verdict.hits,
            verdict.referent,
        )
    # a button's words name the topic; what to quote from it is what the visitor asked
    asked = pending if chosen and pending else full
    return compose_answer(
        asked,
        verdict,
        language=language,
        profile=profile,
        config=config,
        history=history,
        composer=composer,
        chat_model=chat_model,
    )


def _within_topic(
    chosen: str,
    pending: str | None,
    full: str,
    history: Sequence[Turn],
    language: str,
    retrieve: Retriever,
) -> list[SearchHit]:
    """The chosen topic's passages, ranked by the pending question rather than by the button's
    title ("How do I cancel?" + "Cancel or change an order" should quote the cancelling part);
    the question with the title finds the topic when the pending question alone does not."""
    if pending:
        picked = [
            h
            for h in retrieve(build_query(pending, history, language), language)
            if same_topic(h, chosen)
        ]
        if picked:
            return picked
    hits = retrieve(build_query(full, history, language), language)
    return [h for h in hits if same_topic(h, chosen)] or hits
