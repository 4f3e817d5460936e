"""`customer-agent sources ...` and `sync` end to end: real registry, real store, real site."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.cli import main
from knowledge.settings import get_settings
from knowledge.stores import reset_store
from tests.knowledge.fixtures.site import Site, serve


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    data = tmp_path / "data"
    monkeypatch.setenv("CUSTOMER_AGENT_DATA", str(data))
    monkeypatch.setenv("CUSTOMER_AGENT_ALLOW_PRIVATE_NETWORKS", "true")
    monkeypatch.setenv("CUSTOMER_AGENT_FETCH_MAX_BYTES", "100000")
    get_settings.cache_clear()
    reset_store()
    yield data
    reset_store()
    get_settings.cache_clear()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_sync_show_remove(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "hours.md").write_text("# Opening hours\n\nWe are open from nine to five.\n")
    (docs / "bad.pdf").write_bytes(b"not a pdf")

    code, out, _ = run(capsys, "sources", "add", str(docs), "--name", "help", "-q")
    assert code == 0
    assert "added source 'help'" in out
    assert "help: 2 documents: 1 added" in out and "error bad.pdf" in out

    code, out, _ = run(capsys, "sources", "list", "--json")
    rows = json.loads(out)
    assert [(r["name"], r["kind"], r["documents"], r["errors"]) for r in rows] == [
        ("help", "directory", 1, 1)
    ]
    assert rows[0]["chunks"] >= 1 and rows[0]["last_sync"]

    code, out, _ = run(capsys, "sources", "list")
    assert out.splitlines()[0].split() == [
        "NAME",
        "KIND",
        "DOCS",
        "CHUNKS",
        "LAST",
        "SYNC",
        "ERRORS",
        "LOCATION",
    ]

    code, out, _ = run(capsys, "sync", "-q")
    assert code == 0 and "1 unchanged" in out and "0 chunks embedded" in out

    code, out, _ = run(capsys, "sources", "show", "help", "--errors")
    assert out.startswith("bad.pdf") and "unreadable PDF" in out

    code, out, _ = run(capsys, "sources", "remove", "help")
    assert code == 0 and "chunks deleted" in out
    code, out, _ = run(capsys, "sources", "list", "--json")
    assert json.loads(out) == []


def test_crawl_source_from_cli(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site: Site
    with serve() as site:
        code, out, _ = run(
            capsys,
            "sources",
            "add",
            site.base + "/",
            "--crawl",
            "--name",
            "web",
            "--max-pages",
            "4",
            "--max-depth",
            "1",
            "-q",
        )
        assert code == 0
        crawled = [p for p in site.paths() if p not in ("/robots.txt", "/sitemap.xml")]
        assert len(crawled) == 4
        code, out, _ = run(capsys, "sync", "--source", "web", "-q")
        assert code == 0 and "0 chunks embedded" in out


def test_bad_input_gives_one_line_errors(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(capsys, "sources", "add", "ftp://x.test/")
    assert code == 1 and err.startswith("error: only http(s) URLs") and "Traceback" not in err
    code, _, err = run(capsys, "sources", "remove", "nope")
    assert code == 1 and "no source named 'nope'" in err
    code, _, err = run(capsys, "sync", "--source", "nope")
    assert code == 1 and "no source named 'nope'" in err
    code, out, _ = run(capsys, "sources", "add", str(data_dir.parent), "--name", "ok", "-q")
    assert code == 0  # sanity: a good path is accepted ...
    monkeypatch.delenv("CUSTOMER_AGENT_ALLOW_PRIVATE_NETWORKS")
    get_settings.cache_clear()
    code, out, _ = run(capsys, "sources", "add", "http://127.0.0.1:9/", "--crawl", "--name", "lo")
    assert code == 1 and "refused" in out and "source 'lo' not added" in out
    _, out, _ = run(capsys, "sources", "list", "--json")
    assert [r["name"] for r in json.loads(out)] == ["ok"]
    code, _, err = run(capsys, "sources", "add", "https://x.test/", "--crawl", "--max-pages", "0")
    assert code == 1 and err.strip() == "error: --max-pages must be at least 1"


def test_console_script_lists_sources(tmp_path: Path) -> None:
    env = {"CUSTOMER_AGENT_DATA": str(tmp_path / "d"), "PATH": "/usr/bin:/bin"}
    exe = Path(sys.executable).with_name("customer-agent")
    proc = subprocess.run(
        [str(exe), "sources", "list"], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert "no sources" in proc.stdout
