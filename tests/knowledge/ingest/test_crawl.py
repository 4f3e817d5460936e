from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.ingest.crawl import (
    Crawler,
    CrawlError,
    KnownPage,
    extract_links,
    parse_sitemap,
    robots_directives,
)
from knowledge.ingest.fetch import Fetcher
from knowledge.settings import Settings
from tests.knowledge.fixtures.site import Page, Site, html, serve

DOCS = {
    "/",
    "/docs/shipping",
    "/docs/returns",
    "/docs/deep/refunds",
    "/from-sitemap",
    "/files/warranty.pdf",
    "/files/manual.docx",
}
BROKEN = {"/missing", "/loop", "/huge"}


@pytest.fixture
def site() -> Iterator[Site]:
    with serve() as s:
        yield s


def fetcher(tmp_path: Path, *, private: bool = True) -> Fetcher:
    return Fetcher(
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            data_dir=tmp_path,
            allow_private_networks=private,
            fetch_max_bytes=100_000,
            http_timeout_s=2.0,
        )
    )


def paths(site: Site, urls: list[str]) -> set[str]:
    return {u.removeprefix(site.base) for u in urls}


def test_crawl_scope_robots_sitemap_and_errors(site: Site, tmp_path: Path) -> None:
    with fetcher(tmp_path) as f:
        result = Crawler(f, max_pages=50, max_depth=3, concurrency=3).crawl(site.base + "/")
    ok = paths(site, [p.url for p in result.pages if p.result is not None])
    failed = {p.url.removeprefix(site.base): p.error for p in result.pages if p.error}
    assert ok == DOCS
    assert set(failed) == BROKEN
    assert failed["/missing"] is not None and failed["/missing"].gone
    assert "redirect loop" in str(failed["/loop"])
    assert "larger than" in str(failed["/huge"])
    # robots.txt: the disallowed page was never requested, but is reported
    assert "/private/admin" not in site.paths()
    assert paths(site, result.blocked_by_robots) == {"/private/admin"}
    assert len(result.blocked_by_robots) == 1
    # assets, mailto and off-site links are not followed; the sitemap-only page was found
    assert "/static/logo.png" not in site.paths()
    assert "/from-sitemap" in ok and result.sitemap_urls == 3
    assert all(u.startswith(site.base) for p in result.pages for u in [p.url])
    assert not result.truncated
    # each page fetched once
    fetched = [p for p in site.paths() if p in DOCS]
    assert sorted(fetched) == sorted(DOCS)


def test_depth_limit(site: Site, tmp_path: Path) -> None:
    with fetcher(tmp_path) as f:
        result = Crawler(f, max_pages=50, max_depth=1).crawl(site.base + "/")
    crawled = paths(site, [p.url for p in result.pages])
    assert "/docs/shipping" in crawled  # depth 1
    assert "/docs/returns" not in crawled  # depth 2
    assert "/docs/deep/refunds" not in crawled


def test_page_limit(site: Site, tmp_path: Path) -> None:
    with fetcher(tmp_path) as f:
        result = Crawler(f, max_pages=3, max_depth=3).crawl(site.base + "/")
    assert len(result.pages) == 3
    assert result.truncated
    assert len([p for p in site.paths() if p not in ("/robots.txt", "/sitemap.xml")]) == 3


def test_concurrency_is_bounded(site: Site, tmp_path: Path) -> None:
    for path in DOCS:
        site.delays[path] = 0.1
    with fetcher(tmp_path) as f:
        Crawler(f, max_pages=50, max_depth=3, concurrency=2).crawl(site.base + "/")
    assert 1 < site.max_inflight <= 2


def test_robots_crawl_delay_serialises_requests(site: Site, tmp_path: Path) -> None:
    site.robots = "User-agent: *\nCrawl-delay: 0.01\nDisallow: /private/\n"
    for path in DOCS:
        site.delays[path] = 0.05
    with fetcher(tmp_path) as f:
        Crawler(f, max_pages=50, max_depth=3, concurrency=4).crawl(site.base + "/")
    assert site.max_inflight == 1


def test_missing_robots_allows_all_but_unreachable_robots_stops(site: Site, tmp_path: Path) -> None:
    site.robots = ""
    with fetcher(tmp_path) as f:
        result = Crawler(f, max_pages=50, max_depth=3).crawl(site.base + "/")
    assert "/private/admin" in paths(site, [p.url for p in result.pages])
    site.robots_status = 503
    with fetcher(tmp_path) as f, pytest.raises(CrawlError, match=r"robots\.txt unreachable"):
        Crawler(f).crawl(site.base + "/")


def test_loopback_crawl_refused_by_default(site: Site, tmp_path: Path) -> None:
    with fetcher(tmp_path, private=False) as f, pytest.raises(CrawlError, match="refused"):
        Crawler(f).crawl(site.base + "/")
    assert site.requests == []


def test_recrawl_with_validators_gets_304s_and_reuses_links(site: Site, tmp_path: Path) -> None:
    with fetcher(tmp_path) as f:
        first = Crawler(f, max_pages=50, max_depth=3).crawl(site.base + "/")
        known = {
            p.url: KnownPage(p.result.etag, p.result.last_modified, p.links)
            for p in first.pages
            if p.result is not None
        }
        site.requests.clear()
        second = Crawler(f, max_pages=50, max_depth=3).crawl(site.base + "/", known=known)
    assert {p.url for p in second.pages} == {p.url for p in first.pages}
    statuses = {p.url.removeprefix(site.base): p.result.status for p in second.pages if p.result}
    assert set(statuses.values()) == {304}
    assert set(statuses) == DOCS


def test_extract_links_resolves_and_skips_non_http() -> None:
    html = (
        b"<html><head><base href='http://a.test/dir/'></head><body>"
        b"<a href='page#frag'>x</a><a href='mailto:x@y'>m</a>"
        b"<a href='/abs' rel='nofollow'>n</a><a href='HTTP://A.test'>h</a></body></html>"
    )
    assert extract_links(html, "http://a.test/") == ["http://a.test/dir/page", "http://a.test/"]


def test_parse_sitemap_index_and_garbage() -> None:
    index = (
        b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>http://a.test/s1.xml</loc></sitemap></sitemapindex>"
    )
    assert parse_sitemap(index) == ([], ["http://a.test/s1.xml"])
    assert parse_sitemap(b"<not xml") == ([], [])


def test_transient_error_keeps_following_known_links(site: Site, tmp_path: Path) -> None:
    with fetcher(tmp_path) as f:
        first = Crawler(f, max_pages=50, max_depth=3).crawl(site.base + "/")
        known = {p.url: KnownPage(links=p.links) for p in first.pages}
        site.failing.add("/docs/returns")
        site.requests.clear()
        second = Crawler(f, max_pages=50, max_depth=3).crawl(site.base + "/", known=known)
    failed = [p for p in second.pages if p.error is not None and p.error.status == 500]
    assert [p.url.removeprefix(site.base) for p in failed] == ["/docs/returns"]
    assert "/docs/deep/refunds" in site.paths(200)  # only reachable through the failing page


def test_meta_robots_noindex_and_nofollow(site: Site, tmp_path: Path) -> None:
    meta = "<meta name='robots' content='noindex, nofollow'>"
    site.pages["/drafts"] = Page(
        html("Drafts", "<p>Unfinished.</p><a href='/only-from-drafts'>x</a>").replace(
            b"<head>", b"<head>" + meta.encode()
        )
    )
    site.pages["/only-from-drafts"] = Page(html("Hidden", "<p>Hidden.</p>"))
    site.sitemap.append("/drafts")
    with fetcher(tmp_path) as f:
        result = Crawler(f, max_pages=50, max_depth=3).crawl(site.base + "/")
    drafts = next(p for p in result.pages if p.url == site.base + "/drafts")
    assert drafts.noindex and drafts.links == ()
    assert "/only-from-drafts" not in site.paths()
    assert not any(p.noindex for p in result.pages if p is not drafts)


def test_robots_directives_from_header_and_none() -> None:
    assert robots_directives(b"<html></html>", "noindex") == {"noindex"}
    assert robots_directives(b"<meta name=robots content=NONE>") == {"noindex", "nofollow"}
    assert robots_directives(b"<meta name=description content=noindex>") == set()


def test_gzipped_sitemap() -> None:
    import gzip

    xml = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>http://a.test/p</loc></url></urlset>"
    )
    assert parse_sitemap(gzip.compress(xml)) == (["http://a.test/p"], [])
