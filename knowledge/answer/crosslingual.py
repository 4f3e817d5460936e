"""A second opinion on passages in another language than the question: multilingual USE.

The bundled e5-small ranks a page well for a question in the page's own language but poorly
across languages: over the removed-page eval (benchmarks/README.md, dev topic pages, Dutch
questions over English pages) the gold page came first for 113 of 207 questions. USE v3 (also
bundled, `knowledge.embeddings.UseEmbeddings`) was trained on translation pairs, so it judges a
Dutch question against an English passage independently of e5; re-scoring the retrieved
passages with half of each put the gold page first for 143 of 207. Only passages in another
language than the question are re-scored: within one language e5 is the better judge, and a
turn with none pays nothing (docs/architecture.md "The decision").

Runs between retrieval (and its fallback translation) and the decision, in the chain and in the
tuner alike, when `cross_lingual_mix` (bot/answering.yml) is above 0. Passage vectors are
cached by text in the store's embedding cache (keyed by model id, so USE and e5 vectors never
mix): each passage is embedded once per deployment and a turn costs one query embedding
(~2 ms). A failing second opinion never fails the turn: the hits come back as retrieved.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from knowledge.stores.embedding_cache import EmbeddingCache
    from knowledge.types import SearchHit

log = logging.getLogger(__name__)

_LOCK = threading.Lock()
_CACHES: dict[Path, EmbeddingCache] = {}


def deployment_cache() -> EmbeddingCache:
    """The USE view of the store's embedding cache file, one per file per process (the file is
    read from the settings on each call, so a test or the tuner pointing it elsewhere is seen)."""
    from knowledge.embeddings import UseEmbeddings
    from knowledge.settings import get_settings
    from knowledge.stores import embedding_cache_path
    from knowledge.stores.embedding_cache import EmbeddingCache

    path = embedding_cache_path(get_settings())
    with _LOCK:
        if path not in _CACHES:
            _CACHES[path] = EmbeddingCache(path, UseEmbeddings())
        return _CACHES[path]


def passage_text(hit: SearchHit) -> str:
    """What USE reads of a passage: its page title, then the passage."""
    return f"{hit.chunk.title}\n{hit.chunk.text}"


def rerank(
    query: str,
    hits: Sequence[SearchHit],
    language: str,
    mix: float,
    *,
    cache: EmbeddingCache | None = None,
) -> list[SearchHit]:
    """`hits` with each other-language hit's vector score (and fused score) mixed with USE's.

    A re-scored hit gets `(1 - mix) * vector_score + mix * use` as both `vector_score` and
    `score`, with USE's cosine normalised onto [0, 1] by its score bounds like e5's; the list is
    re-sorted by `score` (stable). With `mix <= 0` or no hit in another language the hits come
    back as given, without loading USE. `cache` defaults to the deployment's embedding cache.
    """
    if mix <= 0 or all(h.chunk.language == language for h in hits):
        return list(hits)
    others = [i for i, h in enumerate(hits) if h.chunk.language != language]
    try:
        similarity = _similarities(query, [passage_text(hits[i]) for i in others], cache)
    except Exception as exc:  # a second opinion must never fail the turn
        log.warning(
            "cross_lingual_rerank_failed",
            extra={"fields": {"error": type(exc).__name__, "detail": str(exc)[:200]}},
        )
        return list(hits)
    out = list(hits)
    for i, use in zip(others, similarity, strict=True):
        mixed = (1 - mix) * (out[i].vector_score or 0.0) + mix * use
        out[i] = replace(out[i], vector_score=mixed, score=mixed)
    return sorted(out, key=lambda h: -h.score)


def _similarities(query: str, texts: list[str], cache: EmbeddingCache | None) -> list[float]:
    """USE cosine of `query` with each text, mapped onto [0, 1] by USE's score bounds."""
    import numpy as np

    from knowledge.embeddings import UseEmbeddings

    store = cache or deployment_cache()
    use = UseEmbeddings()
    q = np.asarray(use.embed_query(query), dtype=np.float32)
    p = np.asarray(store.embed_documents(texts, progress=False), dtype=np.float32)
    norms = np.linalg.norm(p, axis=1) * (np.linalg.norm(q) or 1.0)
    cos = (p @ q) / np.where(norms > 0, norms, 1.0)
    low, high = use.score_floor, use.score_ceiling
    return [float(x) for x in np.clip((cos - low) / (high - low), 0.0, 1.0)]
