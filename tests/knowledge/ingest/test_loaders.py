from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.ingest.loaders import (
    ExtractionError,
    extract,
    iter_files,
    kind_for_response,
    load_file,
    split_front_matter,
)
from tests.knowledge.fixtures.site import html, make_docx, make_pdf


def test_front_matter_sets_title_url_and_language(tmp_path: Path) -> None:
    f = tmp_path / "reset-password.md"
    f.write_text(
        "---\ntitle: Wachtwoord herstellen\nurl: https://help.example.com/nl/wachtwoord\n"
        "lang: nl\n---\n\n# Iets anders\n\nKlik op 'wachtwoord vergeten'.\n"
    )
    doc = load_file(f, source="help", doc_id="reset-password.md")
    assert doc.title == "Wachtwoord herstellen"
    assert doc.url == "https://help.example.com/nl/wachtwoord"
    assert doc.language == "nl"
    assert doc.text.startswith("# Iets anders")
    assert "---" not in doc.text


def test_markdown_without_front_matter_uses_heading_and_no_url(tmp_path: Path) -> None:
    f = tmp_path / "faq.md"
    f.write_text("# Frequently asked\n\nSome text.\n\n## Opening hours\n\nNine to five.\n")
    doc = load_file(f, source="help", doc_id="faq.md")
    assert doc.title == "Frequently asked"
    assert doc.url == ""  # a server path is never cited: the title is
    assert doc.language == ""
    from knowledge.ingest.chunking import chunk_document

    assert {c.url for c in chunk_document(doc)} == {""}  # no "#opening-hours" either


def test_broken_front_matter_is_treated_as_text() -> None:
    meta, body = split_front_matter("---\ntitle: [unclosed\n---\nbody")
    assert meta == {}
    assert body.startswith("---")


def test_html_keeps_main_content_headings_and_lists() -> None:
    page = html("Returns", "<h2>How to return</h2><ol><li>Log in.</li><li>Print label.</li></ol>")
    title, text, lang, _ = extract(page, "html")
    assert title == "Returns"
    assert lang == "en"
    assert "## How to return" in text
    assert "1. Log in." in text and "2. Print label." in text
    assert "Acme Inc." not in text  # footer boilerplate dropped


def test_html_front_matter_overrides_page_title(tmp_path: Path) -> None:
    f = tmp_path / "page.html"
    f.write_bytes(b"---\ntitle: Custom\nurl: https://x.test/p\n---\n" + html("Orig", "<p>Hi.</p>"))
    doc = load_file(f, source="s", doc_id="page.html")
    assert (doc.title, doc.url) == ("Custom", "https://x.test/p")


def test_pdf_text_and_title_from_first_line() -> None:
    title, text, _, _ = extract(make_pdf(["Warranty terms", "Two years on kettles."]), "pdf")
    assert title == "Warranty terms"
    assert "Two years on kettles." in text


def test_docx_headings_and_numbered_steps() -> None:
    data = make_docx("Manual", [("Descaling", ["Monthly."], ["Fill.", "Boil.", "Rinse."])])
    title, text, _, _ = extract(data, "docx")
    assert title == "Manual"
    assert "# Descaling" in text
    assert "1. Fill.\n2. Boil.\n3. Rinse." in text


@pytest.mark.parametrize("kind", ["pdf", "docx"])
def test_corrupt_binary_raises_extraction_error(kind: str) -> None:
    with pytest.raises(ExtractionError):
        extract(b"this is not a real file", kind)


def test_empty_text_file_raises(tmp_path: Path) -> None:
    f = tmp_path / "empty.txt"
    f.write_text("  \n")
    with pytest.raises(ExtractionError):
        load_file(f, source="s", doc_id="empty.txt")


def test_iter_files_skips_hidden_and_unsupported(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("a")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("b")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "c.md").write_text("c")
    found = [p.relative_to(tmp_path).as_posix() for p in iter_files(tmp_path)]
    assert found == ["a.md", "sub/b.txt"]


@pytest.mark.parametrize(
    ("ctype", "url", "kind"),
    [
        ("text/html; charset=utf-8", "http://x/a", "html"),
        ("application/pdf", "http://x/a", "pdf"),
        ("application/octet-stream", "http://x/f.docx", "docx"),
        ("image/png", "http://x/a.html", None),
    ],
)
def test_kind_for_response(ctype: str, url: str, kind: str | None) -> None:
    assert kind_for_response(ctype, url) == kind


def test_html_heading_ids_become_anchor_attributes() -> None:
    page = html(
        "Returns",
        "<h2 id='how'>How to <b>return</b></h2><p>Log in and print the label.</p>"
        "<h2><a name='times'></a>Refund times</h2><p>Five days.</p>"
        "<h2>No id</h2><p>Text.</p>",
    )
    _, text, _, _ = extract(page, "html")
    assert "## How to **return** {#how}\n" in text
    assert "## Refund times {#times}\n" in text
    assert "## No id\n" in text
