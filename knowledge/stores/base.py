"""The one retrieval protocol every store implements, and the language-aware score fusion.

Why our own fusion instead of the stores' built-in hybrid: keyword matching is noise across
languages (a Dutch question shares no words with an English FAQ), and reciprocal-rank fusion
throws away how good the best match is. So the vector side is mapped to [0, 1] on a fixed scale,
and keyword evidence only *lifts* chunks written in the query's language:

    score = v + (1 - alpha) * k * (1 - v)   if chunk.language == query language
    score = v                               otherwise

with v the normalised cosine and k the normalised BM25 (0 when the chunk has no keyword match).
alpha = 1 is dense retrieval alone. A lift rather than a weighted average keeps a chunk that
matches by meaning but not by words from being pushed below chunks in other languages (measured
on gnome-help: the weighted average lost Dutch->Dutch hits that dense retrieval had). The fused
score is comparable across queries, which the answer chain thresholds.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from knowledge.types import Chunk, SearchHit

DEFAULT_ALPHA = 0.6  # 1 = dense only; lower = more lift from keyword matches (gnome-help dev)
CROSS_LANGUAGE_WEIGHT = 0.0  # keyword weight for chunks in another language (0: vector only)
KEYWORD_SATURATION = 0.5  # share of the best BM25 score a match needs to count half
MAX_KEYWORD_TERMS = 64  # a pasted page searches by its first terms; BM25 cost grows per term
MAX_TERM_CHARS = 40  # longer "words" are hashes, base64 or keyboard mashing: never in content

_WORD = re.compile(r"\w+", re.UNICODE)


def keyword_terms(query: str) -> str:
    """Visitor text as plain search terms for a keyword index: never query syntax.

    Full-text engines parse their query strings: quotes make phrase queries (LanceDB raises
    without a position index), `AND`/`OR`/`NOT`, `+`/`-`, `field:`, brackets, `*` and `~` are
    operators. A visitor pastes "How long does delivery to Belgium take?" with its quotes, or a
    2,000-character error log; both must be searched as words. So only the query's word tokens
    (letters and digits of any script, lowercased so `AND` is the word "and") are kept, joined
    by spaces, each at most `MAX_TERM_CHARS` long, the first `MAX_KEYWORD_TERMS` of them.
    Returns "" when nothing searchable is left (only punctuation or emoji).
    """
    terms = [t[:MAX_TERM_CHARS] for t in _WORD.findall(query.lower().replace("_", " "))]
    return " ".join(terms[:MAX_KEYWORD_TERMS])


def fingerprint(chunk: Chunk) -> str:
    """Everything stored about a chunk: an equal fingerprint means there is nothing to write."""
    payload = "\x1f".join(
        [
            chunk.source,
            chunk.doc_id,
            chunk.title,
            chunk.url,
            chunk.language,
            "\x1e".join(chunk.heading_path),
            chunk.text,
            chunk.content_hash,
        ]
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@runtime_checkable
class ChunkStore(Protocol):
    """What ingestion writes to and retrieval reads from; backends are a config switch."""

    def upsert(self, chunks: Sequence[Chunk]) -> int:
        """Embeds what it needs; returns the number of chunks written."""
        ...

    def delete(self, source: str, doc_ids: Iterable[str] | None = None) -> int:
        """Removes a whole source (doc_ids=None) or some of its documents; returns rows removed."""
        ...

    def search(
        self,
        query: str,
        *,
        k: int = 10,
        language: str | None = None,
        sources: Sequence[str] | None = None,
        alpha: float | None = None,
    ) -> list[SearchHit]:
        """`language` is the query's language (drives fusion), not a filter."""
        ...

    def count(self, source: str | None = None) -> int: ...

    def close(self) -> None: ...


@dataclass
class Candidate:
    """One chunk seen by either side of a hybrid query, before fusion."""

    chunk: Chunk
    cosine: float | None = None  # raw cosine similarity
    bm25: float | None = None  # raw keyword score (backend scale)


def vector_score(cosine: float | None, floor: float, ceiling: float) -> float:
    """Cosine mapped linearly from [floor, ceiling] onto [0, 1] (fixed, so query-independent)."""
    if cosine is None or ceiling <= floor:
        return 0.0
    return min(1.0, max(0.0, (cosine - floor) / (ceiling - floor)))


def keyword_scores(raw: dict[str, float]) -> dict[str, float]:
    """BM25 scores relative to the query's best match, squashed so only strong matches count.

    BM25 is unbounded and grows with query length; dividing by the best score of this query
    makes it comparable, and the saturation keeps weak partial matches (one common word) low.
    """
    if not raw:
        return {}
    best = max(raw.values())
    if best <= 0:
        return dict.fromkeys(raw, 0.0)
    out = {}
    for key, value in raw.items():
        rel = max(0.0, value) / best
        out[key] = rel * (1 + KEYWORD_SATURATION) / (rel + KEYWORD_SATURATION)
    return out


def same_language(chunk_language: str, query_language: str | None) -> bool:
    """None means unknown: then every chunk may use its keyword evidence."""
    if query_language is None:
        return True
    return chunk_language.split("-")[0].lower() == query_language.split("-")[0].lower()


def fuse(
    candidates: Iterable[Candidate],
    *,
    k: int,
    alpha: float,
    language: str | None,
    floor: float,
    ceiling: float,
    cross_weight: float = 0.0,
) -> list[SearchHit]:
    """Language-aware normalised-score fusion (see module docstring); best first, ties by id.

    `cross_weight` > 0 lets keyword matches in other languages (shared product names, codes)
    count with that weight in a weighted average; their BM25 is normalised apart from
    same-language matches. Off by default: it helped the gnome-help dev half and not the test half.
    """
    cands = list(candidates)
    same = {c.chunk.id: same_language(c.chunk.language, language) for c in cands}
    kw = keyword_scores(
        {c.chunk.id: c.bm25 for c in cands if c.bm25 is not None and same[c.chunk.id]}
    )
    kw_cross = keyword_scores(
        {c.chunk.id: c.bm25 for c in cands if c.bm25 is not None and not same[c.chunk.id]}
    )
    alpha = min(1.0, max(0.0, alpha))
    hits = []
    for c in cands:
        v = vector_score(c.cosine, floor, ceiling)
        kscore = kw.get(c.chunk.id)
        if same[c.chunk.id]:
            score = v + (1 - alpha) * (kscore or 0.0) * (1 - v)
        elif cross_weight > 0:
            kscore = kw_cross.get(c.chunk.id, 0.0)
            score = (1 - cross_weight) * v + cross_weight * kscore
        else:
            score = v
        hits.append(SearchHit(chunk=c.chunk, score=score, vector_score=v, keyword_score=kscore))
    hits.sort(key=lambda h: (-h.score, h.chunk.id))
    return hits[:k]
