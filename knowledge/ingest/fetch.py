"""Safe HTTP fetching for URL and crawl sources.

An admin pastes a URL, but the crawler then follows whatever links and redirects the site
serves, so every hop is checked: http(s) only, no private/loopback/link-local targets (unless
`allow_private_networks`), bounded redirects, bounded size, a timeout per operation and an
overall deadline. Conditional GET (ETag / Last-Modified) lets re-syncs skip unchanged pages.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from knowledge.settings import Settings, get_settings

REDIRECT_CODES = {301, 302, 303, 307, 308}


class FetchError(Exception):
    """A URL could not be fetched; `status` is the HTTP status when there was one."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{reason}: {url}")
        self.url = url
        self.reason = reason
        self.status = status

    @property
    def gone(self) -> bool:
        """The server says the page does not exist (not a transient failure)."""
        return self.status in (404, 410)


class UnsafeURLError(FetchError):
    """Refused before any request: bad scheme or a private/loopback/link-local address."""


@dataclass(frozen=True)
class FetchResult:
    url: str
    final_url: str
    status: int
    content: bytes
    content_type: str
    etag: str | None
    last_modified: str | None
    robots_tag: str = ""  # X-Robots-Tag header (noindex / nofollow)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


class Fetcher:
    """One HTTP client for a sync run; thread-safe, so the crawler shares it across workers."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        max_bytes: int | None = None,
        max_redirects: int = 5,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        self.max_bytes = max_bytes if max_bytes is not None else self.settings.fetch_max_bytes
        self.max_redirects = max_redirects
        self.timeout_s = self.settings.http_timeout_s
        self._client = httpx.Client(
            timeout=httpx.Timeout(self.timeout_s),
            follow_redirects=False,
            headers={"User-Agent": self.settings.user_agent},
            transport=transport,
        )
        # getaddrinfo has no timeout of its own: run it where we can stop waiting
        self._resolver = ThreadPoolExecutor(max_workers=2, thread_name_prefix="resolve")

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()
        self._resolver.shutdown(wait=False, cancel_futures=True)

    def check_url(self, url: str) -> None:
        """Raise `UnsafeURLError` unless `url` is http(s) to an allowed address."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise UnsafeURLError(url, f"scheme not allowed ({parts.scheme or 'none'})")
        host = parts.hostname
        if not host:
            raise UnsafeURLError(url, "no host")
        if self.settings.allow_private_networks:
            return
        try:
            addresses = {ipaddress.ip_address(host)}
        except ValueError:
            try:
                future = self._resolver.submit(
                    socket.getaddrinfo, host, parts.port or 80, proto=socket.IPPROTO_TCP
                )
                infos = future.result(timeout=self.timeout_s)
            except FutureTimeout as exc:
                raise FetchError(url, "timed out resolving host") from exc
            except (OSError, UnicodeError) as exc:
                raise FetchError(url, f"cannot resolve host ({exc})") from exc
            addresses = {ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos}
        if not addresses or not all(_is_public(ip) for ip in addresses):
            raise UnsafeURLError(url, "private, loopback or link-local address refused")

    def get(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET `url`, following redirects by hand so each hop is checked.

        Returns a 304 result (empty content) when the validators still match; raises
        `FetchError` for 4xx/5xx, too many redirects, oversized bodies and timeouts.
        """
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        deadline = time.monotonic() + 4 * self.timeout_s
        current, seen = url, {url}
        for _hop in range(self.max_redirects + 1):
            self.check_url(current)
            try:
                with self._client.stream("GET", current, headers=headers) as response:
                    self._check_peer(current, response)
                    if response.status_code in REDIRECT_CODES and "location" in response.headers:
                        nxt = urljoin(current, response.headers["location"]).split("#", 1)[0]
                        if nxt in seen:
                            raise FetchError(url, "redirect loop")
                        seen.add(nxt)
                        current = nxt
                        continue
                    if response.status_code == 304:
                        return FetchResult(
                            url,
                            current,
                            304,
                            b"",
                            "",
                            response.headers.get("etag") or etag,
                            response.headers.get("last-modified") or last_modified,
                        )
                    if response.status_code >= 400:
                        raise FetchError(
                            url, f"HTTP {response.status_code}", status=response.status_code
                        )
                    content = self._read_capped(url, response, deadline)
                    return FetchResult(
                        url=url,
                        final_url=current,
                        status=response.status_code,
                        content=content,
                        content_type=response.headers.get("content-type", ""),
                        etag=response.headers.get("etag"),
                        last_modified=response.headers.get("last-modified"),
                        robots_tag=response.headers.get("x-robots-tag", ""),
                    )
            except httpx.TimeoutException as exc:
                raise FetchError(url, "timed out") from exc
            except httpx.HTTPError as exc:
                raise FetchError(url, f"request failed ({type(exc).__name__})") from exc
        raise FetchError(url, f"more than {self.max_redirects} redirects")

    def _check_peer(self, url: str, response: httpx.Response) -> None:
        """The address actually connected to must pass too (DNS may answer differently twice)."""
        if self.settings.allow_private_networks:
            return
        stream = response.extensions.get("network_stream")
        peer = stream.get_extra_info("server_addr") if stream is not None else None
        if not peer:
            return
        try:
            ip = ipaddress.ip_address(str(peer[0]).split("%", 1)[0])
        except ValueError:
            return
        if not _is_public(ip):
            raise UnsafeURLError(url, "private, loopback or link-local address refused")

    def _read_capped(self, url: str, response: httpx.Response, deadline: float) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(url, f"response larger than {self.max_bytes} bytes")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError(url, f"response larger than {self.max_bytes} bytes")
            if time.monotonic() > deadline:
                raise FetchError(url, "timed out (too slow)")
            chunks.append(chunk)
        return b"".join(chunks)
