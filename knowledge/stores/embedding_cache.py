"""Embeddings cached by content hash, so re-ingesting identical text never re-embeds it.

Embedding is the slow part of ingestion (~0.2 s per passage on two cores), and a re-sync or a
rebuilt index mostly sees text it has embedded before. The cache is a SQLite file under
`data_dir/cache/`, keyed by (model id, sha256 of the exact text embedded); vectors are float32
blobs. It is safe to delete at any time.
"""

from __future__ import annotations

import hashlib
import sqlite3
import sys
import threading
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path

from langchain_core.embeddings import Embeddings
from tqdm import tqdm

from knowledge.embeddings import model_id


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Lookup-then-embed-the-rest, in batches, with a progress bar for long ingests."""

    def __init__(self, path: Path, embeddings: Embeddings, *, batch_size: int = 32) -> None:
        self.path = path
        self.embeddings = embeddings
        self.model = model_id(embeddings)
        self.batch_size = batch_size
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS vectors (model TEXT NOT NULL, key TEXT NOT NULL,"
                " vec BLOB NOT NULL, PRIMARY KEY (model, key))"
            )
            self._db = db
        return self._db

    def _get(self, keys: Sequence[str]) -> dict[str, list[float]]:
        found: dict[str, list[float]] = {}
        db = self._conn()
        for start in range(0, len(keys), 500):
            part = list(keys[start : start + 500])
            marks = ",".join("?" * len(part))
            rows = db.execute(
                f"SELECT key, vec FROM vectors WHERE model = ? AND key IN ({marks})",  # noqa: S608
                [self.model, *part],
            )
            for key, blob in rows:
                found[key] = array("f", blob).tolist()
        return found

    def _put(self, items: dict[str, list[float]]) -> None:
        db = self._conn()
        db.executemany(
            "INSERT OR REPLACE INTO vectors (model, key, vec) VALUES (?, ?, ?)",
            [(self.model, k, array("f", v).tobytes()) for k, v in items.items()],
        )
        db.commit()

    def embed_documents(
        self, texts: Sequence[str], *, progress: bool | None = None
    ) -> list[list[float]]:
        """Vectors for `texts`, in order; only unseen texts reach the model.

        `progress=None` shows a bar only on a terminal and only when there are enough misses to
        be worth watching (a sync run by cron or a container stays quiet).
        """
        keys = [text_key(t) for t in texts]
        with self._lock:
            known = self._get(sorted(set(keys)))
        todo: dict[str, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in known:
                todo.setdefault(key, text)
        self.hits += len(texts) - sum(1 for k in keys if k in todo)
        self.misses += len(todo)
        items = list(todo.items())
        show = progress if progress is not None else len(items) >= 64 and sys.stderr.isatty()
        bar: Callable[..., tqdm] = tqdm
        with bar(total=len(items), desc="embedding", unit="chunk", disable=not show) as pbar:
            for start in range(0, len(items), self.batch_size):
                batch = items[start : start + self.batch_size]
                vectors = self.embeddings.embed_documents([t for _, t in batch])
                fresh = {k: list(map(float, v)) for (k, _), v in zip(batch, vectors, strict=True)}
                with self._lock:
                    self._put(fresh)
                known.update(fresh)
                pbar.update(len(batch))
        return [known[k] for k in keys]

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
