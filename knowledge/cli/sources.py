"""`customer-agent sources add|list|show|audit|approve|remove` and `customer-agent sync`.

`audit` lists the passages screening held back at ingestion (they address the assistant or ask
visitors for secrets; knowledge/ingest/screening.py); `approve ID` releases one and re-syncs its
source, so the passage is indexed and may be quoted.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def register(sub: Any) -> None:
    from knowledge.cli.insights import recheck_limit
    from knowledge.operations.gap_state import RECHECK_LIMIT

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

    audit = ssub.add_parser("audit", help="passages held back from answers (suspected poisoning)")
    audit.add_argument("name", nargs="?", help="only this source")
    audit.add_argument("--json", action="store_true")
    audit.set_defaults(handler=cmd_audit)

    approve = ssub.add_parser("approve", help="release a held-back passage (ID from `audit`)")
    approve.add_argument("flag_id", metavar="ID")
    approve.add_argument("--no-sync", action="store_true", help="approve only; sync later")
    approve.set_defaults(handler=cmd_approve)

    rm = ssub.add_parser("remove", help="remove a source and its chunks from the index")
    rm.add_argument("name")
    rm.set_defaults(handler=cmd_remove)

    sync = sub.add_parser("sync", help="re-sync sources: only changed documents are re-embedded")
    sync.add_argument(
        "--source", action="append", metavar="N", help="only this source (repeatable)"
    )
    sync.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    sync.add_argument(
        "--gap-recheck-limit",
        type=recheck_limit,
        metavar="N",
        help="open knowledge gaps re-asked after the sync (default"
        f" CUSTOMER_AGENT_GAP_RECHECK_LIMIT, else {RECHECK_LIMIT})",
    )
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
        from knowledge.cli.insights import recheck_after_sync

        recheck_after_sync()
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
            "flagged": st.flagged,
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
        if r["flagged"]:
            print(
                f"{r['name']}: {r['flagged']} passages held back from answers"
                f" (review: customer-agent sources audit {r['name']})"
            )
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from knowledge.sources.registry import get_registry

    registry = get_registry()
    try:
        registry.require(args.name)
        docs = registry.documents(args.name)
        held: dict[str, list[str]] = {}
        for flag in registry.flags(args.name):
            if not flag.approved:
                held.setdefault(flag.doc_id, []).append(f"{flag.id} ({flag.kind}): {flag.text}")
    finally:
        registry.close()
    for rec in docs.values():
        if args.errors and not rec.error and rec.doc_id not in held:
            continue
        state = f"error: {rec.error}" if rec.error else f"{rec.chunk_count} chunks"
        if rec.error and rec.indexed:
            state += f" (keeps {rec.chunk_count} chunks from the last good sync)"
        if rec.doc_id in held:
            state += f", {len(held[rec.doc_id])} passages held back"
        print(f"{rec.doc_id}  {rec.title or '-'}  {state}")
        for line in held.get(rec.doc_id, []):
            print(f"    held back {line}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from knowledge.sources.registry import get_registry

    registry = get_registry()
    try:
        if args.name:
            registry.require(args.name)
        flags = registry.flags(args.name)
    finally:
        registry.close()
    if args.json:
        print(json.dumps([f.__dict__ for f in flags], indent=2, ensure_ascii=False))
        return 0
    if not flags:
        print("no passages held back: no content addresses the assistant or asks for secrets")
        return 0
    waiting = sum(not f.approved for f in flags)
    print(f"{len(flags)} flagged passages, {waiting} held back from answers until approved:")
    for f in flags:
        status = "approved" if f.approved else "HELD"
        print(f"{f.id}  {status:<8}  {f.kind:<11}  {f.source}/{f.doc_id}")
        print(f"    {f.text}")
    if waiting:
        print("release one with: customer-agent sources approve ID")
    return 0


def cmd_approve(args: argparse.Namespace) -> int:
    from knowledge.sources.registry import get_registry
    from knowledge.sync import sync_sources

    registry = get_registry()
    try:
        flag = registry.approve(args.flag_id)
    finally:
        registry.close()
    print(f"approved {flag.id} in {flag.source}/{flag.doc_id}: {flag.text}")
    if args.no_sync:
        print(f"it is quoted after the next sync: customer-agent sync --source {flag.source}")
        return 0
    report = sync_sources([flag.source], progress=False)
    print(report.summary())
    return 0 if report.ok else 1


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
    if any(s.added or s.updated or s.removed for s in report.sources):  # content changed
        from knowledge.cli.insights import recheck_after_sync

        recheck_after_sync(args.gap_recheck_limit)
    return 0 if report.ok else 1
