"""Weaviate mapping for the production store (knowledge/stores/weaviate.py).

The pure parts, kept apart from the client-holding store: connection parameters from a URL, the
collection schema, chunk <-> object properties, filters, batching and insert-result checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from knowledge.stores.base import fingerprint
from knowledge.types import Chunk

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


def default_vector(vector: Any) -> list[float] | None:
    if isinstance(vector, dict):
        vector = vector.get("default") or next(iter(vector.values()), None)
    return None if vector is None else [float(x) for x in vector]
