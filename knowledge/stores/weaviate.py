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
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import numpy as np
from langchain_core.embeddings import Embeddings

from knowledge.embeddings import score_bounds
from knowledge.stores.base import DEFAULT_ALPHA, Candidate, fingerprint, fuse, keyword_terms
from knowledge.stores.embedding_cache import EmbeddingCache
from knowledge.types import Chunk, SearchHit

if TYPE_CHECKING:
    from knowledge.settings import Settings

log = logging.getLogger(__name__)

INSERT_BATCH = 200  # objects per insert_many call (one gRPC request each)
LOOKUP_BATCH = 100  # ids per existence lookup
TEXT_PROPS = (
    "chunk_id",
    "source",
    "doc_id",
    "title",
    "url",
    "language",
    "text",
    "content_hash",
    "fingerprint",
    "keywords",
)


class StoreError(RuntimeError):
    """The store could not do what was asked (unreachable, rejected writes, bad schema)."""


@dataclass(frozen=True)
class ConnectionParams:
    """How to reach a Weaviate from its URL: a cloud cluster or a custom host."""

    cloud: bool
    http_host: str
    http_port: int
    http_secure: bool
    grpc_host: str
    grpc_port: int
    grpc_secure: bool
    url: str


def connection_params(url: str, *, grpc_port: int = 50051) -> ConnectionParams:
    """Parse `WEAVIATE_URL` (e.g. http://localhost:8080, https://x.weaviate.cloud)."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"WEAVIATE_URL must look like http(s)://host[:port], got {url!r}")
    secure = parts.scheme == "https"
    host = parts.hostname
    cloud = host.endswith((".weaviate.cloud", ".weaviate.network", ".wcs.api.weaviate.io"))
    return ConnectionParams(
        cloud=cloud,
        http_host=host,
        http_port=parts.port or (443 if secure else 80),
        http_secure=secure,
        grpc_host=host,
        grpc_port=443 if cloud else grpc_port,
        grpc_secure=secure,
        url=f"{parts.scheme}://{parts.netloc}",
    )


def collection_properties() -> list[Any]:
    """The schema: filterable exact-match fields, and word-tokenised text for BM25."""
    from weaviate.classes.config import DataType, Property, Tokenization

    def exact(name: str) -> Any:
        return Property(
            name=name,
            data_type=DataType.TEXT,
            tokenization=Tokenization.FIELD,
            index_filterable=True,
            index_searchable=False,
        )

    def words(name: str, *, searchable: bool) -> Any:
        return Property(
            name=name,
            data_type=DataType.TEXT,
            tokenization=Tokenization.WORD,
            index_filterable=False,
            index_searchable=searchable,
        )

    return [
        exact("chunk_id"),
        exact("source"),
        exact("doc_id"),
        exact("language"),
        exact("content_hash"),
        exact("fingerprint"),
        exact("url"),
        words("title", searchable=False),
        words("text", searchable=False),
        words("keywords", searchable=True),
        Property(
            name="heading_path",
            data_type=DataType.TEXT_ARRAY,
            index_filterable=False,
            index_searchable=False,
        ),
    ]


def build_filter(
    sources: Sequence[str] | None = None,
    languages: Sequence[str] | None = None,
    doc_ids: Sequence[str] | None = None,
) -> Any:
    """A v4 `Filter` (None when nothing restricts the query)."""
    from weaviate.classes.query import Filter

    parts = []
    if sources:
        parts.append(Filter.by_property("source").contains_any(list(sources)))
    if languages:
        parts.append(Filter.by_property("language").contains_any(list(languages)))
    if doc_ids:
        parts.append(Filter.by_property("doc_id").contains_any(list(doc_ids)))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else Filter.all_of(parts)


def object_uuid(chunk_id: str) -> str:
    from weaviate.util import generate_uuid5

    return str(generate_uuid5(chunk_id))


def to_properties(chunk: Chunk) -> dict[str, Any]:
    return {
        "chunk_id": chunk.id,
        "source": chunk.source,
        "doc_id": chunk.doc_id,
        "title": chunk.title,
        "url": chunk.url,
        "language": chunk.language,
        "heading_path": list(chunk.heading_path),
        "text": chunk.text,
        "content_hash": chunk.content_hash,
        "fingerprint": fingerprint(chunk),
        "keywords": chunk.for_embedding(),
    }


def from_properties(props: dict[str, Any]) -> Chunk:
    return Chunk(
        id=str(props["chunk_id"]),
        source=str(props["source"]),
        doc_id=str(props["doc_id"]),
        title=str(props.get("title") or ""),
        url=str(props.get("url") or ""),
        language=str(props.get("language") or ""),
        heading_path=tuple(props.get("heading_path") or ()),
        text=str(props.get("text") or ""),
        content_hash=str(props.get("content_hash") or ""),
    )


def data_objects(chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> list[Any]:
    from weaviate.classes.data import DataObject

    return [
        DataObject(properties=to_properties(c), uuid=object_uuid(c.id), vector=list(v))
        for c, v in zip(chunks, vectors, strict=True)
    ]


def batches(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def check_batch(result: Any, chunks: Sequence[Chunk]) -> None:
    """Raise with the first failures of an `insert_many` (Weaviate reports them per object)."""
    errors = getattr(result, "errors", None) or {}
    if errors:
        first = sorted(errors.items())[:3]
        detail = "; ".join(f"{chunks[i].id}: {getattr(e, 'message', e)}" for i, e in first)
        raise StoreError(f"Weaviate rejected {len(errors)} of {len(chunks)} chunks ({detail})")


def _default_vector(vector: Any) -> list[float] | None:
    if isinstance(vector, dict):
        vector = vector.get("default") or next(iter(vector.values()), None)
    return None if vector is None else [float(x) for x in vector]


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
                vec = _default_vector(obj.vector)
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
