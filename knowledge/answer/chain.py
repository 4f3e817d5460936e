"""The answer chain: `prepare | retrieve | decide | compose | guard`, named LangChain Runnables.

Called by the Rasa action (`actions/answer_question.py`), the `ask` CLI and the eval with a
`TurnRequest`, so all three run exactly the same steps. Rasa holds the dialogue state (pending
question, clarification count) and passes it in; the chain keeps none between calls. Each step
is a Runnable with a `run_name`, so LangChain callbacks and tracing see every step with its input
and timing (`StepTimer` feeds the 'show why' panel); `build_chain()` gives the whole turn to a
LangChain app, `knowledge.retrieval.HybridRetriever` the retrieval alone (docs/architecture.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableConfig, RunnableSequence

from knowledge.answer.compose import compose_answer, compose_verdict
from knowledge.answer.config import AnswerConfig, get_answer_config
from knowledge.answer.crosslingual import rerank
from knowledge.answer.decide import Verdict, decide, same_topic
from knowledge.answer.fallback import with_fallback_translation
from knowledge.answer.guardrails import is_injection, mask
from knowledge.answer.step import Step
from knowledge.answer.terms import key_terms
from knowledge.answer.timing import StepTimer
from knowledge.language import pronouns
from knowledge.profile import Profile, get_profile
from knowledge.types import Answer, SearchHit, Turn, TurnRequest

log = logging.getLogger(__name__)

Composer = Literal["extractive", "generative"]
Retriever = Callable[[str, str], Sequence[SearchHit]]
"""A plain search function (query, language) -> hits, best first; or pass a `BaseRetriever`."""


@dataclass(frozen=True)
class TurnState:
    """What the steps hand on: the question decided once by `prepare`, then the evidence."""

    request: TurnRequest
    question: str  # the turn's question: the pending question completed by this reply
    asked: str  # what to quote from (after a topic button: the pending question)
    history: tuple[Turn, ...]  # the window of earlier turns the chain uses
    history_text: str  # the words a follow-up may lean on
    hits: tuple[SearchHit, ...] = ()
    verdict: Verdict | None = None
    answer: Answer | None = None


def default_retriever(k: int) -> BaseRetriever:
    """Hybrid search over the configured store in every language (the composer prefers the
    visitor's)."""
    from knowledge.retrieval import HybridRetriever

    return HybridRetriever(k=k)


def build_query(question: str, history: Sequence[Turn], language: str) -> str:
    """Search text for a turn: follow-ups that lean on earlier turns borrow the last user turn."""
    users = [t.text for t in history if t.role == "user"]
    if not users:
        return question
    leans = len(key_terms(question, language)) < 4 or bool(
        pronouns(language) & {w.lower().strip("?.,!¿¡") for w in question.split()}
    )
    return f"{users[-1]} {question}" if leans else question


def prepare(request: TurnRequest, config: AnswerConfig) -> TurnState:
    """Decide once what the turn is about: the reply completes a pending question, and only the
    last `history_turns` earlier turns count."""
    n = max(0, config.history_turns)
    history = tuple(request.history)[-n:] if n else ()
    history_text = " ".join(t.text for t in history)
    question = request.text
    if request.pending:
        question = f"{request.pending} {request.chosen or request.text}".strip()
        history_text = f"{history_text} {request.pending} {request.text}"
    asked = request.pending if request.chosen and request.pending else question
    return TurnState(request, question, asked, history, history_text)


def search(
    retriever: BaseRetriever | Retriever, query: str, language: str, config: RunnableConfig
) -> list[SearchHit]:
    """Hits from a LangChain retriever (traced as a child run) or a plain search function."""
    if not isinstance(retriever, BaseRetriever):
        return list(retriever(query, language))
    from knowledge.retrieval import HybridRetriever, hit_of

    if isinstance(retriever, HybridRetriever):
        retriever = retriever.for_language(language)
    return [hit_of(d, language) for d in retriever.invoke(query, config)]


def retrieve_hits(
    state: TurnState, retriever: BaseRetriever | Retriever, config: RunnableConfig
) -> list[SearchHit]:
    """Retrieval for the turn; after a topic button, that topic's passages ranked by what the
    visitor asked ("How do I cancel?" + "Cancel or change an order" quotes the cancelling part),
    with the question + title as the way in when the pending question alone misses the topic."""
    req, lang = state.request, state.request.language
    if not req.chosen:
        return search(retriever, build_query(state.question, state.history, lang), lang, config)
    if req.pending:
        query = build_query(req.pending, state.history, lang)
        picked = [h for h in search(retriever, query, lang, config) if same_topic(h, req.chosen)]
        if picked:
            return picked
    hits = search(retriever, build_query(state.question, state.history, lang), lang, config)
    return [h for h in hits if same_topic(h, req.chosen)] or hits


def guard(state: TurnState) -> Answer:
    """The last word before the visitor: no source, no answer; a composed reply that reads as an
    instruction (a poisoned passage slipping through) is not sent either."""
    answer = state.answer
    assert answer is not None  # compose always sets it
    if answer.kind == "answer" and not answer.sources:
        answer = replace(answer, kind="handoff", text="", reason="no_quotable_source")
    elif answer.kind == "answer" and is_injection(answer.text):
        answer = replace(answer, kind="handoff", text="", sources=(), reason="unsafe_reply")
    log.info(
        "decision",
        extra={
            "fields": {
                "kind": answer.kind,
                "reason": answer.reason,
                "question": mask(answer.question),
            }
        },
    )
    return answer


def build_chain(
    *,
    retriever: BaseRetriever | Retriever | None = None,
    composer: Composer | None = None,
    profile: Profile | None = None,
    config: AnswerConfig | None = None,
    chat_model: object | None = None,
) -> Runnable[TurnRequest, Answer]:
    """The turn as one Runnable (`TurnRequest` in, `Answer` out); defaults: the configured
    store, composer, profile and thresholds."""
    cfg = config or get_answer_config()
    prof = profile or get_profile()
    if composer is None:
        from knowledge.settings import get_settings

        composer = get_settings().composer
    chosen_composer: Composer = composer
    source = retriever or default_retriever(cfg.retrieve_k)

    def retrieve_step(state: TurnState, config: RunnableConfig) -> TurnState:
        hits = retrieve_hits(state, source, config)
        if not state.request.chosen:  # nothing in the visitor's language: a fallback first
            hits = with_fallback_translation(
                hits, state.request.language, cfg, lambda q, lang: search(source, q, lang, config)
            )
        # after a topic button the question already carries the pending question and the topic
        query = build_query(state.question, state.history, state.request.language)
        hits = rerank(query, hits, state.request.language, cfg.cross_lingual_mix)
        return replace(state, hits=tuple(hits))

    def decide_step(state: TurnState) -> TurnState:
        req = state.request
        verdict = decide(
            state.question,
            list(state.hits),
            language=req.language,
            config=cfg,
            clarifications=req.clarifications,
            history_text=state.history_text,
            chosen_topic=bool(req.chosen),
        )
        return replace(state, verdict=verdict)

    def compose_step(state: TurnState) -> TurnState:
        verdict, lang = state.verdict, state.request.language
        assert verdict is not None  # decide always sets it
        answer = compose_verdict(verdict, language=lang, question=state.question)
        if answer is None:
            answer = compose_answer(
                state.asked,
                verdict,
                language=lang,
                profile=prof,
                config=cfg,
                history=state.history,
                composer=chosen_composer,
                chat_model=chat_model,
            )
        return replace(state, answer=replace(answer, question=state.question))

    return RunnableSequence(
        Step("prepare", lambda req: prepare(req, cfg)),
        Step("retrieve", retrieve_step, takes_config=True),
        Step("decide", decide_step),
        Step("compose", compose_step),
        Step("guard", guard),
        name="answer_turn",
    )


def run_turn(
    request: TurnRequest,
    *,
    callbacks: Sequence[BaseCallbackHandler] = (),
    **build: Any,
) -> Answer:
    """Answer, clarify or hand off one visitor turn; the answer carries each step's timing."""
    timer = StepTimer()
    chain = build_chain(**build) if build else _default_chain()
    answer: Answer = chain.invoke(request, config={"callbacks": [timer, *callbacks]})
    return replace(answer, steps=timer.steps())


_DEFAULT_CHAIN: list[tuple[tuple[int, ...], Runnable[TurnRequest, Answer]]] = []


def _default_chain() -> Runnable[TurnRequest, Answer]:
    """The action server's chain (every default), built once per process rather than per turn.

    Keyed by the identity of the cached thresholds, profile, settings and retriever factory, so
    clearing any of those caches or swapping the factory (a test, a reload) gives a fresh chain."""
    from knowledge.settings import get_settings

    key = (id(get_answer_config()), id(get_profile()), id(get_settings()), id(default_retriever))
    if not _DEFAULT_CHAIN or _DEFAULT_CHAIN[0][0] != key:
        _DEFAULT_CHAIN[:] = [(key, build_chain())]
    return _DEFAULT_CHAIN[0][1]


def answer_question(
    question: str,
    *,
    language: str,
    history: Sequence[Turn] = (),
    pending: str | None = None,
    clarifications: int = 0,
    chosen: str | None = None,
    retrieve: BaseRetriever | Retriever | None = None,
    composer: Composer | None = None,
    profile: Profile | None = None,
    config: AnswerConfig | None = None,
    chat_model: object | None = None,
) -> Answer:
    """`run_turn` for callers that hold the turn as loose values (the eval, tests)."""
    request = TurnRequest(
        text=question,
        language=language,
        history=tuple(history),
        pending=pending,
        clarifications=clarifications,
        chosen=chosen,
    )
    return run_turn(
        request,
        retriever=retrieve,
        composer=composer,
        profile=profile,
        config=config,
        chat_model=chat_model,
    )
