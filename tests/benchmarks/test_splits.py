"""The answerability evals' splits: stable, balanced, independent (benchmarks/splits.py)."""

from __future__ import annotations

from benchmarks.splits import bucket, conversation_id, is_removed, mtrag_page, split_of, wanted


def test_bucket_is_stable_and_in_range() -> None:
    # pinned: a changed hash would silently move pages between dev and test
    assert [bucket(k, "x", 7) for k in ("a", "b", "c")] == [3, 5, 6]
    assert split_of("what-is") == "test" and split_of("b") == "dev"
    assert is_removed("ibmcld_09981") and not is_removed("what-is")
    assert all(0 <= bucket(str(i), "s", 5) < 5 for i in range(200))


def test_one_in_five_removed_in_each_half() -> None:
    ids = [f"page-{i}" for i in range(4000)]
    for half in ("dev", "test"):
        members = [i for i in ids if split_of(i) == half]
        assert 0.45 < len(members) / len(ids) < 0.55
        assert 0.17 < sum(map(is_removed, members)) / len(members) < 0.23


def test_mtrag_page_drops_the_passage_offsets() -> None:
    assert mtrag_page("ibmcld_09981-1533-3542") == "ibmcld_09981"
    assert mtrag_page("806502664_349-964-0-615") == "806502664_349-964"
    assert mtrag_page("162428-0-349") == "162428"
    assert mtrag_page("no-offsets") == "no-offsets"


def test_conversation_id_and_split_filter() -> None:
    assert conversation_id("00a652e3<::>2") == "00a652e3"
    assert conversation_id("plain") == "plain"
    assert wanted("dev", "both") and wanted("test", "test") and not wanted("dev", "test")
