"""The embedded default store: LanceDB on disk under `settings.index_dir`, hybrid and offline.

Layout: one table per embedding model (vectors of two models never mix). Each chunk's keyword
text goes into the column of its own language (`kw_en`, `kw_nl`, ...), each with a native
full-text index using that language's stemmer and stop words; languages without a stemmer share
`kw_xx` (plain tokens). A query's keyword side searches only its own language's column, which is
what makes the fusion in `base.fuse` language-aware. Vectors are searched exhaustively: exact and
fast enough below ~100k chunks, so no ANN index to train or go stale.

The index records the model it was last synced with (knowledge/stores/model_record.py): a store
configured with another model refuses to search it (one line: run `customer-agent sync`), and the
next sync re-embeds every source with the configured model (`adopt_model`; the embedding cache
makes a switch back cheap).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from langchain_core.embeddings import Embeddings

from knowledge.embeddings import model_id, score_bounds
from knowledge.stores.base import (
    CROSS_LANGUAGE_WEIGHT,
    DEFAULT_ALPHA,
    Candidate,
    fingerprint,
    fuse,
    keyword_terms,
)
from knowledge.stores.embedding_cache import EmbeddingCache

# MODEL_RECORD and IndexModelMismatch are re-exported: callers import them from the store
from knowledge.stores.model_record import MODEL_RECORD as MODEL_RECORD
from knowledge.stores.model_record import TABLE_PREFIX, ModelRecord
from knowledge.stores.model_record import IndexModelMismatch as IndexModelMismatch
from knowledge.types import Chunk, SearchHit

log = logging.getLogger(__name__)

# ISO 639-1 -> stemmer / stop-word language of Lance's native full-text index
STEMMERS = {
    "ar": "Arabic",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "es": "Spanish",
    "fi": "Finnish",
    "fr": "French",
    "hu": "Hungarian",
    "it": "Italian",
    "nl": "Dutch",
    "no": "Norwegian",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sv": "Swedish",
    "tr": "Turkish",
}
OTHER = "xx"
META_COLUMNS = [
    "id",
    "source",
    "doc_id",
    "title",
    "url",
    "language",
    "heading_path",
    "text",
    "content_hash",
]
OPTIMIZE_EVERY = 2000  # rows written between index merges (unindexed rows are still searched)


def kw_column(language: str | None) -> str:
    lang = (language or "").split("-")[0].lower()
    return f"kw_{lang if lang in STEMMERS else OTHER}"


def sql_str(value: str) -> str:
    """A SQL string literal for Lance filters (quotes doubled, so values cannot break out)."""
    return "'" + value.replace("'", "''") + "'"


def where_clause(
    sources: Sequence[str] | None = None, languages: Sequence[str] | None = None
) -> str | None:
    parts = []
    if sources:
        parts.append(f"source IN ({', '.join(sql_str(s) for s in sources)})")
    if languages:
        parts.append(f"language IN ({', '.join(sql_str(x) for x in languages)})")
    return " AND ".join(parts) or None


def table_name(model: str) -> str:
    return TABLE_PREFIX + re.sub(r"[^A-Za-z0-9]+", "_", model).strip("_").lower()


class LanceChunkStore:
    """`ChunkStore` over an embedded LanceDB directory; safe to share between threads."""

    def __init__(
        self,
        path: Path,
        embeddings: Embeddings,
        *,
        cache_path: Path | None = None,
        alpha: float = DEFAULT_ALPHA,
        cross_weight: float = CROSS_LANGUAGE_WEIGHT,
        candidates: int = 50,
    ) -> None:
        import lancedb

        self.path = path
        self.embeddings = embeddings
        self.alpha = alpha
        self.cross_weight = cross_weight
        self.candidates = candidates
        self.floor, self.ceiling = score_bounds(embeddings)
        self.cache = EmbeddingCache(cache_path or path / "embedding-cache.sqlite", embeddings)
        path.mkdir(parents=True, exist_ok=True)
        # other processes (the sync CLI) write while the action server reads: look for new
        # versions every few seconds instead of never
        self._db = lancedb.connect(str(path), read_consistency_interval=timedelta(seconds=5))
        self.model = model_id(embeddings)
        self._name = table_name(self.model)
        self._lock = threading.RLock()
        self._table: Any = None
        self._written_since_optimize = 0
        self._record = ModelRecord(path, self.model, self._name, self._table_names)

    # -- which model built the index (knowledge/stores/model_record.py) -----------------------

    def _table_names(self) -> list[str]:
        return list(self._db.list_tables().tables)

    def built_with(self) -> str | None:
        """The model the index was last synced with (None: nothing indexed yet)."""
        return self._record.built_with()

    def adopt_model(self) -> str | None:
        """Before a sync: make the configured model the index's; returns the previous one."""
        with self._lock:
            return self._record.adopt(self._drop_own_table)

    def _drop_own_table(self) -> None:
        """Our model's table, left from before a switch, missed every change made since: the
        sync re-embeds everything (unchanged texts come from the cache)."""
        if self._name in self._table_names():
            self._db.drop_table(self._name)
        self._table = None

    def check_model(self) -> None:
        """Refuses to search an index built with another model (once per store)."""
        self._record.check()

    # -- table management -------------------------------------------------------------------

    def _schema(self, dim: int) -> pa.Schema:
        fields = [pa.field(c, pa.string()) for c in META_COLUMNS if c != "heading_path"]
        fields.insert(6, pa.field("heading_path", pa.list_(pa.string())))
        fields.append(pa.field("fingerprint", pa.string()))
        fields.append(pa.field("vector", pa.list_(pa.float32(), dim)))
        for lang in [*STEMMERS, OTHER]:
            fields.append(pa.field(f"kw_{lang}", pa.string()))
        return pa.schema(fields)

    def _open(self, dim: int | None = None) -> Any:
        """The table, opened lazily; created (needs `dim`) on first write."""
        if self._table is None:
            if self._name in self._db.list_tables().tables:
                self._table = self._db.open_table(self._name)
            elif dim is not None:
                self._table = self._db.create_table(self._name, schema=self._schema(dim))
        return self._table

    def _indexed_columns(self) -> set[str]:
        return {c for idx in self._table.list_indices() for c in idx.columns}

    def _ensure_fts(self, columns: Iterable[str]) -> None:
        from lancedb.index import FTS

        have = self._indexed_columns()
        for col in sorted(set(columns) - have):
            lang = col.removeprefix("kw_")
            config = (
                FTS(language=STEMMERS[lang], stem=True, remove_stop_words=True)
                if lang in STEMMERS
                else FTS(stem=False, remove_stop_words=False)
            )
            self._table.create_index(col, config=config, replace=True)

    # -- ChunkStore -------------------------------------------------------------------------

    def upsert(self, chunks: Sequence[Chunk]) -> int:
        """Writes new and changed chunks (by id); unchanged ones cost one lookup, no embedding."""
        if not chunks:
            return 0
        unique = list({c.id: c for c in chunks}.values())
        prints = {c.id: fingerprint(c) for c in unique}
        with self._lock:
            table = self._open()
            if table is not None:
                where = f"id IN ({', '.join(sql_str(c.id) for c in unique)})"
                known = (
                    table.search().where(where).select(["id", "fingerprint"]).limit(None).to_arrow()
                )
                same = dict(
                    zip(known["id"].to_pylist(), known["fingerprint"].to_pylist(), strict=True)
                )
                unique = [c for c in unique if same.get(c.id) != prints[c.id]]
            if not unique:
                return 0
            vectors = self.cache.embed_documents([c.for_embedding() for c in unique])
            if not self._record.checked:
                self._record.record()
            table = self._open(dim=len(vectors[0]))
            rows = []
            for chunk, vec in zip(unique, vectors, strict=True):
                row: dict[str, Any] = {c: getattr(chunk, c) for c in META_COLUMNS}
                row["heading_path"] = list(chunk.heading_path)
                row["fingerprint"] = prints[chunk.id]
                row["vector"] = vec
                for lang in [*STEMMERS, OTHER]:
                    row[f"kw_{lang}"] = None
                row[kw_column(chunk.language)] = chunk.for_embedding()
                rows.append(row)
            data = pa.Table.from_pylist(rows, schema=table.schema)
            (
                table.merge_insert("id")
                .when_matched_update_all()
                .when_not_matched_insert_all()
                .execute(data)
            )
            self._ensure_fts(kw_column(c.language) for c in unique)
            self._written_since_optimize += len(rows)
            if self._written_since_optimize >= OPTIMIZE_EVERY:
                self.optimize()
            return len(rows)

    def optimize(self) -> None:
        """Folds new rows into the full-text indexes and compacts files (also after big syncs)."""
        with self._lock:
            if self._open() is not None:
                self._table.optimize()
            self._written_since_optimize = 0

    def delete(self, source: str, doc_ids: Iterable[str] | None = None) -> int:
        with self._lock:
            table = self._open()
            if table is None:
                return 0
            where = f"source = {sql_str(source)}"
            if doc_ids is not None:
                ids = list(doc_ids)
                if not ids:
                    return 0
                where += f" AND doc_id IN ({', '.join(sql_str(d) for d in ids)})"
            n = int(table.count_rows(where))
            if n:
                table.delete(where)
            return n

    def count(self, source: str | None = None) -> int:
        with self._lock:
            table = self._open()
            if table is None:
                return 0
            return int(table.count_rows(f"source = {sql_str(source)}" if source else None))

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
        """Hybrid search; `language` is the query's language, `languages` filters chunks."""
        query = query.strip()
        if not query or k <= 0:
            return []
        self.check_model()
        table = self._open()
        if table is None:
            return []
        qvec = np.asarray(self.embeddings.embed_query(query), dtype=np.float32)
        cands = self._candidates(
            query, qvec, max(self.candidates, 3 * k), language, where_clause(sources, languages)
        )
        return fuse(
            cands.values(),
            k=k,
            alpha=self.alpha if alpha is None else alpha,
            language=language,
            floor=self.floor,
            ceiling=self.ceiling,
            cross_weight=self.cross_weight,
        )

    def vector_search(self, query: str, *, k: int = 10, **filters: Any) -> list[SearchHit]:
        """Dense side alone (baseline for the benchmark and the 'show why' panel)."""
        return self.search(query, k=k, alpha=1.0, language=None, **filters)

    def keyword_search(
        self, query: str, *, k: int = 10, language: str | None = None, **filters: Any
    ) -> list[SearchHit]:
        """BM25 side alone, ranked by keyword score (baseline for the benchmark)."""
        table = self._open()
        if table is None or not query.strip():
            return []
        qvec = np.asarray(self.embeddings.embed_query(query), dtype=np.float32)
        where = where_clause(filters.get("sources"), filters.get("languages"))
        cands = self._keyword(query, qvec, max(self.candidates, k), language, where)
        hits = fuse(
            cands.values(),
            k=len(cands),
            alpha=0.0,
            language=None,
            floor=self.floor,
            ceiling=self.ceiling,
        )
        ranked = [replace(h, score=h.keyword_score or 0.0) for h in hits]
        ranked.sort(key=lambda h: (-h.score, h.chunk.id))
        return ranked[:k]

    def _rows_to_candidates(self, tbl: pa.Table, qvec: np.ndarray) -> dict[str, Candidate]:
        if tbl.num_rows == 0:
            return {}
        mat = np.asarray(tbl["vector"].to_pylist(), dtype=np.float32)
        norms = np.linalg.norm(mat, axis=1) * (float(np.linalg.norm(qvec)) or 1.0)
        cos = (mat @ qvec) / np.where(norms == 0, 1.0, norms)
        out: dict[str, Candidate] = {}
        cols = {c: tbl[c].to_pylist() for c in META_COLUMNS}
        bm25 = tbl["_score"].to_pylist() if "_score" in tbl.column_names else None
        for i in range(tbl.num_rows):
            chunk = Chunk(
                **{c: cols[c][i] for c in META_COLUMNS if c != "heading_path"},
                heading_path=tuple(cols["heading_path"][i] or ()),
            )
            out[chunk.id] = Candidate(chunk, float(cos[i]), None if bm25 is None else bm25[i])
        return out

    def _keyword(
        self, query: str, qvec: np.ndarray, n: int, language: str | None, where: str | None
    ) -> dict[str, Candidate]:
        from lancedb.query import MatchQuery

        terms = keyword_terms(query)
        if not terms:
            return {}
        with self._lock:
            indexed = self._indexed_columns()
        columns = sorted(indexed)
        if language and self.cross_weight <= 0:
            columns = [kw_column(language)]  # other languages' keywords would not count
        out: dict[str, Candidate] = {}
        for col in columns:
            if col not in indexed:
                continue
            # a match query takes the text as terms: no phrase, boolean or field syntax
            match = MatchQuery(terms, col)  # type: ignore[call-arg]  # pydantic defaults
            q = self._table.search(match, query_type="fts")
            if where:
                q = q.where(where, prefilter=True)
            tbl = q.select([*META_COLUMNS, "vector", "_score"]).limit(n).to_arrow()
            for key, cand in self._rows_to_candidates(tbl, qvec).items():
                if key not in out or (cand.bm25 or 0) > (out[key].bm25 or 0):
                    out[key] = cand
        return out

    def _candidates(
        self, query: str, qvec: np.ndarray, n: int, language: str | None, where: str | None
    ) -> dict[str, Candidate]:
        q = self._table.search(qvec, vector_column_name="vector").distance_type("cosine")
        if where:
            q = q.where(where, prefilter=True)
        # naming the score columns keeps Lance from warning on every query
        rows = q.select([*META_COLUMNS, "vector", "_distance"]).limit(n).to_arrow()
        dense = self._rows_to_candidates(rows, qvec)
        for key, cand in self._keyword(query, qvec, n, language, where).items():
            if key in dense:
                dense[key].bm25 = cand.bm25
            else:
                dense[key] = cand
        return dense

    def size_bytes(self) -> int:
        """Bytes on disk of this store's table (for the benchmark and `report`)."""
        root = self.path / f"{self._name}.lance"
        return sum(f.stat().st_size for f in root.rglob("*") if f.is_file())

    def close(self) -> None:
        with self._lock:
            self.cache.close()
            self._table = None
