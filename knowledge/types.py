"""The few value types every part of the knowledge layer speaks.

Ingestion produces `Chunk`s, stores return `SearchHit`s, the answer chain takes a `TurnRequest`
and returns an `Answer`. They are plain frozen dataclasses so the action server, the CLI and the
benchmarks share them without pulling in a store or a model.
"""

from __future__ import annotations

import uuid
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


Reason = Literal[
    # the decision (knowledge/answer/rules.py)
    "unresolved_reference",
    "too_little_to_go_on",
    "still_unclear",
    "no_relevant_content",
    "ambiguous_topics",
    "not_covered",
    "clarification_failed",
    "grounded",
    # composition and its guard (knowledge/answer/chain.py)
    "grounded:generative",
    "llm_clarify",
    "llm_not_covered",
    "no_quotable_source",
    "unsafe_reply",
    # the action server (actions/): the chain itself failed
    "technical_issue",
]
"""Why a turn was answered, clarified or handed off: one code for the gap log, the report and the
'show why' panel (knowledge/insights/store.py counts the gap reasons among them)."""

HandoffReason = Literal["visitor_request", "no_answer", "clarification_failed", "technical_issue"]
"""What the visitor is told when a person takes over (the `handoff_reason` slot; the wording is
the domain response `utter_handoff_<reason>` in bot/domain/handoff.yml)."""


def handoff_reason(reason: Reason) -> HandoffReason:
    """The visitor-facing handoff reason of a decision reason."""
    if reason in ("clarification_failed", "technical_issue"):
        return reason
    return "no_answer"


@dataclass(frozen=True)
class Step:
    """One named step of a turn with its wall time (LangChain callbacks, `show why`)."""

    name: str
    ms: float


@dataclass(frozen=True, kw_only=True)
class TurnRequest:
    """One visitor turn as the dialogue hands it to the answer chain.

    Rasa holds the state between turns and passes it here; the chain decides from it, once,
    which question the turn is about and which earlier turns count (docs/architecture.md).
    """

    text: str  # what the visitor typed (for a button press: the button's title)
    language: str
    history: tuple[Turn, ...] = ()  # earlier turns of the session, oldest first, masked
    pending: str | None = None  # the question awaiting clarification, if any
    clarifications: int = 0  # follow-ups already asked for `pending`
    chosen: str | None = None  # the topic picked from the clarification buttons


def new_answer_id() -> str:
    """A short unique id for one AI answer (16 hex characters) that the masking of the
    feedback message naming it leaves alone: one that reads as a card number, an IBAN or a
    phone number to `mask` (connectors/common/masking.py) is drawn again."""
    from connectors.common.masking import mask

    while True:
        value = uuid.uuid4().hex[:16]
        if mask(value) == value:
            return value


def reply_payload(
    kind: Decision,
    language: str,
    *,
    sources: tuple[SourceRef, ...] = (),
    options: tuple[str, ...] = (),
    why: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The `custom` payload every bot message carries and every client renders: `kind`,
    `sources`, `language`, `options`, `answer_id` on an answer (what visitor feedback names),
    and `why` when show-why is on (docs/architecture.md "The reply payload").
    Built here only: `Answer.payload` for decisions, `action_handoff` for its own utterance."""
    data: dict[str, Any] = {
        "kind": kind,
        "sources": [{"title": s.title, "url": s.url} for s in sources],
        "language": language,
        "options": list(options),
    }
    if kind == "answer":
        data["answer_id"] = new_answer_id()
    if why is not None:
        data["why"] = why
    return data


@dataclass(frozen=True, kw_only=True)
class Answer:
    """One decision of the answer chain: what the visitor is sent and why.

    `payload()` is the one `custom` payload every client renders (docs/architecture.md). A
    handoff's `text` is empty: what the visitor reads is the domain response for the reason
    (`knowledge/answer/responses.py` renders it for the CLI and the eval).
    """

    kind: Decision
    text: str
    language: str
    confidence: float
    reason: Reason
    question: str = ""  # what the turn was about (pending question + reply), masked by callers
    sources: tuple[SourceRef, ...] = ()
    options: tuple[str, ...] = ()
    hits: tuple[SearchHit, ...] = field(default=(), compare=False)
    referent: str = ""  # clarify: the unnamed thing asked about ("actor"; "?" for a pronoun)
    rule: str = ""  # the decision rule that fired
    steps: tuple[Step, ...] = field(default=(), compare=False)  # chain steps and their timing

    def payload(self, *, show_why: bool) -> dict[str, Any]:
        """The `custom` payload of this reply (`why` only when show-why is on)."""
        return reply_payload(
            self.kind,
            self.language,
            sources=self.sources,
            options=self.options,
            why=self.to_dict(with_hits=True) if show_why else None,
        )

    def to_dict(self, *, with_hits: bool = False) -> dict[str, Any]:
        """Everything about the decision (the `ask --json` output and the `why` panel)."""
        d: dict[str, Any] = {
            "kind": self.kind,
            "text": self.text,
            "language": self.language,
            "confidence": round(self.confidence, 4),
            "sources": [{"title": s.title, "url": s.url} for s in self.sources],
            "options": list(self.options),
            "reason": self.reason,
        }
        if self.rule:
            d["rule"] = self.rule
        if self.referent:
            d["referent"] = self.referent
        if with_hits:
            d["hits"] = [h.to_dict() for h in self.hits]
            d["steps"] = [{"name": s.name, "ms": round(s.ms, 2)} for s in self.steps]
        return d
