"""Structure-aware chunking of a `Document` into retrievable `Chunk`s.

Why structure first: a help-centre answer usually lives in one section, and a numbered procedure
cut in half is useless. So text is split at headings, each chunk carries its heading path, lists
and steps stay in one block (with the sentence that introduces them), and only a section longer
than `max_chars` is split further, at sentence boundaries (spaCy `blank(lang)` + sentencizer,
which works offline for every language).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from knowledge.ingest.documents import Document, content_hash
from knowledge.types import Chunk

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_ANCHOR_ATTR = re.compile(r"\s*\{#([\w.:-]+)\}\s*$")  # `## Title {#id}`: the page's real anchor
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
_FENCE = re.compile(r"^\s*(```|~~~)")
_EMPHASIS = re.compile(r"[*_`]+")


@dataclass
class _Section:
    headings: tuple[str, ...]
    anchor: str = ""  # explicit id of the nearest heading, when the source had one
    blocks: list[str] = field(default_factory=list)


def detect_language(text: str) -> str:
    """ISO 639-1 code of `text` ("" when there is too little to tell)."""
    from knowledge.language import detect_code

    return detect_code(text) or ""


@lru_cache(maxsize=16)
def _sentencizer(lang: str) -> Any:
    import spacy

    try:
        nlp = spacy.blank(lang or "xx")
    except Exception:  # unknown code or a language needing extra packages
        nlp = spacy.blank("xx")
    nlp.add_pipe("sentencizer")
    return nlp


def split_sentences(text: str, lang: str) -> list[str]:
    doc = _sentencizer(lang)(text)
    return [s.text.strip() for s in doc.sents if s.text.strip()]


def slugify(heading: str) -> str:
    """GitHub-style anchor: lowercase, punctuation dropped, spaces to '-'."""
    text = _EMPHASIS.sub("", unicodedata.normalize("NFKC", heading)).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text, flags=re.UNICODE)
    return re.sub(r"\s+", "-", text).strip("-")


def _clean_heading(text: str) -> str:
    return " ".join(_EMPHASIS.sub("", text).split())


def _sections(text: str) -> list[_Section]:
    """Split Markdown-ish text at headings into sections of blocks (paragraphs, lists, code)."""
    stack: list[tuple[int, str]] = []
    sections = [_Section(())]
    lines: list[str] = []
    in_fence = False

    def flush() -> None:
        block = "\n".join(lines).strip("\n")
        lines.clear()
        if block.strip():
            sections[-1].blocks.append(block)

    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
            lines.append(line)
            continue
        m = None if in_fence else _HEADING.match(line)
        if m:
            flush()
            level = len(m.group(1))
            heading = m.group(2)
            attr = _ANCHOR_ATTR.search(heading)
            if attr:
                heading = heading[: attr.start()]
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, _clean_heading(heading)))
            sections.append(_Section(tuple(h for _, h in stack), attr.group(1) if attr else ""))
        elif not in_fence and not line.strip():
            flush()
        else:
            lines.append(line)
    flush()
    return [s for s in sections if s.blocks]


def _is_list(block: str) -> bool:
    return bool(_LIST_ITEM.match(block))


def _merge_lists(blocks: list[str]) -> list[str]:
    """Items separated by blank lines become one list; an intro ending in ':' joins its list."""
    out: list[str] = []
    for block in blocks:
        if out and _is_list(block) and (_is_list(out[-1]) or out[-1].rstrip().endswith(":")):
            out[-1] = f"{out[-1]}\n{block}"
        else:
            out.append(block)
    return out


def _split_long(block: str, max_chars: int, lang: str) -> list[str]:
    """Pieces of an oversized block: lists by items, prose by sentences, words as a last resort."""
    if _is_list(block) or ("\n" in block and any(_is_list(ln) for ln in block.splitlines())):
        units = re.split(r"\n(?=\s*(?:[-*+•]|\d{1,3}[.)])\s)", block)
    else:
        units = split_sentences(block, lang)
    pieces: list[str] = []
    for unit in units:
        while len(unit) > max_chars:
            cut = unit.rfind(" ", 0, max_chars)
            cut = cut if cut > max_chars // 2 else max_chars
            pieces.append(unit[:cut].strip())
            unit = unit[cut:].strip()
        if unit:
            pieces.append(unit)
    return _pack(pieces, max_chars, sep=" " if not _is_list(block) else "\n")


def _pack(units: list[str], max_chars: int, sep: str = "\n\n") -> list[str]:
    out: list[str] = []
    for unit in units:
        if out and len(out[-1]) + len(sep) + len(unit) <= max_chars:
            out[-1] = f"{out[-1]}{sep}{unit}"
        else:
            out.append(unit)
    return out


def _anchor_url(url: str, heading: str, anchor: str = "") -> str:
    slug = anchor or slugify(heading)
    if not url or not slug or "#" in url:  # no URL (a file without one): no anchor either
        return url
    return f"{url}#{slug}"


def chunk_document(doc: Document, *, max_chars: int = 1200) -> list[Chunk]:
    """Chunks of `doc`, in reading order, with stable ids (source, doc_id, position).

    Pure apart from the cached language model and sentencizer; the same document always gives
    the same chunks, so content hashes decide what needs re-embedding.
    """
    language = doc.language or detect_language(doc.text)
    title_key = doc.title.strip().lower()
    chunks: list[Chunk] = []
    for section in _sections(doc.text):
        headings = section.headings
        if headings and headings[0].lower() == title_key:
            headings = headings[1:]  # the page's own H1 repeats the title
        blocks: list[str] = []
        for block in _merge_lists(section.blocks):
            if len(block) > max_chars:
                blocks.extend(_split_long(block, max_chars, language))
            else:
                blocks.append(block)
        url = _anchor_url(doc.url, headings[-1], section.anchor) if headings else doc.url
        for text in _pack(blocks, max_chars):
            text = text.strip()
            if not text:
                continue
            position = len(chunks)
            chunk_id = hashlib.sha256(
                f"{doc.source}\x00{doc.doc_id}\x00{position}".encode()
            ).hexdigest()[:32]
            chunks.append(
                Chunk(
                    id=chunk_id,
                    source=doc.source,
                    doc_id=doc.doc_id,
                    title=doc.title,
                    url=url,
                    language=language,
                    heading_path=headings,
                    text=text,
                    content_hash=content_hash(doc.title, url, language, *headings, text),
                )
            )
    return chunks
