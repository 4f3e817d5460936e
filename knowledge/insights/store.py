"""SQLite store of answer decisions; knowledge gaps are the handoffs for lack of content.

One short-lived connection per call: the action server writes a few rows per minute, so a
pool would buy nothing, and SQLite's own locking keeps concurrent workers safe.
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from knowledge.answer.guardrails import mask
from knowledge.answer.terms import key_terms
from knowledge.types import Decision, Reason

# handoffs for lack of content: the knowledge gaps an admin can close by adding pages
GAP_REASONS: tuple[Reason, ...] = (
    "no_relevant_content",
    "not_covered",
    "clarification_failed",
    "no_quotable_source",
    "llm_not_covered",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    conversation_id TEXT NOT NULL,
    channel TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    confidence REAL NOT NULL,
    question TEXT NOT NULL,
    topic TEXT NOT NULL,
    sources TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS decisions_kind ON decisions(kind, reason);
"""


@dataclass(frozen=True)
class Gap:
    topic: str
    count: int
    languages: tuple[str, ...]
    examples: tuple[str, ...]


def _gap(items: list[tuple[str, str, list[str]]]) -> Gap:
    counts = Counter(t for _, _, terms in items for t in dict.fromkeys(terms))
    shared = [t for t, n in counts.most_common() if n > 1][:3]
    label = " ".join(shared or items[0][2][:3]) or "(unspecified)"
    return Gap(
        label,
        len(items),
        tuple(sorted({lang for lang, _, _ in items})),
        tuple(dict.fromkeys(q for _, q, _ in items))[:3],
    )


def topic_key(question: str, language: str) -> str:
    """Group questions by their two first key terms, sorted ("password reset")."""
    terms = key_terms(question, language)[:3]
    return " ".join(sorted(terms[:2])) or "(unspecified)"


class InsightsStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=5.0)

    def record(
        self,
        *,
        conversation_id: str,
        language: str,
        kind: Decision,
        reason: Reason,
        confidence: float,
        question: str,
        sources: list[str] | None = None,
        channel: str = "",
        ts: float | None = None,
    ) -> None:
        """Store one decision; the question is masked before it touches disk."""
        safe = mask(question)
        with self._connect() as db:
            db.execute(
                "INSERT INTO decisions (ts, conversation_id, channel, language, kind, reason,"
                " confidence, question, topic, sources) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    ts or time.time(),
                    conversation_id,
                    channel,
                    language,
                    kind,
                    reason,
                    float(confidence),
                    safe,
                    topic_key(safe, language),
                    "\n".join(sources or []),
                ),
            )

    def gaps(self, *, limit: int = 20, since: float = 0.0) -> list[Gap]:
        """Unanswered topics, most frequent first: questions sharing a key term form one gap."""
        marks = ",".join("?" * len(GAP_REASONS))
        with self._connect() as db:
            rows = db.execute(
                f"SELECT language, question FROM decisions WHERE kind='handoff' "  # noqa: S608
                f"AND reason IN ({marks}) AND ts >= ? ORDER BY ts DESC",
                (*GAP_REASONS, since),
            ).fetchall()
        clusters: list[tuple[set[str], list[tuple[str, str, list[str]]]]] = []
        for lang, question in rows:
            terms = key_terms(question, lang)
            stems = {t[:5] for t in terms}
            home = next((c for c in clusters if c[0] & stems), None)
            if home is None:
                clusters.append((set(stems), [(lang, question, terms)]))
            else:
                home[0].update(stems)
                home[1].append((lang, question, terms))
        return sorted((_gap(items) for _, items in clusters), key=lambda g: (-g.count, g.topic))[
            :limit
        ]

    def report(self, *, since: float = 0.0) -> dict[str, object]:
        """Decision counts and rates: answered, clarified, handed off, per language."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT conversation_id, kind, reason, language FROM decisions WHERE ts >= ?",
                (since,),
            ).fetchall()
        kinds = Counter(kind for _, kind, _, _ in rows)
        total = len(rows)
        conversations = {c for c, _, _, _ in rows}
        answered = {c for c, kind, _, _ in rows if kind == "answer"}
        handed = {c for c, kind, _, _ in rows if kind == "handoff"}
        return {
            "turns": total,
            "conversations": len(conversations),
            "decisions": dict(kinds),
            "answer_rate": round(kinds["answer"] / total, 3) if total else 0.0,
            "handoff_reasons": dict(Counter(r for _, k, r, _ in rows if k == "handoff")),
            "languages": dict(Counter(lang for _, _, _, lang in rows)),
            "billable_conversations": len(answered),
            "resolved_conversations": len(answered - handed),
            "handed_off_conversations": len(handed),
        }


def get_insights_store() -> InsightsStore:
    """The store under `settings.data_dir` (created on first use)."""
    from knowledge.settings import get_settings

    return InsightsStore(get_settings().data_dir / "insights.sqlite3")
