"""Knowledge gaps grouped by meaning: "add content about X", with the closest existing source.

The questions are the handoffs for lack of knowledge, the clarifications that led nowhere and
the answers a visitor marked unhelpful, read from Rasa's tracker store (knowledge/operations/
gap_questions.py); without a tracker store, the rows the answer action records
(knowledge/insights/store.py, `GAP_REASONS`). They are embedded with the model the index uses
(knowledge/embeddings.py: the same vector space the index searches) and grouped greedily:
each question, newest first, joins the group whose centroid
is closest when the cosine reaches `threshold`, else starts a group. Texts are masked again
before they are shown (they were masked when recorded).
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

# e5 query cosines (tests/knowledge/operations/test_gaps.py): paraphrases 0.91-0.94, unrelated
# 0.81-0.85, a Dutch paraphrase 0.83-0.87 (so cross-language grouping is not reliable);
# a remote model names its own bounds (score_floor / score_ceiling), mapped the same way
DEFAULT_THRESHOLD = 0.7  # on the model's [floor, ceiling] scale: 0.86 raw for e5


@dataclass(frozen=True)
class GapQuestion:
    ts: float
    question: str
    language: str
    reason: str  # a handoff reason, "clarification_unanswered" or "unhelpful"
    sources: tuple[str, ...] = ()  # unhelpful: the URLs the answer cited

    @property
    def key(self) -> str:
        """Stable identity of this recorded question (when + what), for the gap state."""
        return hashlib.sha1(f"{self.ts:.3f}|{self.question}".encode()).hexdigest()[:16]  # noqa: S324


@dataclass
class GapGroup:
    topic: str
    count: int
    languages: list[str]
    examples: list[str]
    last_seen: float
    reasons: dict[str, int]
    closest_source: dict[str, Any] | None = None
    id: str = ""  # stable across runs (knowledge/operations/gap_state.py)
    status: str = "open"  # open | addressed | dismissed
    state: dict[str, Any] | None = None  # when and by which source it was addressed / dismissed
    members: list[GapQuestion] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if not self.id and self.members:
            oldest = min(self.members, key=lambda m: (m.ts, m.key))
            self.id = "g" + oldest.key[:8]

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "members"}


def _normalise(v: Sequence[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in v)) or 1.0
    return [x / norm for x in v]


def _cos(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=False))


def _label(questions: list[GapQuestion], central: str) -> str:
    from knowledge.answer.terms import key_terms

    counts: Counter[str] = Counter()
    for q in questions:
        counts.update(list(dict.fromkeys(key_terms(q.question, q.language or "en"))))
    shared = [t for t, n in counts.most_common() if n > 1][:3]
    return " ".join(shared) if shared else central


def group_gaps(
    questions: Sequence[GapQuestion],
    embed: Callable[[list[str]], list[list[float]]],
    *,
    threshold: float,
    examples: int = 3,
) -> list[GapGroup]:
    """Greedy grouping by cosine >= `threshold` (raw cosine), largest groups first."""
    from knowledge.answer.guardrails import mask

    ordered = sorted(questions, key=lambda q: -q.ts)
    vectors = [_normalise(v) for v in embed([q.question for q in ordered])] if ordered else []
    groups: list[tuple[list[float], list[GapQuestion], list[list[float]]]] = []
    for q, vec in zip(ordered, vectors, strict=True):
        best, best_cos = None, threshold
        for g in groups:
            c = _cos(vec, g[0])
            if c >= best_cos:
                best, best_cos = g, c
        if best is None:
            groups.append((vec, [q], [vec]))
            continue
        best[1].append(q)
        best[2].append(vec)
        summed = [sum(col) for col in zip(*best[2], strict=True)]
        best[0][:] = _normalise(summed)
    out = []
    for centroid, members, vecs in groups:
        central = max(zip(members, vecs, strict=True), key=lambda mv: _cos(mv[1], centroid))[0]
        out.append(
            GapGroup(
                topic=mask(_label(members, central.question)),
                count=len(members),
                languages=sorted({m.language for m in members if m.language}),
                examples=list(dict.fromkeys(mask(m.question) for m in members))[:examples],
                last_seen=max(m.ts for m in members),
                reasons=dict(Counter(m.reason for m in members)),
                members=list(members),
            )
        )
    return sorted(out, key=lambda g: (-g.count, -g.last_seen))


def embedder(embeddings: Any) -> tuple[Callable[[list[str]], list[list[float]]], float]:
    """Query embeddings of the index's model, and the raw-cosine threshold for its scale."""
    from knowledge.embeddings import score_bounds

    floor, ceiling = score_bounds(embeddings)
    threshold = floor + DEFAULT_THRESHOLD * (ceiling - floor)

    def embed(texts: list[str]) -> list[list[float]]:
        return [embeddings.embed_query(t) for t in texts]

    return embed, threshold


def attach_closest_sources(groups: list[GapGroup], search: Callable[..., list[Any]]) -> None:
    """The best hit for each group's central example: the page to extend, or none at all."""
    for g in groups:
        try:
            hits = search(g.examples[0], k=1) if g.examples else []
        except Exception:  # no index yet: the gaps are still worth listing
            hits = []
        if hits:
            hit = hits[0]
            g.closest_source = {
                "title": hit.chunk.title,
                "url": hit.chunk.url,
                "score": round(float(hit.score), 3),
            }
