"""The answers' Markdown in e-mail replies: real HTML, readable text, nothing unescaped."""

from __future__ import annotations

from connectors.email.render import collect, render_html, render_text

ANSWER_MD = (
    "Here is what I found on **delivery**:\n\n"
    "| Country | Time |\n|---|---|\n| Belgium | 2-3 days |\n| <b>Germany</b> | 3-5 days |\n\n"
    "1. Order before 15:00.\n2. Track it on [the tracking page](https://help.example.test/t).\n\n"
    "- Free <script>alert(1)</script> returns"
)


def test_answer_markdown_becomes_real_html_and_readable_text() -> None:
    content = collect([{"text": ANSWER_MD, "custom": {"language": "en", "sources": []}}])
    html = render_html(content)
    assert "<p>Here is what I found on <strong>delivery</strong>:</p>" in html
    assert "<th>Country</th><th>Time</th>" in html and "<td>Belgium</td><td>2-3 days</td>" in html
    assert "<td>&lt;b&gt;Germany&lt;/b&gt;</td>" in html  # content is escaped, never markup
    assert "<ol><li>Order before 15:00.</li><li>Track it on " in html
    assert '<a href="https://help.example.test/t">the tracking page</a>' in html
    assert "<ul><li>Free &lt;script&gt;alert(1)&lt;/script&gt; returns</li></ul>" in html
    assert "|" not in html and "**" not in html
    text = render_text(content)
    assert "- Country: Belgium; Time: 2-3 days\n- Country: <b>Germany</b>; Time: 3-5 days" in text
    assert (
        "1. Order before 15:00.\n2. Track it on the tracking page (https://help.example.test/t)"
        in text
    )
    assert "|" not in text and "**" not in text


def test_a_source_without_url_is_cited_by_its_title() -> None:
    content = collect(
        [{"text": "Open 9-17.", "custom": {"sources": [{"title": "Opening hours", "url": ""}]}}]
    )
    assert content.sources == [("Opening hours", "")]
    assert "Sources:\n- Opening hours\n" in render_text(content)
    assert "<li>Opening hours</li>" in render_html(content)
