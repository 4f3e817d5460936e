from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.ingest.fetch import Fetcher, FetchError, UnsafeURLError
from knowledge.settings import Settings
from tests.knowledge.fixtures.site import Site, serve


def settings(tmp_path: Path, **kw: object) -> Settings:
    base: dict[str, object] = {
        "data_dir": tmp_path,
        "allow_private_networks": True,
        "fetch_max_bytes": 100_000,
        "http_timeout_s": 2.0,
    }
    base.update(kw)
    return Settings(_env_file=None, **base)  # type: ignore[arg-type,call-arg]


@pytest.fixture
def site() -> Iterator[Site]:
    with serve() as s:
        s.redirects["/to-file"] = "file:///etc/passwd"
        for i in range(8):
            s.redirects[f"/chain{i}"] = f"/chain{i + 1}"
        s.redirects["/moved"] = "/docs/shipping"
        s.delays["/docs/deep/refunds"] = 1.5
        yield s


@pytest.fixture
def fetcher(tmp_path: Path) -> Iterator[Fetcher]:
    with Fetcher(settings(tmp_path)) as f:
        yield f


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/",
        "http://localhost/",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.7/",
        "http://192.168.1.1/admin",
        "http://0.0.0.0/",
    ],
)
def test_private_loopback_link_local_refused_by_default(tmp_path: Path, url: str) -> None:
    with (
        Fetcher(settings(tmp_path, allow_private_networks=False)) as f,
        pytest.raises(UnsafeURLError),
    ):
        f.get(url)


def test_loopback_refused_by_default_even_for_a_live_server(site: Site, tmp_path: Path) -> None:
    strict = settings(tmp_path, allow_private_networks=False)
    with Fetcher(strict) as f, pytest.raises(UnsafeURLError):
        f.get(site.base + "/")
    assert site.requests == []  # refused before any connection


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://x/", "/rel"]
)
def test_non_http_schemes_refused_even_when_private_allowed(fetcher: Fetcher, url: str) -> None:
    with pytest.raises(UnsafeURLError):
        fetcher.get(url)


def test_get_sends_our_user_agent_and_returns_validators(site: Site, fetcher: Fetcher) -> None:
    res = fetcher.get(site.base + "/docs/shipping")
    assert res.status == 200 and b"Shipping" in res.content
    assert res.etag and res.last_modified
    assert site.user_agents == {fetcher.settings.user_agent}


def test_conditional_get_returns_304_until_the_page_changes(site: Site, fetcher: Fetcher) -> None:
    first = fetcher.get(site.base + "/docs/shipping")
    again = fetcher.get(site.base + "/docs/shipping", etag=first.etag)
    assert again.not_modified and again.content == b""
    by_date = fetcher.get(site.base + "/docs/shipping", last_modified=first.last_modified)
    assert by_date.not_modified
    site.edit("/docs/shipping", b"<html><body><p>changed</p></body></html>")
    changed = fetcher.get(site.base + "/docs/shipping", etag=first.etag)
    assert changed.status == 200 and changed.etag != first.etag


def test_redirect_is_followed_and_final_url_reported(site: Site, fetcher: Fetcher) -> None:
    res = fetcher.get(site.base + "/moved")
    assert res.final_url == site.base + "/docs/shipping"
    assert res.url == site.base + "/moved"


def test_redirect_loop_and_long_chains_fail(site: Site, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="redirect loop"):
        fetcher.get(site.base + "/loop")
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetcher.get(site.base + "/chain0")


def test_redirect_to_other_scheme_is_refused(site: Site, fetcher: Fetcher) -> None:
    with pytest.raises(UnsafeURLError):
        fetcher.get(site.base + "/to-file")


def test_response_over_the_cap_is_refused(site: Site, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="larger than 100000 bytes"):
        fetcher.get(site.base + "/huge")  # streamed, no Content-Length
    site.streamed.clear()
    with pytest.raises(FetchError, match="larger than"):
        fetcher.get(site.base + "/huge")  # declared Content-Length


def test_404_is_a_gone_fetch_error(site: Site, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError) as err:
        fetcher.get(site.base + "/missing")
    assert err.value.status == 404 and err.value.gone


def test_slow_server_times_out(site: Site, tmp_path: Path) -> None:
    with Fetcher(settings(tmp_path, http_timeout_s=0.5)) as f, pytest.raises(FetchError) as err:
        f.get(site.base + "/docs/deep/refunds")
    assert "timed out" in str(err.value) and not err.value.gone


def test_connected_address_is_checked_too(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even if DNS said "public" at check time (rebinding), a loopback peer is refused."""
    monkeypatch.setattr(Fetcher, "check_url", lambda self, url: None)
    strict = settings(tmp_path, allow_private_networks=False)
    with Fetcher(strict) as f, pytest.raises(UnsafeURLError):
        f.get(site.base + "/docs/shipping")


def test_unresolvable_host_is_a_fetch_error(tmp_path: Path) -> None:
    strict = settings(tmp_path, allow_private_networks=False)
    with Fetcher(strict) as f, pytest.raises(FetchError, match="cannot resolve host") as err:
        f.get("http://no-such-host.invalid/")
    assert not isinstance(err.value, UnsafeURLError)


def test_slow_dns_times_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket
    import time

    def slow_resolver(*args: object, **kwargs: object) -> list[object]:
        time.sleep(1.0)
        return []

    monkeypatch.setattr(socket, "getaddrinfo", slow_resolver)
    strict = settings(tmp_path, allow_private_networks=False, http_timeout_s=0.2)
    with Fetcher(strict) as f, pytest.raises(FetchError, match="timed out resolving"):
        f.get("http://help.example.com/")
