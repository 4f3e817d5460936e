"""The store of answer decisions; knowledge gaps are the handoffs for lack of content.

On the state database (connectors/common/state_db.py): `insights.sqlite3` under the data dir by
default (SQLite's own locking keeps the workers of one machine safe), PostgreSQL when
`CUSTOMER_AGENT_STATE_DB` is a postgresql:// URL, so the action servers of several machines
record into one table that `customer-agent gaps` reads. One store per process and database
(`get_insights_store`), holding one SQLite connection or the process's small PostgreSQL pool.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from connectors.common.state_db import Database, open_database
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

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS decisions (
    id {serial},
    ts DOUBLE PRECISION NOT NULL,
    conversation_id TEXT NOT NULL,
    channel TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    confidence DOUBLE PRECISION NOT NULL,
    question TEXT NOT NULL,
    topic TEXT NOT NULL,
    sources TEXT NOT NULL DEFAULT ''
)""",
    "CREATE INDEX IF NOT EXISTS decisions_kind ON decisions (kind, reason)",
)
_MARKS = ",".join("?" * len(GAP_REASONS))  # placeholders only: the reasons are bound values
_GAP_SQL = (
    "SELECT ts, question, language, reason FROM decisions"  # noqa: S608
    f" WHERE kind='handoff' AND reason IN ({_MARKS}) AND ts >= ? ORDER BY ts DESC"
)


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
    """`InsightsStore(path)`: that SQLite file; `InsightsStore(db=...)`: any state database."""

    def __init__(self, path: Path | None = None, *, db: Database | None = None) -> None:
        if db is None:
            if path is None:
                raise ValueError("InsightsStore needs a path or a database")
            db = open_database("", path, SCHEMA)
        self.path = path
        self.db = db

    def close(self) -> None:
        self.db.close()

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
        self.db.execute(
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

    def gap_rows(self, *, since: float = 0.0) -> list[tuple[float, str, str, str]]:
        """(ts, masked question, language, reason) of the gap handoffs since `since`, newest
        first: what `customer-agent gaps` groups by meaning."""
        _, rows = self.db.execute(_GAP_SQL, (*GAP_REASONS, since))
        return [(float(ts), str(q), str(lang), str(r)) for ts, q, lang, r in rows]

    def gaps(self, *, limit: int = 20, since: float = 0.0) -> list[Gap]:
        """Unanswered topics, most frequent first: questions sharing a key term form one gap."""
        clusters: list[tuple[set[str], list[tuple[str, str, list[str]]]]] = []
        for _, question, lang, _ in self.gap_rows(since=since):
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
        _, rows = self.db.execute(
            "SELECT conversation_id, kind, reason, language FROM decisions WHERE ts >= ?",
            (since,),
        )
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


_stores: dict[tuple[str, Path], InsightsStore] = {}
_stores_lock = threading.Lock()


def get_insights_store() -> InsightsStore:
    """This process's store: PostgreSQL when `CUSTOMER_AGENT_STATE_DB` is a postgresql:// URL,
    else `insights.sqlite3` under `settings.data_dir` (both opened on first statement)."""
    from knowledge.settings import get_settings

    settings = get_settings()
    key = (settings.state_db, settings.data_dir)
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            path = settings.data_dir / "insights.sqlite3"
            db = open_database(settings.state_db, path, SCHEMA)
            store = _stores[key] = InsightsStore(path, db=db)
        return store
