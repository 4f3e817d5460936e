"""Sentence-boundary splitting and plain-text rendering of sources and options."""

from __future__ import annotations

import itertools
import re

import pytest

from connectors.common.text import (
    Option,
    match_option,
    options_from_buttons,
    phrase,
    render_options,
    render_sources,
    split_text,
)


def test_short_text_stays_one_part():
    assert split_text("  Hello there. How can I help?  ", 1600) == ["Hello there. How can I help?"]
    assert split_text("   ", 10) == []


def test_parts_end_at_sentence_boundaries_and_keep_every_sentence():
    sentences = [f"Sentence {i} is about returns and refunds!" for i in range(100)]
    text = " ".join(sentences)
    parts = split_text(text, 300)
    assert all(len(p) <= 300 for p in parts)
    assert all(p.endswith("refunds!") for p in parts)
    assert " ".join(parts) == text
    # greedy packing: the next part's first sentence would not have fit into the previous part
    assert all(len(a) + 1 + b.index("!") + 1 > 300 for a, b in itertools.pairwise(parts))


def test_paragraph_breaks_are_preferred_and_kept_inside_a_part():
    text = "First paragraph. Still first.\n\nSecond paragraph here."
    assert split_text(text, 1000) == [text]
    assert split_text(text, 35) == ["First paragraph. Still first.", "Second paragraph here."]


def test_line_structure_survives_splitting():
    answer = " ".join(["This sentence is exactly forty chars ok."] * 5)  # 204 chars
    tail = (
        "1. Basic plan\n2. Pro plan\nReply with the number.\n\nSources:\n- A: https://x.example/a"
    )
    text = f"{answer}\n\n{tail}"
    parts = split_text(text, 120)
    assert all(len(p) <= 120 for p in parts)
    assert all(p in text for p in parts)  # verbatim: line breaks inside a part are kept
    assert any("\n2. Pro plan\n" in p for p in parts)
    assert re.sub(r"\s+", " ", " ".join(parts)) == re.sub(r"\s+", " ", text)


def test_urls_and_decimals_are_not_sentence_ends():
    text = "See https://help.example.com/a.b?x=1.5 for the 2.5 kg limit. Then reply."
    assert split_text(text, 62) == [
        "See https://help.example.com/a.b?x=1.5 for the 2.5 kg limit.",
        "Then reply.",
    ]


def test_overlong_sentence_splits_between_words_and_overlong_word_is_cut():
    sentence = " ".join(["word"] * 30)  # 149 chars, no sentence end
    parts = split_text(sentence, 40)
    assert all(len(p) <= 40 for p in parts)
    assert " ".join(parts) == sentence
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_bad_limit_is_refused():
    with pytest.raises(ValueError):
        split_text("hi", 0)


def test_sources_render_as_plain_links_deduplicated_in_the_language():
    sources = [
        {"title": "Refunds", "url": "https://help.example.com/refunds"},
        {"title": "Refunds again", "url": "https://help.example.com/refunds"},
        {"title": "No link"},
        {"title": "", "url": "https://help.example.com/faq"},
    ]
    assert render_sources(sources, "nl-BE") == (
        "Bronnen:\n- Refunds: https://help.example.com/refunds\n- No link"
        "\n- https://help.example.com/faq"
    )
    assert render_sources([], "en") == ""
    assert render_sources([{"title": "Opening hours", "url": ""}], "en") == (
        "Sources:\n- Opening hours"
    )  # no URL: the title alone, never a file path
    assert render_sources([{"title": ""}, {"url": " "}], "en") == ""


def test_options_render_numbered_and_map_back():
    options = options_from_buttons(
        [{"title": "Basic", "payload": "/plan_basic"}, {"title": "Pro"}, "Enterprise", {}]
    )
    assert options == [
        Option("Basic", "/plan_basic"),
        Option("Pro", "Pro"),
        Option("Enterprise", "Enterprise"),
    ]
    assert render_options(options, "de") == (
        "1. Basic\n2. Pro\n3. Enterprise\nAntworte mit der Nummer deiner Wahl."
    )
    assert [match_option(r, options) for r in ("1", " 2. ", "(3)", "#1", "pro")] == [
        "/plan_basic",
        "Pro",
        "Enterprise",
        "/plan_basic",
        "Pro",
    ]
    assert match_option("4", options) is None
    assert match_option("0", options) is None
    assert match_option("1 more question", options) is None
    assert match_option("1", []) is None


def test_phrases_fall_back_to_english():
    assert phrase("text_only", "fr").startswith("Désolé")
    assert phrase("text_only", "pt") == phrase("text_only", "en")
    assert phrase("text_only", None) == phrase("text_only", "en")


def test_chat_markup_turns_composer_markdown_into_chat_text() -> None:
    from connectors.common.text import chat_markup

    text = "Go to **My account > Orders**. See [Returns](https://help.example/returns)."
    assert chat_markup(text, bold="*") == (
        "Go to *My account > Orders*. See Returns (https://help.example/returns)."
    )
    assert (
        chat_markup(text)
        == "Go to My account > Orders. See Returns (https://help.example/returns)."
    )


def test_chat_markup_turns_tables_into_lines_and_lists_into_plain_lines() -> None:
    from connectors.common.text import chat_markup

    text = (
        "Delivery times:\n\n"
        "| Country | Time | Cost |\n|:---|---|---:|\n"
        "| Belgium | 2-3 days | **free** |\n| Germany | 3-5 days | €9.95 |\n\n"
        "- Order before 15:00\n* Track it on [the tracking page](https://help.example/t)\n\n"
        "3. Open the app.\n4. Tap **Orders**.\n\n"
        "## Returns\nReturns are free."
    )
    assert chat_markup(text, bold="*") == (
        "Delivery times:\n\n"
        "• Country: Belgium; Time: 2-3 days; Cost: *free*\n"
        "• Country: Germany; Time: 3-5 days; Cost: €9.95\n\n"
        "• Order before 15:00\n• Track it on the tracking page (https://help.example/t)\n\n"
        "3. Open the app.\n4. Tap *Orders*.\n\n"
        "*Returns*\n\nReturns are free."
    )


def test_chat_markup_keeps_text_that_only_looks_like_markdown() -> None:
    from connectors.common.text import chat_markup

    assert chat_markup("A | B without a rule line") == "A | B without a rule line"
    assert chat_markup("Price: 5 * 3 = 15") == "Price: 5 * 3 = 15"
    assert chat_markup("line one\nline two") == "line one\nline two"
