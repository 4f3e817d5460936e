"""The sources registry and the per-source record of what is indexed.

Why a record: re-sync must be idempotent (unchanged documents are not re-embedded) and removals
must propagate (a page that disappeared leaves the index). So for every document we keep its
content hash, HTTP validators or file fingerprint, chunk count, outgoing links (crawls) and last
error. It is a small SQLite file under `settings.data_dir`, safe for the CLI and `make run` to
open at the same time.
"""

from __future__ import annotations

import builtins
import json
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from knowledge.settings import Settings, get_settings

SourceKind = Literal["file", "directory", "url", "crawl"]
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (
    name TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    location TEXT NOT NULL,
    max_pages INTEGER,
    max_depth INTEGER,
    added_at TEXT NOT NULL,
    last_sync TEXT,
    last_error TEXT
);
CREATE TABLE IF NOT EXISTS documents (
    source TEXT NOT NULL REFERENCES sources(name) ON DELETE CASCADE,
    doc_id TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL DEFAULT '',
    fingerprint TEXT,
    etag TEXT,
    last_modified TEXT,
    links TEXT NOT NULL DEFAULT '[]',
    chunk_count INTEGER NOT NULL DEFAULT 0,
    indexed INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    synced_at TEXT NOT NULL,
    PRIMARY KEY (source, doc_id)
);
CREATE TABLE IF NOT EXISTS screening (
    source TEXT PRIMARY KEY REFERENCES sources(name) ON DELETE CASCADE,
    version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS flags (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL REFERENCES sources(name) ON DELETE CASCADE,
    doc_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    approved INTEGER NOT NULL DEFAULT 0,
    found_at TEXT NOT NULL
);
"""


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class RegistryError(ValueError):
    """A bad admin request (unknown source, duplicate name, bad name)."""


@dataclass(frozen=True)
class Source:
    name: str
    kind: SourceKind
    location: str  # absolute path or URL
    max_pages: int | None = None
    max_depth: int | None = None
    added_at: str = ""
    last_sync: str | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class DocRecord:
    source: str
    doc_id: str
    url: str = ""
    title: str = ""
    content_hash: str = ""
    fingerprint: str | None = None  # files: mtime_ns:size, to skip reading unchanged files
    etag: str | None = None
    last_modified: str | None = None
    links: tuple[str, ...] = ()
    chunk_count: int = 0
    indexed: bool = False
    error: str | None = None
    synced_at: str = ""


@dataclass(frozen=True)
class FlagRecord:
    """A passage held back at ingestion (knowledge/ingest/screening.py) until an admin approves."""

    id: str
    source: str
    doc_id: str
    kind: str
    text: str
    approved: bool = False
    found_at: str = ""


@dataclass(frozen=True)
class SourceStats:
    source: Source
    documents: int  # indexed documents
    chunks: int
    errors: int  # documents whose last fetch or parse failed (+1 if the source itself failed)
    flagged: int = 0  # passages held back from answers, awaiting approval


def default_name(kind: SourceKind, location: str) -> str:
    """A readable name from the location: directory name or host (+ first path segment)."""
    if kind in ("url", "crawl"):
        parts = urlsplit(location)
        base = parts.hostname or "site"
        seg = [p for p in parts.path.split("/") if p][:1]
        raw = f"{base}-{seg[0]}" if seg and kind == "url" else base
    else:
        path = Path(location)
        raw = path.stem if path.is_file() or path.suffix else path.name
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", raw).strip("-._")[:64]
    return name or "source"


class Registry:
    """Open one per process (or per test); every method is a short transaction."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, timeout=30, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    # sources
    def add(
        self,
        kind: SourceKind,
        location: str,
        *,
        name: str | None = None,
        max_pages: int | None = None,
        max_depth: int | None = None,
    ) -> Source:
        if name is not None and not _NAME.match(name):
            raise RegistryError(
                f"bad source name {name!r}: use letters, digits, '.', '_' or '-' (max 64)"
            )
        for existing in self.list():
            if existing.location == location and existing.kind == kind:
                raise RegistryError(f"already registered as source {existing.name!r}")
        if name is None:
            base = name = default_name(kind, location)
            n = 2
            while self.get(name) is not None:
                name, n = f"{base}-{n}", n + 1
        elif self.get(name) is not None:
            raise RegistryError(f"a source named {name!r} already exists")
        source = Source(name, kind, location, max_pages, max_depth, now_iso())
        with self._db:
            self._db.execute(
                "INSERT INTO sources (name, kind, location, max_pages, max_depth, added_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (name, kind, location, max_pages, max_depth, source.added_at),
            )
        return source

    def get(self, name: str) -> Source | None:
        row = self._db.execute("SELECT * FROM sources WHERE name = ?", (name,)).fetchone()
        return Source(**dict(row)) if row else None

    def require(self, name: str) -> Source:
        source = self.get(name)
        if source is None:
            known = ", ".join(s.name for s in self.list()) or "none"
            raise RegistryError(f"no source named {name!r} (known: {known})")
        return source

    def list(self) -> list[Source]:
        rows = self._db.execute("SELECT * FROM sources ORDER BY rowid").fetchall()
        return [Source(**dict(r)) for r in rows]

    def remove(self, name: str) -> None:
        self.require(name)
        with self._db:
            self._db.execute("DELETE FROM flags WHERE source = ?", (name,))
            self._db.execute("DELETE FROM screening WHERE source = ?", (name,))
            self._db.execute("DELETE FROM documents WHERE source = ?", (name,))
            self._db.execute("DELETE FROM sources WHERE name = ?", (name,))

    def mark_synced(self, name: str, error: str | None = None) -> None:
        with self._db:
            self._db.execute(
                "UPDATE sources SET last_sync = ?, last_error = ? WHERE name = ?",
                (now_iso(), error, name),
            )

    # documents
    def documents(self, name: str) -> dict[str, DocRecord]:
        rows = self._db.execute(
            "SELECT * FROM documents WHERE source = ? ORDER BY doc_id", (name,)
        ).fetchall()
        out = {}
        for r in rows:
            d = dict(r)
            d["links"] = tuple(json.loads(d["links"] or "[]"))
            d["indexed"] = bool(d["indexed"])
            out[d["doc_id"]] = DocRecord(**d)
        return out

    def put_documents(self, records: Iterable[DocRecord]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO documents (source, doc_id, url, title, content_hash,"
                " fingerprint, etag, last_modified, links, chunk_count, indexed, error, synced_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        r.source,
                        r.doc_id,
                        r.url,
                        r.title,
                        r.content_hash,
                        r.fingerprint,
                        r.etag,
                        r.last_modified,
                        json.dumps(list(r.links)),
                        r.chunk_count,
                        int(r.indexed),
                        r.error,
                        r.synced_at or now_iso(),
                    )
                    for r in records
                ],
            )

    def delete_documents(self, name: str, doc_ids: Iterable[str]) -> None:
        pairs = [(name, d) for d in doc_ids]
        with self._db:
            self._db.executemany("DELETE FROM flags WHERE source = ? AND doc_id = ?", pairs)
            self._db.executemany("DELETE FROM documents WHERE source = ? AND doc_id = ?", pairs)

    # flagged passages
    def put_flags(self, name: str, doc_id: str, flags: Iterable[FlagRecord]) -> None:
        """The document's flags as found now: new ones are added (not approved), approvals of
        passages still present are kept, passages no longer present are forgotten."""
        found = list(flags)
        keep = {f.id for f in found}
        with self._db:
            stale = self._db.execute(
                "SELECT id FROM flags WHERE source = ? AND doc_id = ?", (name, doc_id)
            ).fetchall()
            self._db.executemany(
                "DELETE FROM flags WHERE id = ?", [(r["id"],) for r in stale if r["id"] not in keep]
            )
            self._db.executemany(
                "INSERT OR IGNORE INTO flags (id, source, doc_id, kind, text, approved, found_at)"
                " VALUES (?, ?, ?, ?, ?, 0, ?)",
                [(f.id, name, doc_id, f.kind, f.text, now_iso()) for f in found],
            )

    def approved_flags(self, name: str, doc_id: str) -> set[str]:
        rows = self._db.execute(
            "SELECT id FROM flags WHERE source = ? AND doc_id = ? AND approved = 1", (name, doc_id)
        ).fetchall()
        return {r["id"] for r in rows}

    def flags(self, name: str | None = None) -> builtins.list[FlagRecord]:
        rows = self._db.execute(
            "SELECT * FROM flags WHERE (? IS NULL OR source = ?) ORDER BY source, doc_id, found_at",
            (name, name),
        ).fetchall()
        return [FlagRecord(**{**dict(r), "approved": bool(r["approved"])}) for r in rows]

    def approve(self, flag_id: str) -> FlagRecord:
        """Release a flagged passage; its document is re-read on the next sync of its source."""
        row = self._db.execute("SELECT * FROM flags WHERE id = ?", (flag_id,)).fetchone()
        if row is None:
            raise RegistryError(
                f"no flagged passage {flag_id!r} (see `customer-agent sources audit`)"
            )
        with self._db:
            self._db.execute("UPDATE flags SET approved = 1 WHERE id = ?", (flag_id,))
            self._db.execute(
                "UPDATE documents SET content_hash = '', fingerprint = NULL, etag = NULL,"
                " last_modified = NULL WHERE source = ? AND doc_id = ?",
                (row["source"], row["doc_id"]),
            )
        return FlagRecord(**{**dict(row), "approved": True})

    def screened_with(self, name: str) -> int:
        """The screening rules' version this source's index was last screened with (0: never,
        e.g. indexed before screening existed)."""
        row = self._db.execute("SELECT version FROM screening WHERE source = ?", (name,)).fetchone()
        return int(row["version"]) if row else 0

    def mark_screened(self, name: str, version: int) -> None:
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO screening (source, version) VALUES (?, ?)", (name, version)
            )

    def known_urls(self) -> builtins.list[str]:
        """Every source location and document URL: the company's own addresses."""
        rows = self._db.execute(
            "SELECT location AS u FROM sources UNION SELECT url AS u FROM documents"
        ).fetchall()
        return [r["u"] for r in rows]

    def stats(self, source: Source) -> SourceStats:
        row = self._db.execute(
            "SELECT COALESCE(SUM(indexed), 0) AS docs, COALESCE(SUM(chunk_count), 0) AS chunks,"
            " COALESCE(SUM(error IS NOT NULL), 0) AS errors FROM documents WHERE source = ?",
            (source.name,),
        ).fetchone()
        errors = int(row["errors"]) + (1 if source.last_error else 0)
        flagged = self._db.execute(
            "SELECT COUNT(*) FROM flags WHERE source = ? AND approved = 0", (source.name,)
        ).fetchone()[0]
        return SourceStats(source, int(row["docs"]), int(row["chunks"]), errors, int(flagged))


def get_registry(settings: Settings | None = None) -> Registry:
    """The registry under `data_dir` (a new connection; close it when done)."""
    settings = settings or get_settings()
    return Registry(settings.data_dir / "sources.sqlite")


def parse_location(path_or_url: str, *, crawl: bool = False) -> tuple[SourceKind, str]:
    """Kind and canonical location of what an admin typed (`sources add`)."""
    text = path_or_url.strip()
    scheme = urlsplit(text).scheme.lower()
    if scheme in ("http", "https"):
        if not urlsplit(text).hostname:
            raise RegistryError(f"not a valid URL: {text!r}")
        return ("crawl" if crawl else "url"), text
    if "://" in text or (scheme and len(scheme) > 1):
        raise RegistryError(f"only http(s) URLs, files and directories are supported: {text!r}")
    if crawl:
        raise RegistryError("--crawl needs an http(s) start URL")
    path = Path(text).expanduser().resolve()
    if path.is_dir():
        return "directory", str(path)
    if path.is_file():
        return "file", str(path)
    raise RegistryError(f"no such file or directory: {text}")
