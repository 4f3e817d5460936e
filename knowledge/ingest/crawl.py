"""Crawl a whole site from a start URL ("import related URLs").

Scope is the start URL's host (same scheme family, host and port); robots.txt is obeyed for our
user agent (an unreachable robots.txt stops the crawl, per RFC 9309); sitemap.xml seeds the
frontier when present; pages and depth are capped; requests run with bounded concurrency and
honour a robots Crawl-delay. On re-sync, known pages are fetched conditionally and a 304 reuses
the links recorded last time, so an unchanged site costs one small request per page.
"""

from __future__ import annotations

import gzip
import io
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import urldefrag, urljoin, urlsplit, urlunsplit

from knowledge.ingest.fetch import Fetcher, FetchError, FetchResult

log = logging.getLogger(__name__)

# Links to these are assets, never documents: do not spend requests on them.
SKIP_SUFFIXES = frozenset(
    {
        *(".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".ico", ".css", ".js", ".mjs"),
        *(".json", ".xml", ".zip", ".gz", ".tar", ".mp3", ".mp4", ".mov", ".avi", ".woff"),
        *(".woff2", ".ttf", ".eot", ".exe", ".dmg", ".iso", ".xlsx", ".pptx", ".csv"),
    }
)
MAX_CRAWL_DELAY_S = 5.0
MAX_SITEMAP_BYTES = 50_000_000  # the sitemaps.org limit for one uncompressed sitemap


class CrawlError(Exception):
    """The crawl could not start (start URL refused or robots.txt unreachable)."""


@dataclass(frozen=True)
class KnownPage:
    """What the last sync saw for a page: validators for a conditional GET, and its links."""

    etag: str | None = None
    last_modified: str | None = None
    links: tuple[str, ...] = ()


@dataclass
class CrawledPage:
    url: str
    depth: int
    result: FetchResult | None = None
    error: FetchError | None = None
    links: tuple[str, ...] = ()
    noindex: bool = False  # the page asked not to be indexed (meta robots / X-Robots-Tag)


@dataclass
class CrawlResult:
    pages: list[CrawledPage] = field(default_factory=list)
    blocked_by_robots: list[str] = field(default_factory=list)
    sitemap_urls: int = 0
    truncated: bool = False  # the page limit stopped the crawl before the frontier was empty


def normalize_url(url: str) -> str:
    """Drop the fragment, lowercase scheme and host, and give an empty path a '/'."""
    url, _ = urldefrag(url.strip())
    parts = urlsplit(url)
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, "")
    )


def same_site(url: str, start: str) -> bool:
    a, b = urlsplit(url), urlsplit(start)
    return a.scheme in ("http", "https") and a.netloc.lower() == b.netloc.lower()


def _is_html(result: FetchResult) -> bool:
    ctype = result.content_type.split(";", 1)[0].strip().lower()
    return ctype in ("text/html", "application/xhtml+xml")


def extract_links(html: bytes, base_url: str) -> list[str]:
    """Absolute `<a href>` targets of a page (lxml parses; no hand-rolled HTML parsing)."""
    import lxml.html

    try:
        tree = lxml.html.document_fromstring(html)
    except Exception:  # garbage HTML yields no links, not a failed crawl
        return []
    base = tree.find(".//base")
    if base is not None and base.get("href"):
        base_url = urljoin(base_url, base.get("href", ""))
    out: list[str] = []
    for element in tree.iter("a"):
        href = (element.get("href") or "").strip()
        rel = (element.get("rel") or "").lower()
        if not href or "nofollow" in rel or href.startswith(("mailto:", "javascript:", "tel:")):
            continue
        out.append(normalize_url(urljoin(base_url, href)))
    return out


def robots_directives(html: bytes, header: str = "") -> set[str]:
    """`noindex`/`nofollow`/`none` from `<meta name="robots">` and the X-Robots-Tag header."""
    import lxml.html

    values = [header]
    try:
        tree = lxml.html.document_fromstring(html)
    except Exception:  # unparseable page: no meta directives
        tree = None
    if tree is not None:
        values += [
            m.get("content") or ""
            for m in tree.iter("meta")
            if (m.get("name") or "").strip().lower() == "robots"
        ]
    found = {v.strip().lower() for value in values for v in value.split(",")}
    if "none" in found:
        found |= {"noindex", "nofollow"}
    return found & {"noindex", "nofollow"}


def parse_sitemap(xml: bytes) -> tuple[list[str], list[str]]:
    """(page URLs, nested sitemap URLs) of a sitemap or sitemap index."""
    from lxml import etree

    if xml[:2] == b"\x1f\x8b":  # sitemap.xml.gz
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(xml)) as gz:
                xml = gz.read(MAX_SITEMAP_BYTES + 1)[:MAX_SITEMAP_BYTES]
        except (OSError, EOFError):
            return [], []
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        root = etree.fromstring(xml, parser=parser)
    except etree.XMLSyntaxError:
        return [], []
    locs = [(el.text or "").strip() for el in root.iter("{*}loc")]
    if etree.QName(root).localname == "sitemapindex":
        return [], [u for u in locs if u]
    return [u for u in locs if u], []


class Crawler:
    """One crawl of one site; create per source and sync."""

    def __init__(
        self,
        fetcher: Fetcher,
        *,
        max_pages: int | None = None,
        max_depth: int | None = None,
        concurrency: int | None = None,
    ) -> None:
        s = fetcher.settings
        self.fetcher = fetcher
        self.max_pages = max_pages if max_pages is not None else s.crawl_max_pages
        self.max_depth = max_depth if max_depth is not None else s.crawl_max_depth
        self.concurrency = max(1, concurrency if concurrency is not None else s.crawl_concurrency)
        self.user_agent = s.user_agent

    def _robots(self, start: str):  # -> Protego
        from protego import Protego

        root = urlunsplit(urlsplit(start)._replace(path="/robots.txt", query="", fragment=""))
        try:
            res = self.fetcher.get(root)
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                return Protego.parse("")  # no robots.txt: everything allowed
            raise CrawlError(f"robots.txt unreachable ({exc.reason}); not crawling") from exc
        return Protego.parse(res.content.decode("utf-8", "replace"))

    def _sitemap_urls(self, start: str, declared: Iterable[str]) -> list[str]:
        candidates = list(declared) or [urljoin(start, "/sitemap.xml")]
        pages: list[str] = []
        seen: set[str] = set()
        queue = [c for c in candidates if same_site(c, start)]
        while queue and len(seen) < 10:
            url = queue.pop(0)
            if url in seen:
                continue
            seen.add(url)
            try:
                res = self.fetcher.get(url)
            except FetchError:
                continue
            found, nested = parse_sitemap(res.content)
            pages.extend(found)
            queue.extend(n for n in nested if same_site(n, start))
        return pages

    def crawl(
        self,
        start_url: str,
        *,
        known: Mapping[str, KnownPage] | None = None,
        on_page: Callable[[CrawledPage], None] | None = None,
    ) -> CrawlResult:
        """Fetch the site breadth-first; every page (ok, 304 or failed) is in the result."""
        known = known or {}
        start = normalize_url(start_url)
        try:
            self.fetcher.check_url(start)
        except FetchError as exc:
            raise CrawlError(str(exc)) from exc
        robots = self._robots(start)
        delay = min(float(robots.crawl_delay(self.user_agent) or 0.0), MAX_CRAWL_DELAY_S)
        workers = 1 if delay else self.concurrency
        result = CrawlResult()

        def allowed(url: str) -> bool:
            if not same_site(url, start):
                return False
            if PurePosixPath(urlsplit(url).path).suffix.lower() in SKIP_SUFFIXES:
                return False
            if not robots.can_fetch(url, self.user_agent):
                result.blocked_by_robots.append(url)
                return False
            return True

        seen: set[str] = {start}
        frontier: list[tuple[str, int]] = [(start, 0)] if allowed(start) else []
        sitemap = [normalize_url(u) for u in self._sitemap_urls(start, robots.sitemaps)]
        result.sitemap_urls = len(sitemap)
        for url in sitemap:
            if url not in seen:
                seen.add(url)
                if allowed(url):
                    frontier.append((url, min(1, self.max_depth)))

        def fetch(item: tuple[str, int]) -> CrawledPage:
            url, depth = item
            prev = known.get(url, KnownPage())
            page = CrawledPage(url=url, depth=depth)
            try:
                res = self.fetcher.get(url, etag=prev.etag, last_modified=prev.last_modified)
            except FetchError as exc:
                page.error = exc
                if not exc.gone:  # transient: keep following last sync's links from here
                    page.links = prev.links
                return page
            if not same_site(res.final_url, start):
                page.error = FetchError(url, "redirected off-site")
                return page
            page.result = res
            if res.not_modified:
                page.links = prev.links
            elif _is_html(res):
                directives = robots_directives(res.content, res.robots_tag)
                page.noindex = "noindex" in directives
                if "nofollow" not in directives:
                    links = extract_links(res.content, res.final_url)
                    page.links = tuple(dict.fromkeys(links))
            if delay:
                time.sleep(delay)
            return page

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="crawl") as pool:
            while frontier:
                room = self.max_pages - len(result.pages)
                if room <= 0:
                    result.truncated = True
                    break
                batch, frontier = frontier[:room], frontier[room:]
                for page in pool.map(fetch, batch):
                    result.pages.append(page)
                    if on_page is not None:
                        on_page(page)
                    if page.result is not None and page.result.final_url != page.url:
                        seen.add(normalize_url(page.result.final_url))
                    if page.depth >= self.max_depth:
                        continue
                    for link in page.links:
                        if link not in seen:
                            seen.add(link)  # judged once, so robots blocks are listed once
                            if allowed(link):
                                frontier.append((link, page.depth + 1))
        return result
