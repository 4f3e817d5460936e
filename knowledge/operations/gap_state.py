"""What an admin (or a re-check) decided about a knowledge gap: addressed or dismissed.

Gaps are recomputed from the recorded questions on every run (knowledge/operations/gaps.py),
so the state is kept per gap as the keys of the questions it held when decided. A group of
today takes the id and state of the recorded gap it shares most questions with; a group with
no state is named after its oldest question (`GapGroup.id`), so the id an admin reads in
`customer-agent gaps` is the one `gaps dismiss ID` finds.

The rule for both states: a gap stays addressed or dismissed while no question joins it after
the decision; a question recorded later (a visitor asked it again and still got no answer)
reopens it, and the listing says how many arrived since.

Storage: the table `gap_state` on the state database, chosen as for every other store by
`CUSTOMER_AGENT_STATE_DB` (connectors/common/state_db.py, the choice the decision log
knowledge/insights/store.py makes): unset = the SQLite file `$CUSTOMER_AGENT_DATA/gaps.sqlite3`,
`sqlite:///path` = that file, `postgresql://...` = that database; any other value is refused.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.common.state_db import Database, open_database
from knowledge.operations.gaps import GapGroup, GapQuestion

Ask = Callable[[GapQuestion], Mapping[str, Any]]

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS gap_state ("
    " id TEXT PRIMARY KEY, status TEXT NOT NULL, members TEXT NOT NULL,"
    " at DOUBLE PRECISION NOT NULL, source TEXT NOT NULL DEFAULT '')",
)
_UPSERT = (
    "INSERT INTO gap_state (id, status, members, at, source) VALUES (?,?,?,?,?)"
    " ON CONFLICT (id) DO UPDATE SET status = excluded.status, members = excluded.members,"
    " at = excluded.at, source = excluded.source"
)
STATUSES = ("addressed", "dismissed")


@dataclass(frozen=True)
class GapState:
    id: str
    status: str  # addressed | dismissed
    members: frozenset[str]
    at: float
    source: str = ""  # addressed: the URL that now answers it


class GapStateStore:
    """Addressed / dismissed gaps in SQLite (`path`), at a state-database `url`
    (postgresql:// or sqlite:///) or on an open `db`; opened on first statement."""

    def __init__(
        self, *, path: Path | None = None, url: str = "", db: Database | None = None
    ) -> None:
        if sum((path is not None, bool(url), db is not None)) != 1:
            raise ValueError("give a SQLite path, a state-database url or a database")
        self.db = db or open_database(url, path or Path("gaps.sqlite3"), _SCHEMA)

    @classmethod
    def from_env(cls) -> GapStateStore:
        """The store on the configured state database (`settings.state_db`, read when called):
        `gaps.sqlite3` under the data directory when it is unset."""
        from knowledge.settings import get_settings

        settings = get_settings()
        db = open_database(settings.state_db, settings.data_dir / "gaps.sqlite3", _SCHEMA)
        return cls(db=db)

    def _run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.db.execute(sql, params)[1]

    def close(self) -> None:
        self.db.close()

    def all(self) -> list[GapState]:
        rows = self._run("SELECT id, status, members, at, source FROM gap_state")
        return [GapState(i, s, frozenset(json.loads(m)), float(a), src) for i, s, m, a, src in rows]

    def save(self, group: GapGroup, status: str, *, at: float, source: str = "") -> None:
        """Record `group` (its id and current questions) as addressed or dismissed."""
        if status not in STATUSES:
            raise ValueError(f"gap status {status!r}: expected one of {', '.join(STATUSES)}")
        members = json.dumps(sorted(m.key for m in group.members))
        self._run(_UPSERT, (group.id, status, members, at, source))

    def forget(self, gap_id: str) -> bool:
        """Drop a gap's state (it is open again); False when it had none."""
        found = self._run("SELECT id FROM gap_state WHERE id = ?", (gap_id,))
        self._run("DELETE FROM gap_state WHERE id = ?", (gap_id,))
        return bool(found)


def apply_states(groups: Iterable[GapGroup], states: Iterable[GapState]) -> list[GapGroup]:
    """Give each group the id and status of the recorded gap it shares most questions with;
    questions that joined after the decision reopen it (`state["new_since"]`)."""
    known = list(states)
    taken: set[str] = set()
    out = list(groups)
    for group in sorted(out, key=lambda g: -g.count):
        keys = {m.key for m in group.members}
        best = max(
            (s for s in known if s.id not in taken and s.members & keys),
            key=lambda s: len(s.members & keys),
            default=None,
        )
        if best is None:
            continue
        taken.add(best.id)
        group.id = best.id
        newer = [m for m in group.members if m.ts > best.at and m.key not in best.members]
        group.state = {
            "status": best.status,
            "at": best.at,
            "source": best.source,
            "new_since": len(newer),
        }
        group.status = "open" if newer else best.status
    return out


def find(groups: Iterable[GapGroup], gap_id: str) -> GapGroup:
    """The group with this id, or a LookupError that says where the ids are listed."""
    for group in groups:
        if group.id == gap_id:
            return group
    raise LookupError(f"no gap with id {gap_id!r} (`customer-agent gaps --all` lists them)")


def _answered(question: GapQuestion, reply: Mapping[str, Any]) -> str:
    """The URL the reply now answers from, or "" when it still does not answer. An answer
    marked unhelpful counts as answered only from a source it did not cite then."""
    if reply.get("kind") != "answer":
        return ""
    urls = [str(s.get("url") or "") for s in reply.get("sources") or [] if isinstance(s, dict)]
    fresh = [u for u in urls if u and u not in question.sources]
    return fresh[0] if fresh else ""


def recheck(
    groups: Iterable[GapGroup],
    store: GapStateStore,
    ask: Ask | None = None,
    *,
    per_gap: int = 3,
    at: float | None = None,
) -> list[GapGroup]:
    """Re-ask each open gap's newest distinct questions (at most `per_gap`) through the answer
    chain; a gap whose every question is now answered is stored as addressed, with the source
    of its first answer. Returns the gaps addressed now."""
    ask = ask or _ask_chain
    when = time.time() if at is None else at
    done = []
    for group in groups:
        if group.status != "open":
            continue
        picked = list({m.question: m for m in group.members}.values())[:per_gap]
        sources = [_answered(q, ask(q)) for q in picked]
        if not picked or not all(sources):
            continue
        store.save(group, "addressed", at=when, source=sources[0])
        group.status = "addressed"
        group.state = {"status": "addressed", "at": when, "source": sources[0], "new_since": 0}
        done.append(group)
    return done


def _ask_chain(question: GapQuestion) -> dict[str, Any]:
    """The decision a visitor would get now (`customer-agent ask`)."""
    from knowledge.cli.ask import ask_one

    return ask_one(question.question, question.language or None, ())
