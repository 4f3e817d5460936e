"""Which language to quote when nothing in the visitor's language answers: the fallback first.

A German visitor over English and Dutch content reads the English page more easily than the
Dutch one (`fallback_languages` in bot/answering.yml, English by default), but a German question
often ranks the Dutch page first, and the English page that ranks best is then not always the
same topic ("Wie lange gilt die Garantie auf den Akku?": the Dutch warranty page first, the
English spare-battery rental page above the English warranty page). So the topic is taken from
the best match whatever its language, and its *translation* is looked up: a passage searched
for with the best passage itself, in a fallback language, finds its translation far more surely
(vector score 0.8-1.0 on the sample) than the visitor's question does. The translation takes
the place of the page it translates (all that page's passages), with its best passage's scores,
so the decision (`knowledge/answer/evidence.py: primary_hit`) quotes it, weighs the evidence the
question actually had, and never sees a page and its translation as two topics that tie.
Runs between retrieval and the decision; one more search, only for such turns.
"""

from __future__ import annotations

from collections.abc import Callable

from knowledge.answer.config import AnswerConfig
from knowledge.answer.evidence import relevance
from knowledge.types import SearchHit

Search = Callable[[str, str], list[SearchHit]]
"""(query, language) -> hits, best first (the chain's retriever)."""

PASSAGE_QUERY_CHARS = 1000  # the start of a passage identifies it; the rest costs embedding time


def needs_translation(hits: list[SearchHit], language: str, config: AnswerConfig) -> bool:
    """Nothing relevant in the visitor's language, and the best match is in neither the
    visitor's nor a fallback language."""
    if not hits or not config.fallback_languages:
        return False
    if any(h.chunk.language == language and relevance(h, config) >= config.min_score for h in hits):
        return False
    best = max(hits, key=lambda h: h.score)
    return best.chunk.language not in (language, *config.fallback_languages)


def with_fallback_translation(
    hits: list[SearchHit], language: str, config: AnswerConfig, search: Search
) -> list[SearchHit]:
    """`hits` with the best match's translation in a fallback language, when there is one.

    The translation is the best hit in that language for the passage's own text, if its vector
    score reaches `translation_min_score`; it replaces the translated page's passages, with the
    best one's scores. Without one, `hits` come back unchanged (the best match is quoted).
    """
    if not needs_translation(hits, language, config):
        return hits
    ranked = sorted(hits, key=lambda h: h.score, reverse=True)
    best = ranked[0]
    query = f"{best.chunk.title}\n{best.chunk.text}"[:PASSAGE_QUERY_CHARS]
    for fallback in config.fallback_languages:
        found = [h for h in search(query, fallback) if h.chunk.language == fallback]
        if found and (found[0].vector_score or 0.0) >= config.translation_min_score:
            twin = SearchHit(
                chunk=found[0].chunk,
                score=best.score,
                vector_score=best.vector_score,
                keyword_score=best.keyword_score,
            )
            page = (best.chunk.source, best.chunk.doc_id)
            rest = [
                h
                for h in ranked
                if h.chunk.id != twin.chunk.id and (h.chunk.source, h.chunk.doc_id) != page
            ]
            return [twin, *rest]
    return hits
