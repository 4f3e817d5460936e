"""The conversation-language policy: settle early, switch only on strong evidence."""

from __future__ import annotations

import pytest

from knowledge.language import choose_language, detect, from_browser


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hallo", "nl"),
        ("hello", "en"),
        ("bedankt!", "nl"),
        ("danke schön", "de"),
        ("bonjour", "fr"),
        ("hola", "es"),
        ("ich möchte mit einem Menschen sprechen", "de"),
        ("hoe reset ik mijn wachtwoord", "nl"),
        ("Comment retourner un article ?", "fr"),
        ("¿Cuánto cuesta el envío a Alemania?", "es"),
        ("How long does delivery to Belgium take?", "en"),
        ("How do I reset my password?", "en"),  # fastText: fr 0.45, en 0.37
    ],
)
def test_first_message_sets_the_language(text: str, expected: str) -> None:
    assert choose_language(None, text) == expected


@pytest.mark.parametrize("word", ["merci", "ok", "danke", "thanks", "ja", "👍", "1234"])
def test_short_messages_never_switch_an_established_language(word: str) -> None:
    assert choose_language("nl", word) == "nl"


def test_a_real_sentence_in_another_language_switches() -> None:
    assert choose_language("nl", "how do I cancel my subscription please") == "en"
    assert choose_language("en", "Wat zijn de openingstijden van de winkel?") == "nl"


def test_nothing_usable_defaults_to_english() -> None:
    assert choose_language(None, "12345 !!!") == "en"
    assert detect("").language == ""


def test_browser_tags() -> None:
    assert from_browser(["nl-NL", "en-US"]) == "nl"
    assert from_browser(["ja-JP", "de-AT"]) == "de"
    assert from_browser("es") == "es"
    assert from_browser(["ja", "zh-CN"]) is None
    assert from_browser(None) is None
