"""Gap state (addressed / dismissed) on SQLite and on the local PostgreSQL (127.0.0.1:5432,
database `test`, a fresh schema per test, skipped only when that server is unreachable), the
stable ids, the "new questions reopen it" rule, the re-check's decision and its cap (the most
asked gaps every run, the rest in turn); `from_env` picks the state database as every store does
(CUSTOMER_AGENT_STATE_DB unset, sqlite:///, postgresql://)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.common.state_db import StateDBError
from knowledge.operations.gap_state import (
    RECHECK_LIMIT,
    RECHECK_MEMORY_S,
    GapStateStore,
    apply_states,
    find,
    recheck,
)
from knowledge.operations.gaps import GapGroup, GapQuestion

PG_URL = os.environ.get("CUSTOMER_AGENT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    psycopg = pytest.importorskip("psycopg")
    try:
        conn = psycopg.connect(PG_URL, connect_timeout=3, autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL unreachable at {PG_URL}: {exc}")
    schema = "gaps_test_" + uuid.uuid4().hex[:12]
    conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
        conn.close()


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    from knowledge.settings import get_settings

    monkeypatch.setenv("CUSTOMER_AGENT_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("CUSTOMER_AGENT_STATE_DB", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GapStateStore]:
    if request.param == "sqlite":
        yield GapStateStore(path=tmp_path / "gaps.sqlite3")
        return
    yield GapStateStore(url=request.getfixturevalue("pg_schema_url"))


def q(ts: float, text: str, reason: str = "no_answer", sources: tuple[str, ...] = ()) -> Any:
    return GapQuestion(ts, text, "en", reason, sources)


def group(*members: GapQuestion) -> GapGroup:
    return GapGroup(
        topic="gift cards",
        count=len(members),
        languages=["en"],
        examples=[m.question for m in members],
        last_seen=max(m.ts for m in members),
        reasons={},
        members=list(members),
    )


def test_id_is_stable_and_state_round_trips(store: GapStateStore) -> None:
    first = group(q(10.0, "Do you sell gift cards?"), q(20.0, "Gift card for my brother?"))
    assert first.id == group(*reversed(first.members)).id  # named after its oldest question
    store.save(first, "dismissed", at=30.0)
    [state] = store.all()
    assert (state.id, state.status, state.at) == (first.id, "dismissed", 30.0)
    assert state.members == {m.key for m in first.members}
    # regrouped tomorrow with the oldest question gone: same id and state by the shared member
    later = group(q(20.0, "Gift card for my brother?"))
    [shown] = apply_states([later], store.all())
    assert (shown.id, shown.status) == (first.id, "dismissed")
    assert store.forget(first.id) and store.all() == [] and not store.forget(first.id)


def test_new_question_after_dismissal_reopens(store: GapStateStore) -> None:
    old = group(q(10.0, "Do you sell gift cards?"))
    store.save(old, "dismissed", at=30.0)
    back = group(q(10.0, "Do you sell gift cards?"), q(40.0, "Any gift vouchers?"))
    [shown] = apply_states([back], store.all())
    assert shown.status == "open" and shown.id == old.id
    assert shown.state is not None and shown.state["new_since"] == 1


def test_recheck_marks_answered_gaps_addressed(store: GapStateStore) -> None:
    gift = group(q(10.0, "Do you sell gift cards?"))
    rain = group(q(11.0, "Can I ride in the rain?", "unhelpful", ("https://x/care",)))
    rain.id = "grain"
    replies = {
        "Do you sell gift cards?": {"kind": "answer", "sources": [{"url": "https://x/gift"}]},
        # the same page that was marked unhelpful does not address it
        "Can I ride in the rain?": {"kind": "answer", "sources": [{"url": "https://x/care"}]},
    }
    run = recheck([gift, rain], store, lambda question: replies[question.question], at=50.0)
    assert run.addressed == [gift] and gift.status == "addressed" and rain.status == "open"
    assert run.asked == [rain, gift] and run.waiting == 0  # the listing order: newest first
    [state] = store.all()
    assert (state.id, state.status, state.source) == (gift.id, "addressed", "https://x/gift")


def test_recheck_needs_every_question_answered(store: GapStateStore) -> None:
    gaps = group(q(10.0, "Do you sell gift cards?"), q(12.0, "Gift vouchers?"))
    answers = {"Do you sell gift cards?": "answer", "Gift vouchers?": "handoff"}

    def ask(question: GapQuestion) -> dict[str, Any]:
        return {"kind": answers[question.question], "sources": [{"url": "https://x/gift"}]}

    assert recheck([gaps], store, ask).addressed == [] and store.all() == []


def asked_gaps(n: int) -> list[GapGroup]:
    """`n` open gaps, the first the most asked (n questions) down to the last (one)."""
    out = []
    for i in range(n):
        members = [q(100.0 * i + j, f"gap {i} question {j}?") for j in range(n - i)]
        out.append(group(*members))
    return out


def test_recheck_is_capped_most_asked_every_run_the_rest_in_turn(store: GapStateStore) -> None:
    gaps = asked_gaps(7)
    asked: list[str] = []

    def ask(question: GapQuestion) -> dict[str, Any]:
        asked.append(question.question)
        return {"kind": "handoff"}

    def run_at(at: float, limit: int | None = 4) -> list[int]:
        asked.clear()
        run = recheck(gaps, store, ask, limit=limit, at=at)
        assert len(asked) == sum(min(3, g.count) for g in run.asked)  # newest 3 of each
        assert run.waiting == (0 if limit is None else len(gaps) - limit)
        return [gaps.index(g) for g in run.asked]

    # 7 open gaps, limit 4: the 2 most asked, then 2 of the other 5 (never re-checked: most
    # asked first), then the next 2 of those, then the one left and the longest ago
    assert run_at(1000.0) == [0, 1, 2, 3]
    assert run_at(2000.0) == [0, 1, 4, 5]
    assert run_at(3000.0) == [0, 1, 6, 2]
    assert run_at(4000.0, limit=None) == list(range(7))  # `gaps --recheck --all`
    assert set(store.rechecked()) == {g.id for g in gaps}
    assert recheck(gaps[:RECHECK_LIMIT], store, ask, at=5000.0).waiting == 0


def test_recheck_skips_closed_gaps_and_forgets_old_rechecks(store: GapStateStore) -> None:
    gaps = asked_gaps(3)
    gaps[0].status = "dismissed"
    run = recheck(gaps, store, lambda question: {"kind": "handoff"}, limit=1, at=10.0)
    assert run.asked == [gaps[1]] and run.waiting == 1
    store.mark_rechecked([gaps[2].id], at=10.0 + RECHECK_MEMORY_S + 1)
    assert store.rechecked() == {gaps[2].id: 10.0 + RECHECK_MEMORY_S + 1}
    with pytest.raises(ValueError, match="at least 1"):
        recheck(gaps, store, lambda question: {"kind": "handoff"}, limit=0)


def test_unknown_id_says_where_ids_are() -> None:
    with pytest.raises(LookupError, match="gaps --all"):
        find([group(q(1.0, "x"))], "gnope")


def _dismiss_one(store: GapStateStore) -> None:
    try:
        store.save(group(q(10.0, "Do you sell gift cards?")), "dismissed", at=30.0)
    finally:
        store.close()


def test_from_env_default_is_the_data_dir_file(settings_env: Path) -> None:
    _dismiss_one(GapStateStore.from_env())
    assert (settings_env / "data" / "gaps.sqlite3").exists()


def test_from_env_sqlite_url_is_that_file(
    settings_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from knowledge.settings import get_settings

    shared = settings_env / "shared" / "state.sqlite3"
    monkeypatch.setenv("CUSTOMER_AGENT_STATE_DB", f"sqlite:///{shared}")
    get_settings.cache_clear()
    _dismiss_one(GapStateStore.from_env())
    assert shared.exists() and not (settings_env / "data" / "gaps.sqlite3").exists()
    again = GapStateStore(path=shared)
    assert [s.status for s in again.all()] == ["dismissed"]


def test_from_env_postgresql_url(
    settings_env: Path, pg_schema_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from knowledge.settings import get_settings

    monkeypatch.setenv("CUSTOMER_AGENT_STATE_DB", pg_schema_url)
    get_settings.cache_clear()
    store = GapStateStore.from_env()
    assert store.db.dialect == "postgresql"
    _dismiss_one(store)
    again = GapStateStore(url=pg_schema_url)
    assert [s.status for s in again.all()] == ["dismissed"]
    again.close()
    assert not (settings_env / "data" / "gaps.sqlite3").exists()


def test_from_env_refuses_another_scheme(
    settings_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from knowledge.settings import get_settings

    monkeypatch.setenv("CUSTOMER_AGENT_STATE_DB", "mysql://db/state")
    get_settings.cache_clear()
    with pytest.raises(StateDBError, match="postgresql:// or sqlite:///"):
        GapStateStore.from_env()
