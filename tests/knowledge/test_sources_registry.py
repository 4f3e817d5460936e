from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.sources.registry import (
    DocRecord,
    Registry,
    RegistryError,
    default_name,
    parse_location,
)


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    reg = Registry(tmp_path / "data" / "sources.sqlite")
    yield reg
    reg.close()


def test_add_list_get_remove_persist(tmp_path: Path, registry: Registry) -> None:
    a = registry.add("crawl", "https://help.example.com/", max_pages=10)
    b = registry.add("directory", str(tmp_path), name="docs")
    assert a.name == "help.example.com" and a.max_pages == 10
    reopened = Registry(registry.path)
    assert [s.name for s in reopened.list()] == ["help.example.com", "docs"]
    reopened.close()
    registry.remove(b.name)
    assert registry.get("docs") is None
    with pytest.raises(RegistryError, match="no source named 'docs'"):
        registry.remove("docs")


def test_duplicates_and_bad_names_refused(registry: Registry) -> None:
    registry.add("url", "https://x.test/a", name="a")
    with pytest.raises(RegistryError, match="already registered"):
        registry.add("url", "https://x.test/a")
    with pytest.raises(RegistryError, match="already exists"):
        registry.add("url", "https://x.test/b", name="a")
    with pytest.raises(RegistryError, match="bad source name"):
        registry.add("url", "https://x.test/c", name="../etc")
    second = registry.add("crawl", "https://x.test/")
    third = registry.add("crawl", "https://x.test/other")
    assert (second.name, third.name) == ("x.test", "x.test-2")


def test_stats_count_indexed_docs_chunks_and_errors(registry: Registry) -> None:
    src = registry.add("url", "https://x.test/a", name="a")
    registry.put_documents(
        [
            DocRecord("a", "d1", chunk_count=3, indexed=True),
            DocRecord("a", "d2", chunk_count=2, indexed=True, error="timed out"),
            DocRecord("a", "d3", error="HTTP 404"),
        ]
    )
    stats = registry.stats(src)
    assert (stats.documents, stats.chunks, stats.errors) == (2, 5, 2)
    registry.mark_synced("a", error="robots.txt unreachable")
    assert registry.stats(registry.require("a")).errors == 3
    assert registry.documents("a")["d2"].error == "timed out"


def test_parse_location(tmp_path: Path) -> None:
    f = tmp_path / "a.md"
    f.write_text("x")
    assert parse_location(str(tmp_path)) == ("directory", str(tmp_path.resolve()))
    assert parse_location(str(f)) == ("file", str(f.resolve()))
    assert parse_location("https://x.test/", crawl=True) == ("crawl", "https://x.test/")
    assert parse_location("http://x.test/p") == ("url", "http://x.test/p")
    for bad, crawl in [
        ("ftp://x.test/", False),
        (str(tmp_path / "nope"), False),
        (str(tmp_path), True),
        ("https://", False),
    ]:
        with pytest.raises(RegistryError):
            parse_location(bad, crawl=crawl)


def test_default_names() -> None:
    assert default_name("url", "https://help.x.test/en/faq?q=1") == "help.x.test-en"
    assert default_name("directory", "/srv/Help Centre") == "Help-Centre"
