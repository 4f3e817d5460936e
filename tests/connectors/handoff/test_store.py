"""connectors/handoff/store.py on SQLite and PostgreSQL: one open handoff per conversation, the
thread mapping, the atomic claim, the ordered leased outbox and the persistent dedupe keys."""

from __future__ import annotations

import threading
from dataclasses import replace

from connectors.handoff.db import SQLiteDatabase
from connectors.handoff.store import Handoff, HandoffStore, new_id
from connectors.settings import get_settings


def make(sender: str = "visitor-1", **kw) -> Handoff:
    base = Handoff(
        id=new_id(),
        sender_id=sender,
        input_channel="webchat",
        state="queued",
        reason="request_human",
        language="nl",
        summary="Wil een mens spreken.",
        last_question="ik wil een mens spreken",
        visitor_name="Visitor",
        route={"rule": None, "users": [], "usergroup": None},
        out_of_hours=False,
        slack_channel="C0UNASSIGNED",
    )
    return replace(base, **kw)


def test_one_open_handoff_per_conversation_and_its_first_posts(store: HandoffStore):
    first = make()
    assert store.open_sync(first, [("root", {"n": 1}), ("thread", {"n": 2})])
    assert not store.open_sync(make(), [("root", {"n": 3})])  # same conversation: refused
    assert store.open_for_sync("visitor-1").id == first.id
    due = store.due_sync()
    assert [(i.kind, i.payload) for i in due] == [("root", {"n": 1}), ("thread", {"n": 2})]
    # once closed, the conversation may be handed off again
    assert store.finish_sync(first.id, "resolved", "U1", "Ann")
    assert store.open_for_sync("visitor-1") is None
    assert store.open_sync(make(), [])


def test_thread_mapping_is_set_once_and_found_by_channel_and_ts(store: HandoffStore):
    h = make()
    store.open_sync(h, [])
    assert store.set_thread_sync(h.id, "1700000000.000100")
    assert not store.set_thread_sync(h.id, "1700000000.999999")
    found = store.by_thread_sync("C0UNASSIGNED", "1700000000.000100")
    assert found is not None and found.id == h.id and found.route["users"] == []
    assert store.by_thread_sync("C0OTHER", "1700000000.000100") is None


def test_claim_has_exactly_one_winner_under_concurrency(store: HandoffStore):
    h = make()
    store.open_sync(h, [])
    results: list[tuple[bool, Handoff]] = []
    barrier = threading.Barrier(8)

    def click(i: int) -> None:
        barrier.wait()
        results.append(store.claim_sync(h.id, f"U{i}", f"agent {i}"))

    threads = [threading.Thread(target=click, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [r for won, r in results if won]
    assert len(winners) == 1
    # every loser sees who holds it
    assert {r.assignee_id for _, r in results} == {winners[0].assignee_id}
    assert store.get_sync(h.id).state == "assigned"


def test_finish_only_open_handoffs_and_keeps_first_assignee(store: HandoffStore):
    h = make()
    store.open_sync(h, [])
    store.claim_sync(h.id, "U1", "Ann")
    assert store.finish_sync(h.id, "handed_back", "U2", "Bob")
    assert not store.finish_sync(h.id, "resolved", "U2", "Bob")
    done = store.get_sync(h.id)
    assert (done.state, done.assignee_id, done.is_open) == ("handed_back", "U1", False)


def test_outbox_lease_order_retry_and_done(store: HandoffStore):
    h = make()
    store.open_sync(h, [("root", {}), ("thread", {"text": "a"})])
    root, thread = store.due_sync()
    assert store.blocked_sync(thread) and not store.blocked_sync(root)
    assert store.lease_sync(root.id, 30)
    assert not store.lease_sync(root.id, 30)  # another worker cannot take it
    assert [i.id for i in store.due_sync()] == [thread.id]  # leased rows are not due
    store.retry_later_sync(root.id, "slack down", delay_s=3600)
    assert [i.id for i in store.due_sync()] == [thread.id]
    due_later = store.due_sync(now=__import__("time").time() + 7200)
    assert [i.id for i in due_later][:1] == [root.id] and due_later[0].attempts == 1
    store.done_sync(root.id, {"ts": "1.2"})
    assert not store.lease_sync(root.id, 30)  # done rows are never posted again
    assert not store.blocked_sync(thread)
    assert store.pending_count_sync() == 1


def test_dedupe_keys_once_and_survive_reopening(store: HandoffStore, tmp_path):
    assert store.first_seen_sync("C1:1700000000.000100")
    assert not store.first_seen_sync("C1:1700000000.000100")
    assert store.first_seen_sync("C2:1700000000.000100")


def test_state_survives_a_new_store_on_the_same_file(tmp_path):
    path = tmp_path / "h.sqlite3"
    one = HandoffStore(SQLiteDatabase(path))
    h = make()
    one.open_sync(h, [("root", {})])
    one.set_thread_sync(h.id, "9.9")
    one.first_seen_sync("C:9.9")
    one.close()
    two = HandoffStore(SQLiteDatabase(path))
    assert two.by_thread_sync("C0UNASSIGNED", "9.9").id == h.id
    assert not two.first_seen_sync("C:9.9")
    assert two.pending_count_sync() == 1


def test_from_env_picks_the_backend(monkeypatch, tmp_path):
    monkeypatch.setenv("CUSTOMER_AGENT_DATA", str(tmp_path))
    monkeypatch.delenv("CUSTOMER_AGENT_STATE_DB", raising=False)
    store = HandoffStore.from_env()
    assert store.db.dialect == "sqlite"
    assert store.db.file.path == tmp_path / "connectors" / "handoff.sqlite3"
    monkeypatch.setenv("CUSTOMER_AGENT_STATE_DB", "postgresql://u@db.example/x")
    get_settings.cache_clear()  # settings are read once per process
    assert HandoffStore.from_env().db.dialect == "postgresql"  # nothing connects yet
