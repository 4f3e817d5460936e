"""List a source's documents as they are now, for the sync engine (knowledge/sync.py).

One lister per source kind: files and directories (file fingerprint), a single URL (HTTP
validators, 304) and a crawl. Each yields `_Item`s: a fresh Document, an "unchanged" marker or an
error; a source that cannot be listed at all raises `_SourceFailed` so its index is kept.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from knowledge.ingest.crawl import Crawler, CrawlError, KnownPage, normalize_url
from knowledge.ingest.documents import Document
from knowledge.ingest.fetch import Fetcher, FetchError, FetchResult
from knowledge.ingest.loaders import (
    ExtractionError,
    document_from_bytes,
    iter_files,
    kind_for_response,
    load_file,
)
from knowledge.sources.registry import DocRecord, Source


@dataclass
class _Item:
    """One document as seen now: a fresh Document, an unchanged marker, or an error."""

    doc_id: str
    doc: Document | None = None
    unchanged: bool = False
    error: str | None = None
    gone: bool = False  # 404/410: the document no longer exists
    fingerprint: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    links: tuple[str, ...] = ()


class _SourceFailed(Exception):
    pass


_DONE = object()


def prefetch(items: Iterable[_Item], depth: int = 16) -> Iterator[_Item]:
    """`items`, produced by a background thread up to `depth` ahead of the consumer.

    Listing a source reads files and parses PDF/DOCX/HTML; the consumer (the sync engine)
    meanwhile embeds the previous batch, and both engines release the GIL while they compute,
    so extraction and embedding overlap instead of taking turns. An exception of the lister
    (`_SourceFailed`) is raised in the consumer, in order; a consumer that stops early stops the
    producer at its next item.
    """
    out: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(obj: object) -> bool:
        while not stop.is_set():
            try:
                out.put(obj, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            put(exc)
            return
        put(_DONE)

    thread = threading.Thread(target=produce, name="sync-extract", daemon=True)
    thread.start()
    try:
        while True:
            obj = out.get()
            if obj is _DONE:
                return
            if isinstance(obj, BaseException):
                raise obj
            yield obj  # type: ignore[misc]
    finally:
        stop.set()
        thread.join(timeout=5)


def _fingerprint(path: Path) -> str:
    st = path.stat()
    return f"{st.st_mtime_ns}:{st.st_size}"


def _file_items(source: Source, known: dict[str, DocRecord]) -> Iterator[_Item]:
    root = Path(source.location)
    if not root.exists():
        raise _SourceFailed(f"{root} does not exist")
    base = root.parent if root.is_file() else root
    for path in iter_files(root):
        doc_id = path.relative_to(base).as_posix()
        try:
            fp = _fingerprint(path)
            prev = known.get(doc_id)
            if prev and prev.indexed and not prev.error and prev.fingerprint == fp:
                yield _Item(doc_id, unchanged=True, fingerprint=fp)
                continue
            yield _Item(
                doc_id, doc=load_file(path, source=source.name, doc_id=doc_id), fingerprint=fp
            )
        except (ExtractionError, OSError) as exc:
            yield _Item(doc_id, error=str(exc))


def _from_response(source: Source, doc_id: str, res: FetchResult) -> _Item:
    kind = kind_for_response(res.content_type, res.final_url)
    if kind is None:
        return _Item(doc_id, error=f"unsupported content type {res.content_type or 'unknown'}")
    fallback = res.final_url.rstrip("/").rsplit("/", 1)[-1] or res.final_url
    try:
        doc = document_from_bytes(
            res.content,
            kind,
            source=source.name,
            doc_id=doc_id,
            url=doc_id,
            fallback_title=fallback,
        )
    except ExtractionError as exc:
        return _Item(doc_id, error=str(exc), etag=res.etag, last_modified=res.last_modified)
    return _Item(doc_id, doc=doc, etag=res.etag, last_modified=res.last_modified)


def _url_items(source: Source, known: dict[str, DocRecord], fetcher: Fetcher) -> Iterator[_Item]:
    doc_id = normalize_url(source.location)
    prev = known.get(doc_id)
    usable = prev is not None and prev.indexed and not prev.error
    try:
        res = fetcher.get(
            doc_id,
            etag=prev.etag if usable and prev else None,
            last_modified=prev.last_modified if usable and prev else None,
        )
    except FetchError as exc:
        if not exc.gone:
            raise _SourceFailed(str(exc)) from exc
        yield _Item(doc_id, error=str(exc), gone=True)
        return
    if res.not_modified:
        yield _Item(doc_id, unchanged=True, etag=res.etag, last_modified=res.last_modified)
    else:
        yield _from_response(source, doc_id, res)


def _crawl_items(
    source: Source, known: dict[str, DocRecord], fetcher: Fetcher, bar: object | None
) -> Iterator[_Item]:
    validators = {
        doc_id: KnownPage(
            etag=r.etag if r.indexed and not r.error else None,
            last_modified=r.last_modified if r.indexed and not r.error else None,
            links=r.links,
        )
        for doc_id, r in known.items()
    }
    crawler = Crawler(fetcher, max_pages=source.max_pages, max_depth=source.max_depth)
    tick = getattr(bar, "update", None)
    try:
        result = crawler.crawl(
            source.location, known=validators, on_page=(lambda _p: tick(1)) if tick else None
        )
    except CrawlError as exc:
        raise _SourceFailed(str(exc)) from exc
    if not result.pages:
        raise _SourceFailed("no page of the site could be crawled (robots.txt or scope)")
    start = result.pages[0]
    if start.depth == 0 and start.error is not None:
        # Without the start page most of the site would look removed: keep the index instead.
        raise _SourceFailed(f"start page failed ({start.error.reason})")
    for page in result.pages:
        res = page.result
        if res and not res.not_modified and not kind_for_response(res.content_type, res.final_url):
            continue  # not a document (feed, image, archive): not ours to index
        if page.noindex:
            continue  # the site asked search engines (us included) not to index it
        if page.error is not None:
            yield _Item(page.url, error=str(page.error), gone=page.error.gone)
        elif page.result is not None and page.result.not_modified:
            yield _Item(
                page.url,
                unchanged=True,
                etag=page.result.etag,
                last_modified=page.result.last_modified,
                links=page.links,
            )
        elif page.result is not None:
            item = _from_response(source, page.url, page.result)
            item.links = page.links
            yield item
