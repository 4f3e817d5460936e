"""The removed-page eval's corpora and summary (benchmarks/eval_removed.py), without the chain."""

from __future__ import annotations

import pytest

from benchmarks.eval_removed import EVAL, help_corpus, mtrag_corpus, report, summarise
from benchmarks.splits import is_removed, mtrag_page

needs_data = pytest.mark.skipif(not EVAL.exists(), reason="../shared/eval not present")


def _row(removed: bool, kind: str, gold: bool = True, split: str = "test") -> dict:
    return {
        "removed": removed,
        "kind": kind,
        "cites_gold": gold,
        "latency_ms": 10.0,
        "split": split,
        "setting": "en-en",
        "corpus": "relay",
    }


def test_summary_counts_deflections_on_removed_and_answers_on_kept() -> None:
    rows = [
        _row(True, "handoff"),
        _row(True, "clarify"),
        _row(True, "answer"),
        _row(True, "answer"),
        _row(False, "answer"),
        _row(False, "answer", gold=False),
        _row(False, "handoff"),
        _row(False, "clarify", gold=False),
    ]
    s = summarise(rows)
    assert (s["n_removed"], s["n_kept"]) == (4, 4)
    assert s["removed_handoff_or_clarify"] == 0.5
    assert s["removed_handoff"] == 0.25
    assert s["kept_answered"] == 0.5
    assert s["kept_answered_citing_gold"] == 0.25


def test_report_groups_by_setting_split_and_corpus() -> None:
    rep = report([_row(True, "handoff", split="dev"), _row(False, "answer")])
    assert set(rep["en-en"]) == {"dev", "test"}
    assert rep["en-en"]["dev"]["relay"]["n_removed"] == 1
    assert rep["en-en"]["test"]["all"]["kept_answered"] == 1.0
    assert "mtrag" not in rep["en-en"]["test"]


@needs_data
@pytest.mark.parametrize(("corpus", "ask", "index"), [("gnome", "nl", "en"), ("relay", "en", "en")])
def test_help_corpus_leaves_removed_pages_out(corpus: str, ask: str, index: str) -> None:
    docs, items = help_corpus(corpus, ask, index)
    indexed = {d["url"] for d in docs}
    assert {d["language"] for d in docs} == {index}
    assert len(indexed) == len(docs)  # one document per page (Relay entries included)
    assert any(i["removed"] for i in items) and any(not i["removed"] for i in items)
    for item in items:
        assert item["removed"] == is_removed(item["page"])
        assert (item["gold"][0] in indexed) is not item["removed"]
        assert item["lang"] == ask


@needs_data
def test_mtrag_removed_tasks_lose_every_passage_of_their_pages() -> None:
    docs, items = mtrag_corpus()
    indexed = {d["doc_id"] for d in docs}
    pages = {mtrag_page(i) for i in indexed}
    removed = [i for i in items if i["removed"]]
    kept = [i for i in items if not i["removed"]]
    assert len(removed) >= 15 and len(kept) >= 80
    for item in removed:
        assert not set(item["page"].split(",")) & pages
    for item in kept:
        assert {g.removeprefix("mtrag:") for g in item["gold"]} <= indexed
