"""The shared-state stores' contracts, each run on SQLite (CUSTOMER_AGENT_STATE_DB unset) and on
the real local PostgreSQL (a postgresql:// URL): web chat outbox, message-id dedupe, sender book,
feedback prompts, email threads. The stores are built the way the connectors build them (no
path, no db), so the backend comes from the environment as in a deployment."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.common.dedupe import ProcessedIds
from connectors.common.feedback import CONVERSATION_IDLE_S, PromptBook
from connectors.common.outbox import Outbox
from connectors.common.senders import SenderBook
from connectors.common.text import Option
from connectors.email.store import COMPOSED, RECEIVED, SENT, EmailStore


def backend_of(store_db, state_db: str) -> str:
    assert store_db.dialect == ("postgresql" if state_db else "sqlite")
    return store_db.dialect


def test_outbox_ids_increase_and_after_acknowledges(state_db: str, tmp_path: Path) -> None:
    outbox = Outbox()
    try:
        backend_of(outbox.db, state_db)
        first = outbox.put("c1", {"text": "one"})
        second = outbox.put("c1", {"text": "two"})
        other = outbox.put("c2", {"text": "elsewhere"})
        assert first < second < other
        assert [m["text"] for m in outbox.fetch("c1")] == ["one", "two"]
        assert outbox.fetch("c1", after=0)[0]["id"] == first
        # the widget showed `first`: it is deleted, `second` stays until acknowledged
        assert [m["id"] for m in outbox.fetch("c1", after=first)] == [second]
        assert [m["id"] for m in outbox.fetch("c1", after=0)] == [second]
        assert outbox.fetch("c1", after=second) == []
        assert [m["text"] for m in outbox.fetch("c2")] == ["elsewhere"]
    finally:
        outbox.close()
    if not state_db:
        assert (tmp_path / "data" / "connectors" / "webchat_outbox.sqlite3").exists()


def test_outbox_caps_and_expires(state_db: str) -> None:
    now = [1_000_000.0]
    outbox = Outbox(max_messages=3, keep_days=1.0, clock=lambda: now[0])
    try:
        for i in range(5):
            outbox.put("c", {"n": i})
        assert [m["n"] for m in outbox.fetch("c")] == [2, 3, 4]  # the oldest went first
        outbox.put("old", {"n": "stale"})
        now[0] += 2 * 86400.0
        outbox.put("new", {"n": "fresh"})  # a push prunes what nobody collected in time
        assert outbox.fetch("old") == [] and outbox.fetch("c") == []
        assert [m["n"] for m in outbox.fetch("new")] == ["fresh"]
    finally:
        outbox.close()


async def test_outbox_async_twins(state_db: str) -> None:
    outbox = Outbox()
    try:
        new_id = await outbox.put_async("c", {"text": "Ünïcode ✓"})
        assert await outbox.fetch_async("c") == [{"text": "Ünïcode ✓", "id": new_id}]
    finally:
        outbox.close()


def test_dedupe_claims_once_and_keeps_states(state_db: str) -> None:
    ids = ProcessedIds()
    try:
        backend_of(ids.db, state_db)
        assert ids.claim_sync("whatsapp", "SM1") is True
        assert ids.claim_sync("whatsapp", "SM1") is False
        assert ids.claim_sync("messenger", "SM1") is True  # ids are per channel
        assert ids.state_sync("whatsapp", "SM1") == "claimed"
        ids.set_state_sync("whatsapp", "SM1", "replied")
        assert ids.state_sync("whatsapp", "SM1") == "replied"
        ids.set_state_sync("email", "<m@x>", "sent")  # set_state claims an unseen id
        assert ids.claim_sync("email", "<m@x>") is False
        ids.release_sync("whatsapp", "SM1")
        assert ids.state_sync("whatsapp", "SM1") is None
        assert ids.claim_sync("whatsapp", "SM1") is True  # the retry after a release counts
        with pytest.raises(ValueError):
            ids.claim_sync("whatsapp", "")
    finally:
        ids.close()


def test_dedupe_prune_drops_old_claims(state_db: str) -> None:
    import time

    ids = ProcessedIds()
    try:
        ids.claim_sync("slack", "a")
        assert ids.prune_sync(time.time() - 60) == 0
        assert ids.prune_sync(time.time() + 60) == 1
        assert ids.claim_sync("slack", "a") is True
    finally:
        ids.close()


async def test_dedupe_async_claim(state_db: str) -> None:
    ids = ProcessedIds()
    try:
        assert await ids.claim("email", "<1@x>") is True
        assert await ids.claim("email", "<1@x>") is False
        await ids.set_state("email", "<1@x>", "done")
        assert await ids.state("email", "<1@x>") == "done"
        await ids.release("email", "<1@x>")
        assert await ids.state("email", "<1@x>") is None
    finally:
        ids.close()


def test_sender_book_keeps_each_field(state_db: str) -> None:
    book = SenderBook()
    try:
        backend_of(book.db, state_db)
        assert book.get_sync("whatsapp", "+31") == book.get_sync("whatsapp", "+32")
        book.touch_inbound_sync("whatsapp", "+31", at=1_733_000_000.25)
        book.set_language_sync("whatsapp", "+31", "nl")
        book.set_options_sync("whatsapp", "+31", [Option("Ja", "/affirm"), Option("Nee", "/deny")])
        record = book.get_sync("whatsapp", "+31")
        # a full-precision epoch time: the 24 h window is decided from it
        assert record.last_inbound == 1_733_000_000.25
        assert record.language == "nl"
        assert record.options == (Option("Ja", "/affirm"), Option("Nee", "/deny"))
        book.touch_inbound_sync("whatsapp", "+31", at=1_733_000_100.5)
        book.set_options_sync("whatsapp", "+31", [])
        record = book.get_sync("whatsapp", "+31")
        assert (record.last_inbound, record.language, record.options) == (1_733_000_100.5, "nl", ())
        assert book.get_sync("messenger", "+31").last_inbound is None
    finally:
        book.close()


async def test_sender_book_async(state_db: str) -> None:
    book = SenderBook()
    try:
        await book.touch_inbound("messenger", "psid", at=5.0)
        await book.set_language("messenger", "psid", "de")
        await book.set_options("messenger", "psid", [Option("A", "/a")])
        record = await book.get("messenger", "psid")
        assert (record.last_inbound, record.language, record.options) == (
            5.0,
            "de",
            (Option("A", "/a"),),
        )
    finally:
        book.close()


def test_email_store_states_and_threads(state_db: str, tmp_path: Path) -> None:
    path = tmp_path / "data" / "connectors" / "email.sqlite3"
    store = EmailStore(path)
    try:
        backend_of(store.db, state_db)
        reply = b"From: agent@example.com\r\n\r\n\x00\xffbinary-safe"
        store.set_state("<in1@x>", RECEIVED, conversation_id="email-1", sender="v@example.org")
        store.set_state(
            "<in1@x>", COMPOSED, reply_id="<out1@agent>", reply_bytes=reply, recipients=["v@ex"]
        )
        store.set_state("<in1@x>", SENT)  # fields left None keep their stored values
        state = store.get("<in1@x>")
        assert state is not None
        assert (state.state, state.conversation_id, state.reply_id) == (
            SENT,
            "email-1",
            "<out1@agent>",
        )
        assert state.reply_bytes == reply and state.sender == "v@example.org"
        assert state.recipients == ["v@ex"]
        assert store.get("<unknown@x>") is None

        store.touch_conversation(
            "email-1",
            address="v@example.org",
            subject="Refund",
            last_message_id="<in1@x>",
            refs=["<a@x>", "<in1@x>"],
            at=100.0,
        )
        store.map_message("<out1@agent>", "email-1", 200.0)
        store.map_message("<out0@agent>", "email-1", 150.0)  # an older send: activity stays
        found = store.conversation_for(["<nobody@x>", "<out1@agent>"])
        assert found is not None and found.conversation_id == "email-1"
        assert found.last_activity == 200.0 and found.refs == ["<a@x>", "<in1@x>"]
        assert store.conversation("email-1") == found
        assert store.conversation_for(["<nobody@x>"]) is None
    finally:
        store.close()
    if not state_db:
        assert path.exists()


def test_feedback_prompt_once_per_conversation_across_workers(state_db: str) -> None:
    first, second = PromptBook(), PromptBook()  # two Rasa workers, each with its own book
    try:
        backend_of(first.db, state_db)
        assert first.claim_sync("messenger", "psid-1") is False  # never wrote: nothing to prompt
        first.visitor_wrote_sync("messenger", "psid-1", at=1000.0)
        assert first.claim_sync("messenger", "psid-1") is True
        second.visitor_wrote_sync("messenger", "psid-1", at=2000.0)  # the same conversation
        assert second.claim_sync("messenger", "psid-1") is False
        assert second.claim_sync("whatsapp", "psid-1") is False  # per channel
        later = 2000.0 + CONVERSATION_IDLE_S + 1  # 24 h of silence: a new conversation
        second.visitor_wrote_sync("messenger", "psid-1", at=later)
        assert first.claim_sync("messenger", "psid-1") is True
        assert second.claim_sync("messenger", "psid-1") is False
    finally:
        first.close()
        second.close()


async def test_feedback_prompt_async(state_db: str, tmp_path: Path) -> None:
    book = PromptBook()
    try:
        await book.visitor_wrote("whatsapp", "+31600000000")
        assert await book.claim("whatsapp", "+31600000000") is True
        assert await book.claim("whatsapp", "+31600000000") is False
    finally:
        book.close()
    if not state_db:
        assert (tmp_path / "data" / "connectors" / "feedback.sqlite3").exists()
