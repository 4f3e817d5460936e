"""Chunk stores behind one protocol (`ChunkStore`), chosen by `settings.store`.

`get_store()` is what ingestion, retrieval and the CLI call; it returns a process-wide store
built on first use (an embedded LanceDB directory by default, Weaviate when configured).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from knowledge.stores.base import ChunkStore

if TYPE_CHECKING:
    from knowledge.settings import Settings

__all__ = ["ChunkStore", "build_store", "get_store", "reset_store"]

_LOCK = threading.Lock()
_STORE: ChunkStore | None = None


def embedding_cache_path(settings: Settings) -> Path:
    """The SQLite file of cached embeddings (every model's vectors, keyed by model id)."""
    return settings.embedding_cache or settings.data_dir / "cache" / "embeddings.sqlite"


def build_store(settings: Settings) -> ChunkStore:
    """A new store for `settings` (callers own it and must `close()` it)."""
    from knowledge.embeddings import get_embeddings

    embeddings = get_embeddings(settings)
    cache_path = embedding_cache_path(settings)
    if settings.store == "weaviate":
        from knowledge.stores.weaviate import WeaviateChunkStore

        return WeaviateChunkStore.from_settings(settings, embeddings, cache_path=cache_path)
    from knowledge.stores.lance import LanceChunkStore

    return LanceChunkStore(settings.index_dir, embeddings, cache_path=cache_path)


def get_store(settings: Settings | None = None) -> ChunkStore:
    """The shared store: built once per process from `settings` (default: `get_settings()`)."""
    global _STORE
    with _LOCK:
        if _STORE is None:
            if settings is None:
                from knowledge.settings import get_settings

                settings = get_settings()
            _STORE = build_store(settings)
        return _STORE


def reset_store() -> None:
    """Closes and forgets the shared store (tests, or after changing settings)."""
    global _STORE
    with _LOCK:
        if _STORE is not None:
            _STORE.close()
        _STORE = None
