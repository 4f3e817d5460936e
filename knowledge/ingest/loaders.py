"""Turn raw bytes of a supported format into a `Document`.

Used for local files and fetched pages alike, so a PDF behaves the same whether it sits in a
directory or on a website. Extraction relies on well-kept libraries (trafilatura for HTML main
content, pypdf, python-docx); a file that will not parse raises `ExtractionError`, which sync
records per document instead of aborting.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from knowledge.ingest.documents import Document, make_document

KIND_BY_SUFFIX = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".mdx": "markdown",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
    ".txt": "text",
    ".text": "text",
}
KIND_BY_MIME = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "text/plain": "text",
}
_FRONT_MATTER = re.compile(
    r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S
)
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)


class ExtractionError(Exception):
    """The content could not be turned into text (corrupt, empty, unsupported)."""


def kind_for_path(path: Path) -> str | None:
    return KIND_BY_SUFFIX.get(path.suffix.lower())


def kind_for_response(content_type: str, url: str) -> str | None:
    """Content-Type first; the URL's suffix only when the server sends a generic type."""
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime in KIND_BY_MIME:
        return KIND_BY_MIME[mime]
    suffix = Path(url.split("?", 1)[0].split("#", 1)[0]).suffix.lower()
    if mime in ("", "application/octet-stream", "binary/octet-stream"):
        return KIND_BY_SUFFIX.get(suffix)
    return None


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """YAML front matter (`title`, `url`, `lang`) and the body; broken YAML counts as none."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    try:
        meta = yaml.safe_load(m.group(1))
    except yaml.YAMLError:
        return {}, text
    if not isinstance(meta, dict):
        return {}, text
    return meta, text[m.end() :]


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def html_to_markdown(html: str, url: str | None = None) -> tuple[str, str, str]:
    """(title, markdown text, language) of an HTML page's main content."""
    import lxml.html
    import trafilatura

    try:
        tree = lxml.html.document_fromstring(html)
    except Exception as exc:  # lxml raises several types for garbage
        raise ExtractionError(f"unparseable HTML: {exc}") from exc
    title = " ".join((tree.findtext(".//title") or "").split())
    h1 = tree.find(".//h1")
    if h1 is not None and h1.text_content().strip():
        title = " ".join(h1.text_content().split())
    lang = (tree.get("lang") or "").split("-", 1)[0].lower()

    def run(**opts: Any) -> str:
        return (
            trafilatura.extract(
                html,
                url=url,
                output_format="markdown",
                include_formatting=True,
                include_tables=True,
                include_comments=False,
                **opts,
            )
            or ""
        )

    text = run()
    if not _MD_HEADING.search(text):
        # On short pages trafilatura falls back to a flat extractor; precision mode keeps headings.
        precise = run(favor_precision=True)
        if _MD_HEADING.search(precise) and len(precise) >= 0.6 * len(text):
            text = precise
    if not text.strip():
        raise ExtractionError("no main content found in HTML")
    return title, _mark_anchors(text, _heading_ids(tree)), lang


def _heading_ids(tree: Any) -> dict[str, str]:
    """Heading text -> its id on the page (`<h2 id>` or an anchor inside the heading)."""
    ids: dict[str, str] = {}
    for el in tree.iter("h1", "h2", "h3", "h4", "h5", "h6"):
        anchor = el.get("id") or next(
            (a.get("id") or a.get("name") for a in el.iter("a") if a.get("id") or a.get("name")),
            None,
        )
        text = " ".join(el.text_content().split()).lower()
        if anchor and text and re.fullmatch(r"[\w.:-]+", anchor):
            ids.setdefault(text, anchor)
    return ids


def _mark_anchors(markdown: str, ids: dict[str, str]) -> str:
    """Append `{#id}` to Markdown headings whose HTML heading had an id, for citation URLs."""
    if not ids:
        return markdown

    def mark(m: re.Match[str]) -> str:
        key = " ".join(re.sub(r"[*_`]+", "", m.group(1)).split()).lower()
        return f"{m.group(0)} {{#{ids[key]}}}" if key in ids else m.group(0)

    return _MD_HEADING.sub(mark, markdown)


def pdf_to_text(data: bytes) -> tuple[str, str]:
    import pypdf

    pdf_log = logging.getLogger("pypdf")
    if pdf_log.level == logging.NOTSET:  # its warnings about broken files repeat our error
        pdf_log.setLevel(logging.ERROR)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
        title = str(reader.metadata.get("/Title") or "") if reader.metadata else ""
    except Exception as exc:  # pypdf raises many error types for broken files
        raise ExtractionError(f"unreadable PDF: {exc}") from exc
    text = "\n\n".join(p for p in pages if p)
    if not text:
        raise ExtractionError("PDF has no extractable text (scanned?)")
    if not title.strip():  # most PDFs lack a /Title: a short first line is the best guess
        first = text.strip().splitlines()[0].strip()
        title = first if len(first) <= 80 else ""
    return title.strip(), text


def docx_to_text(data: bytes) -> tuple[str, str]:
    """Word headings become '#' headings and list styles become list lines."""
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise ExtractionError(f"unreadable DOCX: {exc}") from exc
    title = (document.core_properties.title or "").strip()
    lines: list[str] = []
    number = 0
    for para in document.paragraphs:
        text = " ".join(para.text.split())
        if not text:
            continue
        style = para.style.name if para.style is not None else ""
        if not style.startswith("List Number"):
            number = 0
        if style == "Title":
            title = title or text
            lines.append(f"# {text}")
        elif style.startswith("Heading ") and style[8:].isdigit():
            lines.append(f"{'#' * min(int(style[8:]), 6)} {text}")
        elif style.startswith("List Number"):
            number += 1
            lines.append(f"{number}. {text}")
        elif style.startswith("List"):
            lines.append(f"- {text}")
        else:
            lines.append(text)
        if not style.startswith("List"):
            lines.append("")
    for table in document.tables:
        for row in table.rows:
            cells = [" ".join(c.text.split()) for c in row.cells]
            if any(cells):
                lines.append(" | ".join(cells))
        lines.append("")
    text = "\n".join(lines).strip()
    if not text:
        raise ExtractionError("DOCX has no text")
    return title, text


def _first_heading(text: str) -> str:
    m = _MD_HEADING.search(text)
    return re.sub(r"\s*\{#[^}]*\}$", "", m.group(1)).strip() if m else ""


def extract(data: bytes, kind: str, *, url: str | None = None) -> tuple[str, str, str, str | None]:
    """(title, text, language, url override) for raw bytes of a given kind."""
    if kind == "pdf":
        title, text = pdf_to_text(data)
        return title, text, "", None
    if kind == "docx":
        title, text = docx_to_text(data)
        return title, text, "", None
    meta, body = split_front_matter(_decode(data))
    lang = str(meta.get("lang") or meta.get("language") or "")
    if kind == "html":
        title, text, html_lang = html_to_markdown(body, url)
        lang = lang or html_lang
    else:
        title, text = "", body
        if not text.strip():
            raise ExtractionError("empty file")
    title = (
        str(meta.get("title") or "")
        or title
        or (_first_heading(text) if kind == "markdown" else "")
    )
    url_override = str(meta["url"]) if meta.get("url") else None
    return title, text, lang, url_override


def document_from_bytes(
    data: bytes, kind: str, *, source: str, doc_id: str, url: str, fallback_title: str = ""
) -> Document:
    title, text, lang, url_override = extract(data, kind, url=url)
    return make_document(
        source=source,
        doc_id=doc_id,
        title=title or fallback_title,
        url=url_override or url,
        text=text,
        language=lang,
    )


def iter_files(root: Path) -> Iterator[Path]:
    """Supported files under `root`, sorted, skipping hidden files and directories."""
    if root.is_file():
        if kind_for_path(root):
            yield root
        return
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file() and kind_for_path(path):
            yield path


def load_file(path: Path, *, source: str, doc_id: str) -> Document:
    """A local file as a `Document`; its URL is the front matter `url`, else "" (no link).

    A server's file path is no address a visitor can open and tells them how the server is laid
    out, so an answer from a file without a `url` cites the document's title only.
    """
    kind = kind_for_path(path)
    if kind is None:
        raise ExtractionError(f"unsupported file type: {path.suffix or path.name}")
    fallback = path.stem.replace("-", " ").replace("_", " ").strip().capitalize()
    return document_from_bytes(
        path.read_bytes(),
        kind,
        source=source,
        doc_id=doc_id,
        url="",
        fallback_title=fallback,
    )
