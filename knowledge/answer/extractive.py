"""The offline composer: quotes the best sentences of the passages the decision kept.

Lists and numbered steps are kept whole; the framing comes from short per-language templates
shaped by the persona. Content in the visitor's language is preferred; content that exists
only in another language is quoted with a short note saying so in the visitor's language.
Nothing is generated, so nothing can be invented: every word after the opener is the source's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.answer import templates
from knowledge.answer.guardrails import strip_injections
from knowledge.answer.terms import key_terms, stem, words
from knowledge.profile import Profile
from knowledge.types import SearchHit, SourceRef

_LIST_LINE = re.compile(r"^\s*(?:[-*•+]|\d{1,2}[.)])\s+|^\s*\|")  # list items, table rows
_CODE_FENCE = re.compile(r"(```[^\n]*\n.*?```)", re.DOTALL)
_CODE_WEIGHT = 0.5  # a code block answers "which command", rarely the whole question
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9À-Ý])")


@dataclass(frozen=True)
class Composed:
    text: str
    used: tuple[SearchHit, ...]


def units(text: str) -> list[str]:
    """Split a passage into quotable units: sentences, a whole list / run of steps, or a whole
    fenced code block (verbatim: a command loses its meaning when reflowed into a sentence).

    A paragraph may mix a lead-in sentence and the list it introduces (the chunker keeps them
    together), so runs of list lines are found line by line, not per paragraph.
    """
    out: list[str] = []
    for k, segment in enumerate(_CODE_FENCE.split(text)):
        if k % 2:  # inside a fence
            out.append(segment.strip())
        elif segment.strip():
            out.extend(_prose_units(segment))
    return out


def is_code(unit: str) -> bool:
    return unit.startswith("```")


def _prose_units(text: str) -> list[str]:
    out: list[str] = []
    list_block: list[str] = []

    def flush_list() -> None:
        if list_block:
            out.append("\n".join(list_block))
            list_block.clear()

    for para in re.split(r"\n\s*\n", text.strip()):
        prose: list[str] = []
        for ln in (ln for ln in para.splitlines() if ln.strip()):
            in_list = _LIST_LINE.match(ln) or (list_block and ln.startswith((" ", "\t")))
            if in_list:
                if prose:
                    out.extend(_sentences(prose))
                    prose = []
                list_block.append(ln)
            else:
                flush_list()
                prose.append(ln)
        if prose:
            out.extend(_sentences(prose))
    flush_list()
    return out


def _sentences(lines: list[str]) -> list[str]:
    flat = " ".join(ln.strip().lstrip("#").strip() for ln in lines)
    return [s.strip() for s in _SENTENCE_END.split(flat) if s.strip()]


def _safe(unit: str) -> str:
    """The unit without what the guardrails flag (content is data, never instructions): a
    sentence addressing the assistant or asking for secrets is never quoted; in a list or a
    table only the flagged line goes."""
    if is_code(unit) or "\n" not in unit:
        return "\n".join(strip_injections([unit]))
    return "\n".join(strip_injections(unit.split("\n")))


def _stems(text: str) -> set[str]:
    return {stem(w) for w in words(text) if len(w) > 2}


def select(question: str, passage: str, language: str, max_units: int) -> str:
    """The passage's most relevant unit plus its neighbours, in reading order.

    A unit just before a list is kept with it ("To do X:" + the steps).
    """
    parts = [p for p in (_safe(u) for u in units(passage)) if p]
    if not parts:
        return ""
    terms = {stem(t) for t in key_terms(question, language)}
    scores = [
        len(terms & _stems(p)) * _CODE_WEIGHT
        if is_code(p)
        else len(terms & _stems(p)) + (0.5 if i == 0 else 0.0)
        for i, p in enumerate(parts)
    ]
    best = max(range(len(parts)), key=lambda i: (scores[i], not is_code(parts[i]), -i))
    chosen = {best}
    lo, hi = best, best
    while len(chosen) < max_units and (lo > 0 or hi < len(parts) - 1):
        # grow towards the more relevant neighbour; lists pull their lead-in sentence
        left = scores[lo - 1] if lo > 0 else -1.0
        right = scores[hi + 1] if hi < len(parts) - 1 else -1.0
        if right > left or (right == left and hi < len(parts) - 1):
            hi += 1
            chosen.add(hi)
        else:
            lo -= 1
            chosen.add(lo)
    if best > 0 and "\n" in parts[best]:
        chosen.add(best - 1)
    return "\n".join(parts[i] for i in sorted(chosen))


def compose(
    question: str,
    hits: tuple[SearchHit, ...],
    *,
    language: str,
    profile: Profile,
    max_passages: int = 2,
    max_units: int = 4,
) -> Composed:
    """Frame the best passages as a short chat reply; `used` are exactly the quoted hits."""
    same = [h for h in hits if h.chunk.language == language]
    chosen = (same or list(hits))[:max_passages]
    quotes: list[str] = []
    used: list[SearchHit] = []
    for hit in chosen:
        quote = select(question, hit.chunk.text, hit.chunk.language, max_units)
        if quote and quote not in quotes:
            quotes.append(quote)
            used.append(hit)
        if sum(q.count("\n") + 1 for q in quotes) >= max_units:
            break
    if not quotes:
        return Composed("", ())
    lines = [templates.intro(profile, language)]
    other = used[0].chunk.language
    if other != language:
        name = templates.language_name(other, language)
        lines.append(templates.text("other_language", language, lang_name=name))
    lines.append("\n\n".join(quotes))
    return Composed("\n".join(lines[:-1]) + "\n\n" + lines[-1], tuple(used))


def source_refs(hits: tuple[SearchHit, ...]) -> tuple[SourceRef, ...]:
    """Title + URL of each used passage, once per page (the first quoted section's anchor), in
    order of use: two sections of one page are one source to a visitor. A document without a
    URL (a file without front matter `url`) is cited by its title, with url ""."""
    refs: dict[str, SourceRef] = {}
    for h in hits:
        page = h.chunk.url.split("#", 1)[0] or f"{h.chunk.source}\x1f{h.chunk.doc_id}"
        refs.setdefault(page, SourceRef(title=h.chunk.title, url=h.chunk.url))
    return tuple(refs.values())
