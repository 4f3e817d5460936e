"""`prefetch`: the listing runs in a background thread, in order, errors raised in the consumer."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from knowledge.sync_items import _Item, _SourceFailed, prefetch


def test_items_arrive_in_order_from_another_thread() -> None:
    producers: set[str] = set()

    def items() -> Iterator[_Item]:
        for i in range(50):
            producers.add(threading.current_thread().name)
            yield _Item(f"doc-{i}")

    assert [it.doc_id for it in prefetch(items(), depth=4)] == [f"doc-{i}" for i in range(50)]
    assert producers == {"sync-extract"}


def test_a_listing_failure_is_raised_in_the_consumer_after_the_items_before_it() -> None:
    def items() -> Iterator[_Item]:
        yield _Item("a")
        raise _SourceFailed("robots.txt unreachable")

    got = []
    with pytest.raises(_SourceFailed, match=r"robots\.txt unreachable"):
        for it in prefetch(items()):
            got.append(it.doc_id)
    assert got == ["a"]


def test_the_next_document_is_extracted_while_the_consumer_works_on_this_one() -> None:
    second_ready = threading.Event()

    def items() -> Iterator[_Item]:
        yield _Item("first")
        yield _Item("second")  # parsed ahead, while the consumer still embeds "first"
        second_ready.set()

    gen = prefetch(items())
    assert next(gen).doc_id == "first"
    assert second_ready.wait(timeout=10)  # a plain generator would wait here for ever
    assert [it.doc_id for it in gen] == ["second"]


def test_a_consumer_that_stops_early_stops_the_producer() -> None:
    produced: list[int] = []

    def items() -> Iterator[_Item]:
        for i in range(10_000):
            produced.append(i)
            yield _Item(str(i))

    gen = prefetch(items(), depth=2)
    assert next(gen).doc_id == "0"
    gen.close()
    time.sleep(0.3)
    assert len(produced) < 10
