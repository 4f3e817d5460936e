"""The unit ingestion hands to chunking: one file or one page, as Markdown-ish text."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


def content_hash(*parts: str) -> str:
    """Stable hash used to decide whether something changed since the last sync."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:32]


@dataclass(frozen=True)
class Document:
    """One file or page of a source.

    `text` uses '#' headings and keeps lists as lines starting with '-' or '1.', so chunking can
    follow the structure whatever the original format was. `language` "" means: detect it.
    """

    source: str
    doc_id: str
    title: str
    url: str
    language: str
    text: str
    content_hash: str


def make_document(
    *, source: str, doc_id: str, title: str, url: str, text: str, language: str = ""
) -> Document:
    """Build a `Document` whose hash covers everything that ends up in its chunks."""
    text = text.strip()
    language = (language or "").strip().lower()[:2]
    return Document(
        source=source,
        doc_id=doc_id,
        title=title.strip(),
        url=url,
        language=language,
        text=text,
        content_hash=content_hash(title.strip(), url, language, text),
    )
