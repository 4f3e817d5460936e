"""The Markdown subset answers carry, parsed once for every channel that cannot show it raw.

Answers quote help-centre content: paragraphs, `**bold**`, `-`/`*` lists, numbered steps, pipe
tables, `[title](https://...)` links, `# headings` and fenced code. Chat apps (WhatsApp,
Messenger) get plain lines from `connectors.common.text.chat_markup`, email gets real HTML from
`connectors.email.render`; the web widget has its own renderer in JavaScript with the same rules
(connectors/static/webchat/widget.js). Stdlib only. Anything else is kept as text.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["paragraph", "heading", "list", "steps", "table", "code"]

_BULLET = re.compile(r"^\s*[-*•+]\s+(.*)$")
_STEP = re.compile(r"^\s*(\d{1,3})[.)]\s+(.*)$")
_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_HEADING = re.compile(r"^\s*#{1,6}\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*```")
_INLINE = re.compile(
    r"\*\*(?P<b1>.+?)\*\*|__(?P<b2>.+?)__|`(?P<code>[^`\n]+)`"
    r"|\[(?P<title>[^\]\n]+)\]\((?P<url>https?://[^)\s]+)\)"
)


@dataclass
class Block:
    kind: BlockKind
    lines: list[str] = field(default_factory=list)  # paragraph lines, items, code lines
    header: list[str] = field(default_factory=list)  # tables
    rows: list[list[str]] = field(default_factory=list)  # tables
    start: int = 1  # steps: the first number


def _cells(line: str) -> list[str]:
    m = _ROW.match(line)
    inner = m.group(1) if m else line.strip().strip("|")
    return [c.strip() for c in inner.split("|")]


def blocks(text: str) -> list[Block]:
    """The blocks of `text`, in order (a table needs a header row and a `|---|` rule)."""
    out: list[Block] = []
    lines = text.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if _FENCE.match(line):
            j = i + 1
            while j < len(lines) and not _FENCE.match(lines[j]):
                j += 1
            out.append(Block("code", lines[i + 1 : j]))
            i = j + 1
            continue
        if _ROW.match(line) and i + 1 < len(lines) and _RULE.match(lines[i + 1]):
            table = Block("table", header=_cells(line))
            i += 2
            while i < len(lines) and _ROW.match(lines[i]):
                table.rows.append(_cells(lines[i]))
                i += 1
            out.append(table)
            continue
        if m := _HEADING.match(line):
            out.append(Block("heading", [m.group(1)]))
            i += 1
            continue
        for kind, pattern in (("list", _BULLET), ("steps", _STEP)):
            if pattern.match(line):
                block = Block(kind)  # type: ignore[arg-type]
                first = _STEP.match(line)
                block.start = int(first.group(1)) if kind == "steps" and first else 1
                while i < len(lines) and lines[i].strip():
                    item = pattern.match(lines[i])
                    if item:
                        block.lines.append(item.group(item.lastindex or 1))
                    elif lines[i].startswith((" ", "\t")) and block.lines:
                        block.lines[-1] += " " + lines[i].strip()  # continuation line
                    else:
                        break
                    i += 1
                out.append(block)
                break
        else:
            para = Block("paragraph")
            while i < len(lines) and lines[i].strip():
                if para.lines and (
                    _BULLET.match(lines[i])
                    or _STEP.match(lines[i])
                    or _HEADING.match(lines[i])
                    or _FENCE.match(lines[i])
                    or _ROW.match(lines[i])
                ):
                    break
                para.lines.append(lines[i].strip())
                i += 1
            out.append(para)
    return out


def inline_text(text: str, *, bold: str = "") -> str:
    """Inline Markdown as plain text: `bold + x + bold`, `title (url)`, code without ticks."""

    def sub(m: re.Match[str]) -> str:
        if m.group("title"):
            return f"{m.group('title')} ({m.group('url')})"
        if m.group("code"):
            return m.group("code")
        return f"{bold}{m.group('b1') or m.group('b2')}{bold}"

    return _INLINE.sub(sub, text)


def inline_html(text: str) -> str:
    """Inline Markdown as escaped HTML: only <strong>, <code> and <a href="http(s)://...">."""
    out: list[str] = []
    pos = 0
    for m in _INLINE.finditer(text):
        out.append(html.escape(text[pos : m.start()]))
        if m.group("title"):
            url = html.escape(m.group("url"), quote=True)
            out.append(f'<a href="{url}">{html.escape(m.group("title"))}</a>')
        elif m.group("code"):
            out.append(f"<code>{html.escape(m.group('code'))}</code>")
        else:
            out.append(f"<strong>{html.escape(m.group('b1') or m.group('b2'))}</strong>")
        pos = m.end()
    out.append(html.escape(text[pos:]))
    return "".join(out)


def to_html(text: str) -> str:
    """`text` as HTML built from the blocks above; every piece of text is escaped."""
    parts: list[str] = []
    for b in blocks(text):
        if b.kind == "paragraph":
            parts.append("<p>" + "<br>\n".join(inline_html(x) for x in b.lines) + "</p>")
        elif b.kind == "heading":
            parts.append(f"<p><strong>{inline_html(b.lines[0])}</strong></p>")
        elif b.kind in ("list", "steps"):
            tag = "ol" if b.kind == "steps" else "ul"
            start = f' start="{b.start}"' if b.kind == "steps" and b.start != 1 else ""
            items = "".join(f"<li>{inline_html(x)}</li>" for x in b.lines)
            parts.append(f"<{tag}{start}>{items}</{tag}>")
        elif b.kind == "table":
            head = "".join(f"<th>{inline_html(c)}</th>" for c in b.header)
            body = "".join(
                "<tr>" + "".join(f"<td>{inline_html(c)}</td>" for c in row) + "</tr>"
                for row in b.rows
            )
            parts.append(
                '<table border="1" cellpadding="4" style="border-collapse:collapse">'
                f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            )
        else:
            parts.append("<pre><code>" + html.escape("\n".join(b.lines)) + "</code></pre>")
    return "\n".join(parts)


def to_plain(text: str, *, bold: str = "", bullet: str = "•") -> str:
    """`text` as plain lines for chat apps and e-mail text parts: a table row becomes one line
    of "Column: value" pairs, list items become `bullet` lines, steps keep their numbers."""
    parts: list[str] = []
    for b in blocks(text):
        if b.kind == "paragraph":
            parts.append("\n".join(inline_text(x, bold=bold) for x in b.lines))
        elif b.kind == "heading":
            parts.append(f"{bold}{inline_text(b.lines[0])}{bold}")
        elif b.kind == "list":
            parts.append("\n".join(f"{bullet} {inline_text(x, bold=bold)}" for x in b.lines))
        elif b.kind == "steps":
            parts.append(
                "\n".join(
                    f"{b.start + n}. {inline_text(x, bold=bold)}" for n, x in enumerate(b.lines)
                )
            )
        elif b.kind == "table":
            parts.append("\n".join(_row_line(b.header, row, bold, bullet) for row in b.rows))
        else:
            parts.append("\n".join(b.lines))
    return "\n\n".join(p for p in parts if p.strip())


def _row_line(header: list[str], row: list[str], bold: str, bullet: str) -> str:
    pairs = []
    for n, cell in enumerate(row):
        value = inline_text(cell, bold=bold)
        if not value:
            continue
        name = inline_text(header[n]) if n < len(header) and header[n] else ""
        pairs.append(f"{name}: {value}" if name else value)
    return f"{bullet} " + "; ".join(pairs)
