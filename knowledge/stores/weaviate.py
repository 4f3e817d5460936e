"""The production store: Weaviate (self-hosted or cloud) through the v4 client.

Same contract and same scores as the embedded store: vectors come from our own embedding model
(the collection has no vectorizer), and a search is two server-side queries, `near_vector` over
all allowed chunks and `bm25` over the chunks in the query's language, fused by `base.fuse`.
Weaviate's built-in hybrid fusion normalises scores per query (relative-score) or ranks only
(RRF), so its numbers cannot be thresholded across queries, and it would let keyword noise from
other languages in; the answer chain relies on both properties.

The client is created on first use and closed by `close()`; every call has the timeouts of
`AdditionalConfig`. Weaviate errors surface as `StoreError` with one readable line.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from langchain_core.embeddings import Embeddings

from knowledge.embeddings import score_bounds
from knowledge.stores.base import DEFAULT_ALPHA, Candidate, fingerprint, fuse, keyword_terms
from knowledge.stores.embedding_cache import EmbeddingCache
from knowledge.stores.weaviate_schema import (
    INSERT_BATCH,
    LOOKUP_BATCH,
    ConnectionParams,
    StoreError,
    batches,
    build_filter,
    check_batch,
    collection_properties,
    connection_params,
    data_objects,
    default_vector,
    from_properties,
    object_uuid,
    to_properties,
)
from knowledge.types import Chunk, SearchHit

if TYPE_CHECKING:
    from knowledge.settings import Settings

log = logging.getLogger(__name__)

__all__ = [
    "ConnectionParams",
    "StoreError",
    "WeaviateChunkStore",
    "batches",
    "build_filter",
    "check_batch",
    "collection_properties",
    "connect_client",
    "connection_params",
    "data_objects",
    "from_properties",
    "object_uuid",
    "to_properties",
]


class WeaviateChunkStore:
    """`ChunkStore` over one Weaviate collection (name from settings)."""

    def __init__(
        self,
        connect: Callable[[], Any],
        embeddings: Embeddings,
        *,
        collection: str = "CustomerAgentChunk",
        cache_path: Path | None = None,
        alpha: float = DEFAULT_ALPHA,
        candidates: int = 50,
    ) -> None:
        self._connect = connect
        self.embeddings = embeddings
        self.collection_name = collection
        self.alpha = alpha
        self.candidates = candidates
        self.floor, self.ceiling = score_bounds(embeddings)
        self.cache = EmbeddingCache(cache_path, embeddings) if cache_path else None
        self._client: Any = None
        self._lock = threading.RLock()

    @classmethod
    def from_settings(
        cls, settings: Settings, embeddings: Embeddings, *, cache_path: Path | None = None
    ) -> WeaviateChunkStore:
        if not settings.weaviate_url:
            raise StoreError("store=weaviate needs WEAVIATE_URL (e.g. http://localhost:8080)")
        params = connection_params(settings.weaviate_url, grpc_port=settings.weaviate_grpc_port)
        key = settings.weaviate_api_key.get_secret_value() if settings.weaviate_api_key else None

        def connect() -> Any:
            return connect_client(params, api_key=key, timeout_s=settings.http_timeout_s)

        return cls(
            connect, embeddings, collection=settings.weaviate_collection, cache_path=cache_path
        )

    # -- client and collection --------------------------------------------------------------

    def _collection(self, *, create: bool = False) -> Any:
        from weaviate.exceptions import WeaviateBaseError

        with self._lock:
            try:
                if self._client is None:
                    self._client = self._connect()
                if not self._client.collections.exists(self.collection_name):
                    if not create:
                        return None
                    self._create_collection()
                return self._client.collections.get(self.collection_name)
            except WeaviateBaseError as exc:
                raise StoreError(f"Weaviate unavailable: {exc}") from exc

    def _create_collection(self) -> None:
        from weaviate.classes.config import Configure, VectorDistances

        self._client.collections.create(
            self.collection_name,
            properties=collection_properties(),
            vector_config=Configure.Vectors.self_provided(
                vector_index_config=Configure.VectorIndex.hnsw(
                    distance_metric=VectorDistances.COSINE
                )
            ),
        )

    def _call(self, what: str, fn: Callable[[], Any]) -> Any:
        from weaviate.exceptions import WeaviateBaseError

        try:
            return fn()
        except WeaviateBaseError as exc:
            raise StoreError(f"Weaviate {what} failed: {exc}") from exc

    # -- ChunkStore -------------------------------------------------------------------------

    def _embed(self, texts: list[str]) -> list[list[float]]:
        if self.cache is not None:
            return self.cache.embed_documents(texts)
        return self.embeddings.embed_documents(texts)

    def _known_fingerprints(self, col: Any, chunks: Sequence[Chunk]) -> dict[str, str]:
        from weaviate.classes.query import Filter

        known: dict[str, str] = {}
        for part in batches(list(chunks), LOOKUP_BATCH):
            ids = [object_uuid(c.id) for c in part]
            res = self._call(
                "lookup",
                partial(
                    col.query.fetch_objects,
                    filters=Filter.by_id().contains_any(ids),
                    limit=len(ids),
                    return_properties=["chunk_id", "fingerprint"],
                ),
            )
            for obj in res.objects:
                known[str(obj.properties["chunk_id"])] = str(obj.properties["fingerprint"])
        return known

    def upsert(self, chunks: Sequence[Chunk]) -> int:
        """Writes new and changed chunks in batches; unchanged ones are skipped."""
        if not chunks:
            return 0
        unique = list({c.id: c for c in chunks}.values())
        col = self._collection(create=True)
        known = self._known_fingerprints(col, unique)
        todo = [c for c in unique if known.get(c.id) != fingerprint(c)]
        if not todo:
            return 0
        vectors = self._embed([c.for_embedding() for c in todo])
        written = 0
        for part, vecs in zip(
            batches(todo, INSERT_BATCH), batches(vectors, INSERT_BATCH), strict=True
        ):
            objs = data_objects(part, vecs)
            # insert_many replaces objects with the same uuid (uuid derives from the chunk id)
            result = self._call("insert", partial(col.data.insert_many, objs))
            check_batch(result, part)
            written += len(part)
        return written

    def delete(self, source: str, doc_ids: Iterable[str] | None = None) -> int:
        ids = None if doc_ids is None else list(doc_ids)
        if ids is not None and not ids:
            return 0
        col = self._collection()
        if col is None:
            return 0
        where = build_filter(sources=[source], doc_ids=ids)
        result = self._call("delete", lambda: col.data.delete_many(where=where))
        return int(getattr(result, "successful", 0) or 0)

    def count(self, source: str | None = None) -> int:
        col = self._collection()
        if col is None:
            return 0
        where = build_filter(sources=[source]) if source else None
        res = self._call("count", lambda: col.aggregate.over_all(total_count=True, filters=where))
        return int(res.total_count or 0)

    def search(
        self,
        query: str,
        *,
        k: int = 10,
        language: str | None = None,
        sources: Sequence[str] | None = None,
        alpha: float | None = None,
        languages: Sequence[str] | None = None,
    ) -> list[SearchHit]:
        from weaviate.classes.query import MetadataQuery

        query = query.strip()
        if not query or k <= 0:
            return []
        col = self._collection()
        if col is None:
            return []
        qvec = self.embeddings.embed_query(query)
        n = max(self.candidates, 3 * k)
        where = build_filter(sources, languages)
        dense = self._call(
            "near_vector",
            partial(
                col.query.near_vector,
                qvec,
                limit=n,
                filters=where,
                return_metadata=MetadataQuery(distance=True),
            ),
        )
        cands: dict[str, Candidate] = {}
        for obj in dense.objects:
            chunk = from_properties(obj.properties)
            cands[chunk.id] = Candidate(chunk, cosine=1.0 - float(obj.metadata.distance or 0.0))
        terms = keyword_terms(query)  # visitor text is words, never query syntax
        kw_langs = [language] if language else None
        if languages and kw_langs:
            kw_langs = [x for x in kw_langs if x in languages]
        if terms and (kw_langs is None or kw_langs):
            kw_where = build_filter(sources, kw_langs or languages)
            sparse = self._call(
                "bm25",
                partial(
                    col.query.bm25,
                    terms,
                    query_properties=["keywords"],
                    limit=n,
                    filters=kw_where,
                    include_vector=True,
                    return_metadata=MetadataQuery(score=True),
                ),
            )
            q = np.asarray(qvec, dtype=np.float32)
            for obj in sparse.objects:
                chunk = from_properties(obj.properties)
                score = float(obj.metadata.score or 0.0)
                if chunk.id in cands:
                    cands[chunk.id].bm25 = score
                    continue
                vec = default_vector(obj.vector)
                cos = None
                if vec is not None:
                    v = np.asarray(vec, dtype=np.float32)
                    cos = float(v @ q / ((np.linalg.norm(v) * np.linalg.norm(q)) or 1.0))
                cands[chunk.id] = Candidate(chunk, cosine=cos, bm25=score)
        return fuse(
            cands.values(),
            k=k,
            alpha=self.alpha if alpha is None else alpha,
            language=language,
            floor=self.floor,
            ceiling=self.ceiling,
        )

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
            if self.cache is not None:
                self.cache.close()


def connect_client(params: ConnectionParams, *, api_key: str | None, timeout_s: float) -> Any:
    """A connected v4 client (cloud or custom host); the caller closes it."""
    import weaviate
    from weaviate.classes.init import AdditionalConfig, Auth, Timeout

    config = AdditionalConfig(
        timeout=Timeout(init=min(timeout_s, 10), query=timeout_s, insert=max(timeout_s, 60))
    )
    auth = Auth.api_key(api_key) if api_key else None
    if params.cloud:
        if auth is None:
            raise StoreError("a Weaviate Cloud cluster needs WEAVIATE_API_KEY")
        return weaviate.connect_to_weaviate_cloud(
            cluster_url=params.url, auth_credentials=auth, additional_config=config
        )
    return weaviate.connect_to_custom(
        http_host=params.http_host,
        http_port=params.http_port,
        http_secure=params.http_secure,
        grpc_host=params.grpc_host,
        grpc_port=params.grpc_port,
        grpc_secure=params.grpc_secure,
        auth_credentials=auth,
        additional_config=config,
    )
