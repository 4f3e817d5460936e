"""The compose step: a verdict becomes the reply the visitor reads.

A clarification gets its canned question (knowledge/answer/templates.py); an answer is composed
from the verdict's passages, extractively or by the generative composer (which falls back to the
extractive one on any failure). A handoff carries no text: its wording is the domain response
for the reason (bot/domain/handoff.yml), uttered by `action_handoff`.
"""

from __future__ import annotations

import logging
from typing import Literal

from knowledge.answer import extractive, generative, templates
from knowledge.answer.config import AnswerConfig
from knowledge.answer.decide import Verdict
from knowledge.profile import Profile
from knowledge.types import Answer, Reason, Turn

log = logging.getLogger(__name__)


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


def _from_verdict(verdict: Verdict, language: str, **fields: object) -> Answer:
    base: dict[str, object] = {
        "kind": verdict.kind,
        "text": "",
        "language": language,
        "confidence": verdict.confidence,
        "reason": verdict.reason,
        "hits": verdict.hits,
        "rule": verdict.rule,
    }
    return Answer(**{**base, **fields})  # type: ignore[arg-type]


def compose_verdict(verdict: Verdict, *, language: str, question: str) -> Answer | None:
    """The reply for a handoff or a clarification; None for an answer (composed from passages)."""
    if verdict.kind == "handoff":
        return _from_verdict(verdict, language, question=question)
    if verdict.kind == "clarify":
        return _from_verdict(
            verdict,
            language,
            question=question,
            text=_clarify_text(verdict, language),
            options=verdict.options,
            referent=verdict.referent,
        )
    return None


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
    """Turn an answer verdict into a reply quoting (or built on) its passages; an answer
    without a usable source is left sourceless for the guard to refuse."""
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
            reasons: dict[str, Reason] = {
                "answer": "grounded:generative",
                "clarify": "llm_clarify",
                "handoff": "llm_not_covered",
            }
            return _from_verdict(
                verdict,
                language,
                kind=kind,
                text="" if kind == "handoff" else gen.reply.answer,
                reason=reasons[kind],
                sources=extractive.source_refs(gen.used) if kind == "answer" else (),
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
    return _from_verdict(
        verdict,
        language,
        text=out.text,
        reason="grounded",
        sources=extractive.source_refs(out.used),
    )
