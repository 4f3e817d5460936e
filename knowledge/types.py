"""The few value types every part of the knowledge layer speaks.

Ingestion produces `Chunk`s, stores return `SearchHit`s, the answer chain returns an `Answer`.
They are plain frozen dataclasses so the action server, the CLI and the benchmarks share them
without pulling in a store or a model.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Decision = Literal["answer", "clarify", "handoff"]


@dataclass(frozen=True)
class Chunk:
    """One retrievable passage of a document, with everything needed to cite it."""

    id: str  # stable: derived from source, doc_id and position
    source: str  # source name in the registry
    doc_id: str  # document key inside the source (file path or URL)
    title: str  # document title
    url: str  # what answers cite: document URL (+ #section-anchor) or file path
    language: str  # ISO 639-1, detected or from front matter
    heading_path: tuple[str, ...]  # headings above this chunk, outermost first
    text: str  # the passage itself (without the heading path)
    content_hash: str  # hash of text + heading path: unchanged chunks are not re-embedded

    def for_embedding(self) -> str:
        """Text given to the embedding model and the keyword index: headings give context."""
        heading = " > ".join(h for h in (self.title, *self.heading_path) if h)
        return f"{heading}\n{self.text}" if heading else self.text

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["heading_path"] = list(self.heading_path)
        return d


@dataclass(frozen=True)
class SearchHit:
    """A chunk with its retrieval evidence; `score` is the fused score, higher is better."""

    chunk: Chunk
    score: float
    vector_score: float | None = None
    keyword_score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        c = self.chunk
        return {
            "id": c.id,
            "source": c.source,
            "title": c.title,
            "url": c.url,
            "language": c.language,
            "score": round(self.score, 4),
            "vector_score": None if self.vector_score is None else round(self.vector_score, 4),
            "keyword_score": None if self.keyword_score is None else round(self.keyword_score, 4),
            "heading_path": list(c.heading_path),
            "text": c.text,
        }


@dataclass(frozen=True)
class SourceRef:
    title: str
    url: str


@dataclass(frozen=True)
class Turn:
    role: Literal["user", "agent"]
    text: str


@dataclass(frozen=True)
class Answer:
    """One decision of the answer chain, in the shape of DESIGN.md section 6."""

    kind: Decision
    text: str
    language: str
    confidence: float
    sources: tuple[SourceRef, ...] = ()
    options: tuple[str, ...] = ()
    reason: str = ""  # why this decision (for handoff notes, gaps and the 'show why' panel)
    hits: tuple[SearchHit, ...] = field(default=(), compare=False)
    referent: str = ""  # clarify: the unnamed thing asked about ("actor"; "?" for a pronoun)

    def to_dict(self, *, with_hits: bool = False) -> dict[str, Any]:
        d: dict[str, Any] = {
            "kind": self.kind,
            "text": self.text,
            "language": self.language,
            "confidence": round(self.confidence, 4),
            "sources": [{"title": s.title, "url": s.url} for s in self.sources],
            "options": list(self.options),
            "reason": self.reason,
        }
        if self.referent:
            d["referent"] = self.referent
        if with_hits:
            d["hits"] = [h.to_dict() for h in self.hits]
        return d
