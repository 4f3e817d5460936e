"""`customer-agent gaps` over fixture trackers (Rasa's SQL schema) with a real index: counts by
meaning including an unhelpful answer, dismiss, and a gap addressed by the sync that adds the
missing page (re-asked through the answer chain, at most the re-check limit of gaps a run)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from knowledge.cli import main
from knowledge.settings import get_settings
from knowledge.stores import reset_store
from tests.knowledge.operations.test_gap_questions import feedback, with_id
from tests.knowledge.operations.test_gap_state import pg_schema_url  # noqa: F401 (fixture)
from tests.knowledge.operations.trackers import HOUR, answered, handoff, write_tracker

DELIVERY = """---
title: Delivery
url: https://shop.example/delivery
lang: en
---
# Delivery

We deliver e-bikes in the Netherlands, Belgium and Germany. Delivery takes two to three
working days. You get a tracking link by e-mail as soon as your bike has left our warehouse.
"""

GIFT_CARDS = """---
title: Gift cards
url: https://shop.example/gift-cards
lang: en
---
# Gift cards

Yes, we sell gift cards. You can buy a gift card in our web shop for any amount from 25 to
500 euros, as a present for a friend or family member. A gift card is valid for two years and
can be used for bikes, accessories and repairs.
"""


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    data = tmp_path / "data"
    tracker = tmp_path / "tracker.db"
    monkeypatch.setenv("CUSTOMER_AGENT_DATA", str(data))
    monkeypatch.setenv("CUSTOMER_AGENT_TRACKER_STORE", "sqlite")
    monkeypatch.setenv("CUSTOMER_AGENT_TRACKER_DB", str(tracker))
    monkeypatch.delenv("CUSTOMER_AGENT_STATE_DB", raising=False)
    get_settings.cache_clear()
    reset_store()
    t0 = time.time() - 2 * 24 * HOUR
    write_tracker(tracker, "g1", handoff(t0, "Do you sell gift cards?", "no_answer"))
    write_tracker(
        tracker, "g2", handoff(t0 + 60, "Can I buy a gift card for my brother?", "no_answer")
    )
    write_tracker(
        tracker, "s1", handoff(t0 + 120, "Is there a student discount?", "clarification_failed")
    )
    write_tracker(
        tracker,
        "r1",
        [
            *with_id(answered(t0 + 180, "Can I ride my e-bike in heavy rain?"), "a1"),
            feedback(t0 + 190, "down", "a1"),
        ],
    )
    yield tmp_path
    reset_store()
    get_settings.cache_clear()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0 or argv[:2] == ("gaps", "dismiss"), err
    return code, out


def listed(capsys: pytest.CaptureFixture[str], *flags: str) -> dict[str, dict]:
    _, out = run(capsys, "gaps", "--json", "--no-search", *flags)
    return {g["topic"]: g for g in json.loads(out)}


def test_gaps_dismiss_and_addressed_after_sync(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = env / "docs"
    docs.mkdir()
    (docs / "delivery.md").write_text(DELIVERY)
    code, out = run(capsys, "sources", "add", str(docs), "--name", "help", "-q")
    assert "1 added" in out and "now addressed" in out and "0 now addressed" in out

    gaps = listed(capsys)
    assert sorted(g["count"] for g in gaps.values()) == [1, 1, 2], gaps
    gift = next(g for g in gaps.values() if g["count"] == 2)
    assert "gift" in gift["topic"] and gift["status"] == "open"
    rain = next(g for g in gaps.values() if g["reasons"] == {"unhelpful": 1})
    student = next(g for g in gaps.values() if "student" in g["topic"])

    _, text = run(capsys, "gaps")
    assert f"{gift['id']}     2x  add content about: {gift['topic']}" in text
    assert "closest source: Delivery https://shop.example/delivery" in text

    code, out = run(capsys, "gaps", "dismiss", student["id"])
    assert code == 0 and "dismissed" in out
    assert {g["id"] for g in listed(capsys).values()} == {gift["id"], rain["id"]}
    every = {g["id"]: g for g in listed(capsys, "--all").values()}
    assert every[student["id"]]["status"] == "dismissed"
    code, _ = run(capsys, "gaps", "dismiss", "gnothere")
    assert code == 1

    (docs / "gift-cards.md").write_text(GIFT_CARDS)
    code, out = run(capsys, "sync", "-q")
    assert "1 added" in out
    assert "gaps: re-asked 2 open, 1 now addressed" in out
    assert f"{gift['id']} {gift['topic']}: https://shop.example/gift-cards" in out

    assert {g["id"] for g in listed(capsys).values()} == {rain["id"]}
    every = {g["id"]: g for g in listed(capsys, "--all").values()}
    assert every[gift["id"]]["status"] == "addressed"
    assert every[gift["id"]]["state"]["source"] == "https://shop.example/gift-cards"
    _, text = run(capsys, "gaps")
    assert "(1 addressed, 1 dismissed not shown: --all)" in text


def test_recheck_limit_after_sync_and_on_recheck(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Three open gaps, a limit of 2: the sync that adds the gift-card page re-asks the most
    asked gap (gift cards, addressed) and one other, and says the third waits; `--recheck
    --all` re-asks every open gap."""
    docs = env / "docs"
    docs.mkdir()
    (docs / "delivery.md").write_text(DELIVERY)
    run(capsys, "sources", "add", str(docs), "--name", "help", "-q")
    gift = next(g for g in listed(capsys).values() if g["count"] == 2)

    (docs / "gift-cards.md").write_text(GIFT_CARDS)
    _, out = run(capsys, "sync", "-q", "--gap-recheck-limit", "2")
    assert (
        "gaps: re-asked 2 of 3 open (at most 2 a run: the most asked, then the rest in turn),"
        " 1 now addressed; the other 1 on later syncs, or now: customer-agent gaps --recheck --all"
    ) in out
    assert f"{gift['id']} {gift['topic']}: https://shop.example/gift-cards" in out

    assert main(["gaps", "--recheck", "--recheck-limit", "1", "--no-search", "--json"]) == 0
    assert "gaps: re-asked 1 of 2 open (at most 1 a run" in capsys.readouterr().err
    assert main(["gaps", "--recheck", "--all", "--no-search", "--json"]) == 0
    assert "gaps: re-asked 2 open, 0 now addressed\n" in capsys.readouterr().err


def test_recheck_limit_from_the_environment(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """CUSTOMER_AGENT_GAP_RECHECK_LIMIT=2 caps the re-check after `sources add` and `sync` and on
    `gaps --recheck`; the flags still win; a limit under 1 is refused."""
    monkeypatch.setenv("CUSTOMER_AGENT_GAP_RECHECK_LIMIT", "2")
    get_settings.cache_clear()
    docs = env / "docs"
    docs.mkdir()
    (docs / "delivery.md").write_text(DELIVERY)
    _, out = run(capsys, "sources", "add", str(docs), "--name", "help", "-q")
    assert "gaps: re-asked 2 of 3 open (at most 2 a run" in out

    assert main(["gaps", "--recheck", "--no-search", "--json"]) == 0
    assert "gaps: re-asked 2 of 3 open (at most 2 a run" in capsys.readouterr().err
    assert main(["gaps", "--recheck", "--recheck-limit", "1", "--no-search", "--json"]) == 0
    assert "gaps: re-asked 1 of 3 open (at most 1 a run" in capsys.readouterr().err

    (docs / "gift-cards.md").write_text(GIFT_CARDS)
    _, out = run(capsys, "sync", "-q", "--gap-recheck-limit", "3")
    assert "gaps: re-asked 3 open, 1 now addressed" in out

    monkeypatch.setenv("CUSTOMER_AGENT_GAP_RECHECK_LIMIT", "0")
    get_settings.cache_clear()
    with pytest.raises(ValueError, match="gap_recheck_limit"):
        get_settings()


@pytest.mark.parametrize("backend", ["sqlite_url", "postgresql"])
def test_gaps_without_tracker_read_the_configured_decision_log(
    backend: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    """No tracker store yet: the answer action's records are found where the state database
    keeps them (here not the data dir's insights.sqlite3)."""
    from connectors.common.state_db import open_database
    from knowledge.insights.store import SCHEMA, InsightsStore

    if backend == "postgresql":
        url = request.getfixturevalue("pg_schema_url")
    else:
        url = f"sqlite:///{tmp_path / 'shared' / 'state.sqlite3'}"
    monkeypatch.setenv("CUSTOMER_AGENT_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("CUSTOMER_AGENT_TRACKER_STORE", "sqlite")
    monkeypatch.setenv("CUSTOMER_AGENT_TRACKER_DB", str(tmp_path / "no-tracker.db"))
    monkeypatch.setenv("CUSTOMER_AGENT_STATE_DB", url)
    get_settings.cache_clear()
    recorder = InsightsStore(db=open_database(url, tmp_path / "unused.sqlite3", SCHEMA))
    try:
        recorder.record(
            conversation_id="w1",
            language="en",
            kind="handoff",
            reason="no_relevant_content",
            confidence=0.1,
            question="Do you sell gift cards?",
            ts=time.time() - HOUR,
        )
    finally:
        recorder.close()
    try:
        _, text = run(capsys, "gaps", "--no-search")
        parts = urlsplit(url)
        where = url if backend == "sqlite_url" else f"postgresql://{parts.netloc.split('@')[-1]}"
        where += "" if backend == "sqlite_url" else parts.path
        assert f"source: decision log {where}\n" in text and "postgres@" not in text
        assert "1x  add content about:" in text and "e.g. Do you sell gift cards?" in text
    finally:
        get_settings.cache_clear()
