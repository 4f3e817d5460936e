"""What an admin (or a re-check) decided about a knowledge gap: addressed or dismissed.

Gaps are recomputed from the recorded questions on every run (knowledge/operations/gaps.py),
so the state is kept per gap as the keys of the questions it held when decided. A group of
today takes the id and state of the recorded gap it shares most questions with; a group with
no state is named after its oldest question (`GapGroup.id`), so the id an admin reads in
`customer-agent gaps` is the one `gaps dismiss ID` finds.

The rule for both states: a gap stays addressed or dismissed while no question joins it after
the decision; a question recorded later (a visitor asked it again and still got no answer)
reopens it, and the listing says how many arrived since.

A re-check (after every sync that changed content, and on `gaps --recheck`) asks each gap's
newest questions through the whole answer chain, so it is capped at a number of gaps a run
(`due`; `CUSTOMER_AGENT_GAP_RECHECK_LIMIT`, default `RECHECK_LIMIT`, the CLI's flags win over
it): half go to the most asked gaps, the top of the `gaps` listing, which is what an admin
writes content for, so they are re-asked right after the sync that adds it; the other half to
the rest in turn, re-checked longest ago (or never) first, so every open gap is re-asked within
a few syncs (500 open, limit 50: 19). `gaps --recheck --all` re-asks them all at once. When
each gap was last re-asked is kept in the table `gap_recheck` next to `gap_state`.

Storage: the table `gap_state` on the state database, chosen as for every other store by
`CUSTOMER_AGENT_STATE_DB` (connectors/common/state_db.py, the choice the decision log
knowledge/insights/store.py makes): unset = the SQLite file `$CUSTOMER_AGENT_DATA/gaps.sqlite3`,
`sqlite:///path` = that file, `postgresql://...` = that database; any other value is refused.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from connectors.common.state_db import Database, open_database
from knowledge.operations.gaps import GapGroup, GapQuestion
from knowledge.settings import Settings

Ask = Callable[[GapQuestion], Mapping[str, Any]]

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS gap_state ("
    " id TEXT PRIMARY KEY, status TEXT NOT NULL, members TEXT NOT NULL,"
    " at DOUBLE PRECISION NOT NULL, source TEXT NOT NULL DEFAULT '')",
    "CREATE TABLE IF NOT EXISTS gap_recheck (id TEXT PRIMARY KEY, at DOUBLE PRECISION NOT NULL)",
)
_UPSERT = (
    "INSERT INTO gap_state (id, status, members, at, source) VALUES (?,?,?,?,?)"
    " ON CONFLICT (id) DO UPDATE SET status = excluded.status, members = excluded.members,"
    " at = excluded.at, source = excluded.source"
)
_MARK = (
    "INSERT INTO gap_recheck (id, at) VALUES (?,?) ON CONFLICT (id) DO UPDATE SET at = excluded.at"
)
STATUSES = ("addressed", "dismissed")
# Gaps re-asked per run when CUSTOMER_AGENT_GAP_RECHECK_LIMIT is unset (the setting's default):
# up to 3 chain runs each, so 150 at most, about 8 s at the chain's p50 of 54 ms a turn
# (benchmarks/README.md, "Answering"); 500 open gaps uncapped would be 1,500 runs, over a
# minute, after every sync.
RECHECK_LIMIT: Final[int] = Settings.model_fields["gap_recheck_limit"].default
# a re-check older than this counts as never done (it sorts first either way): bounds the table
RECHECK_MEMORY_S: Final[float] = 365 * 86400.0


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

    def rechecked(self) -> dict[str, float]:
        """When each gap was last re-asked (gap id -> epoch seconds)."""
        return {i: float(a) for i, a in self._run("SELECT id, at FROM gap_recheck")}

    def mark_rechecked(self, gap_ids: Iterable[str], *, at: float) -> None:
        """Record that these gaps were re-asked at `at`; forget re-checks older than a year."""
        for gap_id in gap_ids:
            self._run(_MARK, (gap_id, at))
        self._run("DELETE FROM gap_recheck WHERE at < ?", (at - RECHECK_MEMORY_S,))

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


@dataclass
class RecheckRun:
    """What one re-check did: the gaps it re-asked, those now addressed, the open gaps left
    for a later run (over the limit)."""

    asked: list[GapGroup] = field(default_factory=list)
    addressed: list[GapGroup] = field(default_factory=list)
    waiting: int = 0


def due(
    groups: Iterable[GapGroup], last: Mapping[str, float], limit: int | None
) -> tuple[list[GapGroup], int]:
    """(the open gaps to re-ask now, how many open gaps wait): every open gap when `limit` is
    None or not reached, else the ceil(limit / 2) most asked (the listing's order) and, of the
    rest, those re-checked longest ago (`last`: gap id -> when; never first, the most asked
    first among equals)."""
    ranked = sorted(
        (g for g in groups if g.status == "open"), key=lambda g: (-g.count, -g.last_seen, g.id)
    )
    if limit is not None and limit < 1:
        raise ValueError(f"re-check limit {limit}: expected at least 1")
    if limit is None or len(ranked) <= limit:
        return ranked, 0
    top = (limit + 1) // 2
    turn = sorted(ranked[top:], key=lambda g: last.get(g.id, float("-inf")))  # stable
    return ranked[:top] + turn[: limit - top], len(ranked) - limit


def recheck(
    groups: Iterable[GapGroup],
    store: GapStateStore,
    ask: Ask | None = None,
    *,
    per_gap: int = 3,
    limit: int | None = RECHECK_LIMIT,
    at: float | None = None,
) -> RecheckRun:
    """Re-ask the open gaps that are due (`due`: at most `limit`, None = all), each with its
    newest distinct questions (at most `per_gap`), through the answer chain; a gap whose every
    question is now answered is stored as addressed, with the source of its first answer."""
    ask = ask or _ask_chain
    when = time.time() if at is None else at
    picked_groups, waiting = due(groups, store.rechecked(), limit)
    run = RecheckRun(asked=picked_groups, waiting=waiting)
    for group in picked_groups:
        picked = list({m.question: m for m in group.members}.values())[:per_gap]
        sources = [_answered(q, ask(q)) for q in picked]
        if not picked or not all(sources):
            continue
        store.save(group, "addressed", at=when, source=sources[0])
        group.status = "addressed"
        group.state = {"status": "addressed", "at": when, "source": sources[0], "new_since": 0}
        run.addressed.append(group)
    store.mark_rechecked((g.id for g in picked_groups), at=when)
    return run


def _ask_chain(question: GapQuestion) -> dict[str, Any]:
    """The decision a visitor would get now (`customer-agent ask`)."""
    from knowledge.cli.ask import ask_one

    return ask_one(question.question, question.language or None, ())
