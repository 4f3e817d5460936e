"""Chain overhead benchmark: one turn through the answer chain with the store left out.

Why: the chain runs as named LangChain Runnables with a timing callback; this measures what that
costs per turn, apart from the store's search (which `eval_answers.py` and `bench_rest.py`
include). Retrieval returns fixed hits, through a LangChain `BaseRetriever` turning them into
`Document`s and back, as `HybridRetriever` does in production; the same steps called directly
with a plain search function (the chain before it was made of Runnables) run interleaved with
it, so both see the same machine load.

    .venv/bin/python benchmarks/bench_chain.py [--turns 400]
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
from pathlib import Path
from typing import Any

QUESTIONS = [
    ("How long does delivery to Belgium take?", "en"),
    ("When are refunds paid for a returned bike?", "en"),
    ("Hoe lang is de garantie op de accu?", "nl"),
    ("How do I reset my password?", "en"),
    ("Do you sell gift cards?", "en"),
]
PASSAGES = [
    (
        "Shipping costs and times",
        "Delivery to Belgium takes 2 to 3 working days. Orders "
        "placed before 15:00 ship the same day.",
    ),
    (
        "Returns and refunds",
        "Refunds are paid within 14 days after we receive the returned "
        "item. You get an e-mail when the refund is on its way.",
    ),
    (
        "Garantie en reparaties",
        "Op de accu zit twee jaar garantie. Het frame heeft vijf jaar garantie.",
    ),
    (
        "Account and password",
        "You can reset your password from the login page. Click Forgot "
        "password and follow the link in the e-mail.",
    ),
]


def hits(language: str) -> list[Any]:
    from knowledge.types import Chunk, SearchHit

    out = []
    for i, (title, text) in enumerate(PASSAGES):
        lang = "nl" if title.startswith("Garantie") else "en"
        doc = title.lower().replace(" ", "-")
        chunk = Chunk(
            id=hashlib.sha1(f"{doc}{text}".encode()).hexdigest()[:12],
            source="sample",
            doc_id=doc,
            title=title,
            url=f"https://help.example.com/{lang}/{doc}",
            language=lang,
            heading_path=(),
            text=text,
            content_hash="x",
        )
        score = 0.82 - 0.07 * i
        out.append(SearchHit(chunk=chunk, score=score, vector_score=score, keyword_score=0.5))
    return out


def retriever(plain: bool) -> Any:
    def search(query: str, language: str) -> list[Any]:
        ranked = sorted(
            hits(language),
            key=lambda h: -len(set(query.lower().split()) & set(h.chunk.text.lower().split())),
        )
        return ranked

    if plain:
        return search
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever

    from knowledge.retrieval import document_of

    class Fixed(BaseRetriever):
        language: str | None = None

        def _get_relevant_documents(
            self, query: str, *, run_manager: CallbackManagerForRetrieverRun
        ) -> list[Document]:
            return [document_of(h) for h in search(query, self.language or "en")]

    return Fixed()


def direct(question: str, language: str, search: Any, config: Any, profile: Any) -> Any:
    """The same steps called one after the other, without LangChain (the chain before it was
    made of Runnables did exactly this)."""
    from dataclasses import replace

    from knowledge.answer import chain
    from knowledge.answer.compose import compose_answer, compose_verdict
    from knowledge.answer.decide import decide
    from knowledge.answer.fallback import with_fallback_translation
    from knowledge.types import TurnRequest

    state = chain.prepare(TurnRequest(text=question, language=language), config)
    found = with_fallback_translation(
        chain.retrieve_hits(state, search, {}), language, config, search
    )
    state = replace(state, hits=tuple(found))
    verdict = decide(
        state.question,
        list(state.hits),
        language=language,
        config=config,
        history_text=state.history_text,
    )
    answer = compose_verdict(verdict, language=language, question=state.question) or (
        compose_answer(
            state.asked,
            verdict,
            language=language,
            profile=profile,
            config=config,
            history=state.history,
            composer="extractive",
        )
    )
    return chain.guard(
        replace(state, verdict=verdict, answer=replace(answer, question=state.question))
    )


def percentiles(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return f"p50 {statistics.median(times):.2f} ms, p95 {p95:.2f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=400, help="turns per variant")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from knowledge.answer.chain import answer_question
    from knowledge.answer.config import AnswerConfig
    from knowledge.profile import Profile

    config, profile = AnswerConfig(), Profile()
    plain, lc = retriever(plain=True), retriever(plain=False)

    def chain_turn(q: str, lang: str) -> Any:
        return answer_question(
            q, language=lang, retrieve=lc, composer="extractive", config=config, profile=profile
        )

    variants = {
        "runnables": chain_turn,
        "direct": lambda q, lang: direct(q, lang, plain, config, profile),
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    kinds: dict[str, list[str]] = {name: [] for name in variants}
    for q, lang in QUESTIONS:  # warm-up: imports, word lists, regexes
        for run in variants.values():
            run(q, lang)
    for n in range(args.turns):  # interleaved, so both variants see the same machine load
        q, lang = QUESTIONS[n % len(QUESTIONS)]
        for name, run in variants.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            ans = run(q, lang)
            times[name].append((time.perf_counter() - start) * 1000)
            cpu[name].append((time.process_time() - start_cpu) * 1000)
            kinds[name].append(ans.kind)
    assert kinds["runnables"] == kinds["direct"], "the two variants must decide alike"
    # CPU time is what the chain costs; wall time also counts other processes on a busy machine
    for name in variants:
        print(
            f"{name:<10} {args.turns} turns: wall {percentiles(times[name])}; "
            f"CPU {percentiles(cpu[name])}"
        )
    overhead = [a - b for a, b in zip(cpu["runnables"], cpu["direct"], strict=True)]
    print(f"Runnables + callbacks, CPU per turn: {percentiles(overhead)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
