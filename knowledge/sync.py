"""The sync engine: bring the index in line with every registered source.

Runs on `customer-agent sync`, after `sources add`, and at first `make run` (bootstrap). For each
source it lists the documents that exist now (files, a URL, or a crawl), skips those whose file
fingerprint, HTTP validators (304) or content hash say "unchanged", replaces the chunks of
changed ones, and deletes the chunks of documents that disappeared. A failing document is
recorded with its error and never aborts the sync; a source that cannot be listed at all (missing
directory, robots.txt unreachable) keeps its index untouched rather than being wiped. Passages that
address the assistant or ask visitors for secrets are held back from the index and recorded for
the admin (knowledge/ingest/screening.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from knowledge.ingest.chunking import chunk_document
from knowledge.ingest.fetch import Fetcher
from knowledge.ingest.loaders import iter_files
from knowledge.ingest.screening import SCREENING_VERSION, own_domains, screen_chunks
from knowledge.settings import Settings, get_settings
from knowledge.sources.registry import (
    DocRecord,
    FlagRecord,
    Registry,
    Source,
    get_registry,
    now_iso,
)
from knowledge.sync_items import (
    _crawl_items,
    _file_items,
    _Item,
    _SourceFailed,
    _url_items,
    prefetch,
)
from knowledge.sync_report import SourceReport, SyncReport
from knowledge.types import Chunk

__all__ = ["SourceReport", "Store", "SyncEngine", "SyncReport", "sync_sources"]

log = logging.getLogger(__name__)

UPSERT_BATCH = 256  # chunks per store call: lets the embedder batch, few LanceDB versions


class Store(Protocol):
    """The part of `knowledge.stores.ChunkStore` sync needs."""

    def upsert(self, chunks: Sequence[Chunk]) -> int: ...

    def delete(self, source: str, doc_ids: Iterable[str] | None = None) -> int: ...

    def count(self, source: str | None = None) -> int: ...


class SyncEngine:
    """Syncs sources one by one against one store and one registry."""

    def __init__(
        self,
        store: Store,
        registry: Registry,
        *,
        settings: Settings | None = None,
        fetcher: Fetcher | None = None,
        progress: bool = True,
        max_chars: int = 1200,
    ) -> None:
        self.store = store
        self.registry = registry
        self.settings = settings or get_settings()
        self._fetcher = fetcher
        self.progress = progress
        self.max_chars = max_chars

    @property
    def fetcher(self) -> Fetcher:
        if self._fetcher is None:
            self._fetcher = Fetcher(self.settings)
        return self._fetcher

    def close(self) -> None:
        if self._fetcher is not None:
            self._fetcher.close()

    def sync(self, names: Sequence[str] | None = None) -> SyncReport:
        sources = [self.registry.require(n) for n in names] if names else self.registry.list()
        report = SyncReport()
        adopt = getattr(self.store, "adopt_model", None)  # LanceDB: one model per index
        previous = adopt() if callable(adopt) else None
        if previous:
            report.notice = (
                f"the index was built with {previous}; re-embedding every source with"
                f" {getattr(self.store, 'model', 'the configured model')}"
            )
            log.warning("embedding model changed", extra={"fields": {"previous": previous}})
            sources = self.registry.list()  # every source moves to the new model's table
        for source in sources:
            report.sources.append(self.sync_source(source, reembed=bool(previous)))
        optimize = getattr(self.store, "optimize", None)  # fold new rows into keyword indexes
        if callable(optimize) and any(s.chunks_upserted or s.removed for s in report.sources):
            optimize()
        return report

    def remove_source(self, name: str) -> int:
        """Drop a source from the index and the registry; returns chunks removed."""
        self.registry.require(name)
        removed = self.store.delete(name, None)
        self.registry.remove(name)
        return removed

    def sync_source(self, source: Source, *, reembed: bool = False) -> SourceReport:
        """Syncs one source; `reembed` (a new embedding model) treats every document as new."""
        from tqdm import tqdm

        report = SourceReport(source.name)
        started = time.monotonic()
        known = self.registry.documents(source.name)
        if known and self.registry.screened_with(source.name) < SCREENING_VERSION:
            # indexed before these screening rules: read every document again (see screening)
            known = {
                k: replace(r, content_hash="", fingerprint=None, etag=None, last_modified=None)
                for k, r in known.items()
            }
        indexed_chunks = sum(r.chunk_count for r in known.values() if r.indexed)
        if reembed or (indexed_chunks and self.store.count(source.name) != indexed_chunks):
            # The index lost or gained rows behind our back (wiped data dir, other backend), or
            # is a new model's: forget the record so everything is re-embedded, not missing.
            if not reembed:
                log.warning(
                    "index out of step with record; re-indexing",
                    extra={"fields": {"source": source.name}},
                )
            self.store.delete(source.name, None)
            known = {
                k: replace(
                    r, indexed=False, chunk_count=0, fingerprint=None, etag=None, last_modified=None
                )
                for k, r in known.items()
            }
        total = None
        if source.kind in ("file", "directory") and Path(source.location).exists():
            total = sum(1 for _ in iter_files(Path(source.location)))
        bar = tqdm(
            total=total,
            desc=f"sync {source.name}",
            unit="doc",
            disable=not self.progress,
            leave=False,
        )
        try:
            if source.kind in ("file", "directory"):
                items: Iterable[_Item] = _file_items(source, known)
            elif source.kind == "url":
                items = _url_items(source, known, self.fetcher)
            else:
                items = _crawl_items(source, known, self.fetcher, bar)
                bar = tqdm(disable=True)  # the crawl ticked per page already
            self._apply(source, known, prefetch(items), report, bar)
        except _SourceFailed as exc:
            report.fatal = str(exc)
        finally:
            bar.close()
        report.seconds = time.monotonic() - started
        self.registry.mark_synced(source.name, report.fatal)
        if not report.fatal:
            self.registry.mark_screened(source.name, SCREENING_VERSION)
        return report

    def _unapproved(self, flags: Sequence[object], name: str, doc_id: str) -> list[object]:
        approved = self.registry.approved_flags(name, doc_id)
        return [f for f in flags if getattr(f, "id", None) not in approved]

    def _apply(
        self,
        source: Source,
        known: dict[str, DocRecord],
        items: Iterable[_Item],
        report: SourceReport,
        bar: object,
    ) -> None:
        seen: set[str] = set()
        own = own_domains(self.registry.known_urls())  # the company's addresses, for screening
        pending: list[tuple[DocRecord, list[Chunk], bool]] = []  # record, chunks, was indexed
        pending_chunks = 0
        tick = getattr(bar, "update", lambda _n: None)

        def flush() -> None:
            nonlocal pending_chunks
            if not pending:
                return
            stale = [rec.doc_id for rec, _, was in pending if was]
            if stale:
                self.store.delete(source.name, stale)
            batch = [c for _, chunks, _ in pending for c in chunks]
            if batch:
                self.store.upsert(batch)
            self.registry.put_documents(rec for rec, _, _ in pending)
            report.chunks_upserted += len(batch)
            pending.clear()
            pending_chunks = 0

        for item in items:
            tick(1)
            if item.doc_id in seen:
                continue
            seen.add(item.doc_id)
            report.seen += 1
            prev = known.get(item.doc_id)
            was_indexed = bool(prev and prev.indexed)
            base = prev or DocRecord(source=source.name, doc_id=item.doc_id)
            if item.error is not None:
                report.errors.append((item.doc_id, item.error))
                if item.gone and was_indexed:
                    self.store.delete(source.name, [item.doc_id])
                    report.removed += 1
                    base = replace(base, indexed=False, chunk_count=0, content_hash="")
                self.registry.put_documents(
                    [
                        replace(
                            base,
                            error=item.error,
                            links=item.links or base.links,
                            synced_at=now_iso(),
                        )
                    ]
                )
                continue
            if item.unchanged or (
                item.doc is not None
                and was_indexed
                and prev is not None
                and not prev.error
                and prev.content_hash == item.doc.content_hash
            ):
                report.unchanged += 1
                self.registry.put_documents(
                    [
                        replace(
                            base,
                            error=None,
                            synced_at=now_iso(),
                            fingerprint=item.fingerprint or base.fingerprint,
                            etag=item.etag or base.etag,
                            last_modified=item.last_modified or base.last_modified,
                            links=item.links or base.links,
                        )
                    ]
                )
                continue
            doc = item.doc
            assert doc is not None
            chunks, flags = screen_chunks(
                chunk_document(doc, max_chars=self.max_chars),
                own | own_domains([doc.url]),
                self.registry.approved_flags(source.name, item.doc_id),
            )
            self.registry.put_flags(
                source.name,
                item.doc_id,
                [FlagRecord(f.id, f.source, f.doc_id, f.kind, f.text) for f in flags],
            )
            report.flagged += len(self._unapproved(flags, source.name, item.doc_id))
            record = DocRecord(
                source=source.name,
                doc_id=item.doc_id,
                url=doc.url,
                title=doc.title,
                content_hash=doc.content_hash,
                fingerprint=item.fingerprint,
                etag=item.etag,
                last_modified=item.last_modified,
                links=item.links,
                chunk_count=len(chunks),
                indexed=True,
                error=None,
                synced_at=now_iso(),
            )
            if was_indexed:
                report.updated += 1
            else:
                report.added += 1
            pending.append((record, chunks, was_indexed))
            pending_chunks += len(chunks)
            if pending_chunks >= UPSERT_BATCH:
                flush()
        flush()
        gone = [doc_id for doc_id in known if doc_id not in seen]
        gone_indexed = [d for d in gone if known[d].indexed]
        if gone_indexed:
            self.store.delete(source.name, gone_indexed)
        if gone:
            self.registry.delete_documents(source.name, gone)
        report.removed += len(gone_indexed)


def sync_sources(
    names: list[str] | None = None,
    *,
    progress: bool = True,
    store: Store | None = None,
    settings: Settings | None = None,
) -> SyncReport:
    """Sync the named sources (all when None) into the configured store."""
    settings = settings or get_settings()
    if store is None:
        from knowledge.stores import get_store

        store = get_store(settings)
    registry = get_registry(settings)
    engine = SyncEngine(store, registry, settings=settings, progress=progress)
    try:
        return engine.sync(names)
    finally:
        engine.close()
        registry.close()
