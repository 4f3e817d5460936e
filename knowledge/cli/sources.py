"""`customer-agent sources add|list|show|remove` and `customer-agent sync`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def register(sub: Any) -> None:
    sources = sub.add_parser("sources", help="manage content sources")
    ssub = sources.add_subparsers(dest="sources_command", required=True)

    add = ssub.add_parser("add", help="register a file, directory, URL or site, then sync it")
    add.add_argument("location", metavar="PATH_OR_URL")
    add.add_argument("--crawl", action="store_true", help="crawl the whole site from this URL")
    add.add_argument("--name", help="source name (default: from the path or host)")
    add.add_argument("--max-pages", type=int, help="crawl: page limit (default from settings)")
    add.add_argument("--max-depth", type=int, help="crawl: link depth (default from settings)")
    add.add_argument("--no-sync", action="store_true", help="register only; sync later")
    add.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    add.set_defaults(handler=cmd_add)

    lst = ssub.add_parser("list", help="sources with documents, chunks, last sync, errors")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(handler=cmd_list)

    show = ssub.add_parser("show", help="documents of one source and their errors")
    show.add_argument("name")
    show.add_argument("--errors", action="store_true", help="only documents with errors")
    show.set_defaults(handler=cmd_show)

    rm = ssub.add_parser("remove", help="remove a source and its chunks from the index")
    rm.add_argument("name")
    rm.set_defaults(handler=cmd_remove)

    sync = sub.add_parser("sync", help="re-sync sources: only changed documents are re-embedded")
    sync.add_argument(
        "--source", action="append", metavar="N", help="only this source (repeatable)"
    )
    sync.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    sync.set_defaults(handler=cmd_sync)


def _positive(value: int | None, flag: str) -> int | None:
    if value is not None and value < 1:
        raise ValueError(f"{flag} must be at least 1")
    return value


def cmd_add(args: argparse.Namespace) -> int:
    from knowledge.sources.registry import get_registry, parse_location
    from knowledge.sync import sync_sources

    kind, location = parse_location(args.location, crawl=args.crawl)
    registry = get_registry()
    try:
        source = registry.add(
            kind,
            location,
            name=args.name,
            max_pages=_positive(args.max_pages, "--max-pages"),
            max_depth=_positive(args.max_depth, "--max-depth"),
        )
    finally:
        registry.close()
    print(f"added source {source.name!r} ({kind}: {location})")
    if args.no_sync:
        return 0
    report = sync_sources([source.name], progress=not args.quiet)
    print(report.summary())
    if report.ok:
        return 0
    registry = get_registry()  # nothing could be read: do not keep a source that never worked
    try:
        registry.remove(source.name)
    finally:
        registry.close()
    print(f"source {source.name!r} not added; fix the problem above and add it again")
    return 1


def _rows() -> list[dict[str, Any]]:
    from knowledge.sources.registry import get_registry

    registry = get_registry()
    try:
        stats = [registry.stats(s) for s in registry.list()]
    finally:
        registry.close()
    return [
        {
            "name": st.source.name,
            "kind": st.source.kind,
            "location": st.source.location,
            "documents": st.documents,
            "chunks": st.chunks,
            "last_sync": st.source.last_sync,
            "errors": st.errors,
            "last_error": st.source.last_error,
        }
        for st in stats
    ]


def cmd_list(args: argparse.Namespace) -> int:
    rows = _rows()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("no sources; add one with `customer-agent sources add PATH_OR_URL`")
        return 0
    header = ("NAME", "KIND", "DOCS", "CHUNKS", "LAST SYNC", "ERRORS", "LOCATION")
    table = [header] + [
        (
            r["name"],
            r["kind"],
            str(r["documents"]),
            str(r["chunks"]),
            r["last_sync"] or "never",
            str(r["errors"]),
            r["location"],
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    for row in table:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)) + "  " + row[-1])
    for r in rows:
        if r["last_error"]:
            print(f"{r['name']}: last sync failed: {r['last_error']}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from knowledge.sources.registry import get_registry

    registry = get_registry()
    try:
        registry.require(args.name)
        docs = registry.documents(args.name)
    finally:
        registry.close()
    for rec in docs.values():
        if args.errors and not rec.error:
            continue
        state = f"error: {rec.error}" if rec.error else f"{rec.chunk_count} chunks"
        if rec.error and rec.indexed:
            state += f" (keeps {rec.chunk_count} chunks from the last good sync)"
        print(f"{rec.doc_id}  {rec.title or '-'}  {state}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from knowledge.sources.registry import get_registry
    from knowledge.stores import get_store
    from knowledge.sync import SyncEngine

    registry = get_registry()
    try:
        registry.require(args.name)
        engine = SyncEngine(get_store(), registry, progress=False)
        removed = engine.remove_source(args.name)
    finally:
        registry.close()
    print(f"removed source {args.name!r} ({removed} chunks deleted from the index)")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from knowledge.sync import sync_sources

    report = sync_sources(args.source, progress=not args.quiet and sys.stderr.isatty())
    print(report.summary())
    return 0 if report.ok else 1
