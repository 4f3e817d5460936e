"""The persistent processed-id store: once per id, across requests, threads and restarts."""

from __future__ import annotations

import asyncio
import threading
import time

from connectors.common.dedupe import ProcessedIds
from connectors.common.senders import SenderBook
from connectors.common.text import Option


async def test_an_id_is_claimed_once_even_by_concurrent_requests(tmp_path):
    ids = ProcessedIds(tmp_path / "p.sqlite3")
    results = await asyncio.gather(*(ids.claim("whatsapp", "SM1") for _ in range(20)))
    assert results.count(True) == 1
    assert await ids.claim("messenger", "SM1")  # ids are per channel
    assert await ids.state("whatsapp", "SM1") == "claimed"
    assert await ids.state("whatsapp", "SM2") is None


def test_separate_processes_share_the_file(tmp_path):
    """One store instance per thread = one connection each, like several Rasa workers."""
    path = tmp_path / "p.sqlite3"
    results: list[bool] = []
    barrier = threading.Barrier(6)

    def worker() -> None:
        store = ProcessedIds(path)
        barrier.wait()
        results.append(store.claim_sync("messenger", "m_1"))
        store.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 5 + [True]


def test_claims_survive_a_restart_and_release_reopens(tmp_path):
    path = tmp_path / "p.sqlite3"
    first = ProcessedIds(path)
    assert first.claim_sync("email", "<a@b>")
    first.close()
    second = ProcessedIds(path)
    assert not second.claim_sync("email", "<a@b>")
    second.release_sync("email", "<a@b>")
    assert second.claim_sync("email", "<a@b>")
    second.set_state_sync("email", "<a@b>", "replied")
    assert second.state_sync("email", "<a@b>") == "replied"


def test_default_location_is_under_customer_agent_data(tmp_path, monkeypatch):
    monkeypatch.setenv("CUSTOMER_AGENT_DATA", str(tmp_path / "data"))
    ids = ProcessedIds()
    assert not (tmp_path / "data").exists()  # nothing happens before first use
    ids.claim_sync("whatsapp", "SM9")
    assert (tmp_path / "data" / "connectors" / "processed_ids.sqlite3").is_file()


def test_prune_drops_only_old_entries(tmp_path):
    ids = ProcessedIds(tmp_path / "p.sqlite3")
    ids.claim_sync("whatsapp", "old")
    cutoff = time.time() + 1
    assert ids.prune_sync(cutoff) == 1
    ids.claim_sync("whatsapp", "new")
    assert ids.prune_sync(time.time() - 3600) == 0
    assert ids.state_sync("whatsapp", "new") == "claimed"


async def test_sender_book_keeps_window_language_and_options(tmp_path):
    book = SenderBook(tmp_path / "s.sqlite3")
    assert (await book.get("whatsapp", "whatsapp:+31")).last_inbound is None
    await book.touch_inbound("whatsapp", "whatsapp:+31", at=1000.0)
    await book.set_language("whatsapp", "whatsapp:+31", "nl")
    await book.set_options("whatsapp", "whatsapp:+31", [Option("Pro", "/pro")])
    reopened = SenderBook(tmp_path / "s.sqlite3")
    record = await reopened.get("whatsapp", "whatsapp:+31")
    assert (record.last_inbound, record.language, record.options) == (
        1000.0,
        "nl",
        (Option("Pro", "/pro"),),
    )
    await reopened.set_options("whatsapp", "whatsapp:+31", [])
    assert (await reopened.get("whatsapp", "whatsapp:+31")).options == ()
    assert (await reopened.get("messenger", "whatsapp:+31")).language is None
