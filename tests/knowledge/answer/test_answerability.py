"""Answerability signals (knowledge/answer/answerability.py) and the rule that uses them."""

from __future__ import annotations

from dataclasses import replace

from knowledge.answer import answerability as an
from knowledge.answer.decide import decide

from .conftest import make_hit

RESOLUTION = make_hit(
    "Change the screen resolution",
    "Open Settings > Displays and pick a resolution for the screen.",
    0.86,
)
BRIGHTNESS = make_hit(
    "Change the screen brightness",
    "Use the brightness slider in the system menu to make the screen brighter or darker.",
    0.9,
)
WALLPAPER = make_hit(
    "Change the desktop background",
    "Right-click the desktop and choose Change background for the screen.",
    0.8,
)
QUESTION = "How do I change the screen brightness?"


def test_numbering_punctuation_and_case_do_not_count_in_a_title():
    assert an.normalise_title("1.7. How do I pair a device?") == "how do i pair a device"
    assert an.normalise_title("  12) Pairing ") == "pairing"
    assert an.normalise_title("How do I pair a device") == "how do i pair a device"


def test_exact_title_word_for_word_or_term_for_term():
    found = an.exact_title("change the screen brightness", [RESOLUTION, BRIGHTNESS], "en")
    assert found == (BRIGHTNESS, True)
    found = an.exact_title("Changing screen brightness?", [RESOLUTION, BRIGHTNESS], "en")
    assert found == (BRIGHTNESS, False)
    assert an.exact_title(QUESTION, [RESOLUTION], "en") is None
    assert an.exact_title(QUESTION, [BRIGHTNESS], "nl") is None  # another language's title


def test_two_topics_with_the_same_title_are_no_exact_match():
    a = make_hit("Overview", "Settings overview.", 0.8, doc="settings")
    b = make_hit("Overview", "Files overview.", 0.79, doc="files")
    assert an.exact_title("Overview", [a, b], "en") is None


def test_two_sections_of_the_page_a_title_names_are_that_page():
    """A page's chunks all carry its title; its sections are not rival topics."""
    contact = make_hit("Help improve this guide", "Contact us on the mailing list.", 0.78, doc="p")
    contact = replace(contact, chunk=replace(contact.chunk, heading_path=("Contact us",)))
    report = make_hit("Help improve this guide", "Report a problem in the tracker.", 0.7, doc="p")
    report = replace(report, chunk=replace(report.chunk, heading_path=("Report a problem",)))
    assert an.exact_title("Help improve this guide", [contact, report], "en") == (contact, True)


def test_named_things_numbers_and_versions_are_recognised():
    terms = {t.word: t.named for t in an.question_terms("Does Relay work with iPhone 15?", "en")}
    assert terms["relay"] and terms["iphone"] and terms["15"]
    assert not terms["work"]
    assert not any(t.named for t in an.question_terms("Wie ändere ich das Passwort?", "de"))


def _signals(hits, primary, question=QUESTION, language="en"):
    return an.signals(
        an.question_terms(question, language),
        hits,
        primary,
        {h.chunk.id: h.score for h in hits},
        language,
    )


def test_a_passage_without_the_specific_term_covers_less_than_one_with_it():
    present = _signals([BRIGHTNESS, RESOLUTION, WALLPAPER], BRIGHTNESS)
    missing = _signals([RESOLUTION, WALLPAPER], RESOLUTION)
    assert present.coverage == 1.0
    # "change" and "screen" are in every neighbour: generic; "brightness" in none: specific
    assert missing.coverage < 0.5
    assert missing.coverage < 2 / 3  # below the unweighted share


def test_a_named_thing_the_passage_never_mentions_is_counted():
    relay = make_hit("Relay and Firefox", "Relay works in Firefox and Chrome.", 0.8)
    s = _signals([relay], relay, question="Does Relay work with Safari?")
    assert s.missing_named == 1
    dutch = make_hit("Relay en Firefox", "Relay werkt in Firefox.", 0.8, lang="nl")
    cross = _signals([dutch], dutch, question="Does Relay work with Firefox?")
    assert cross.cross and cross.missing_named == 0 and cross.coverage == 1.0


def test_the_margin_is_against_the_best_other_topic():
    s = _signals([BRIGHTNESS, RESOLUTION], BRIGHTNESS)
    assert round(s.margin, 3) == round(0.9 - 0.86, 3)


def test_score_is_a_probability_rising_with_its_features():
    w = (-2.0, 1.0, 3.0, -2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    low = an.score(w, _signals([RESOLUTION, WALLPAPER], RESOLUTION).features(0.86))
    high = an.score(w, _signals([BRIGHTNESS, RESOLUTION], BRIGHTNESS).features(0.9))
    assert 0.0 < low < high < 1.0


def test_the_unanswerable_rule_hands_off_a_passage_that_lacks_what_was_asked(config):
    weighted = replace(
        config,
        answerability_same=(-2.0, 1.0, 3.0, -2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        answerability_min=0.5,
        low_coverage_score=1.01,
        min_coverage=0.0,
    )
    v = decide(QUESTION, [RESOLUTION, WALLPAPER], language="en", config=weighted)
    assert (v.kind, v.reason, v.rule) == ("handoff", "not_covered", "unanswerable")
    v = decide(QUESTION, [BRIGHTNESS, RESOLUTION, WALLPAPER], language="en", config=weighted)
    assert v.kind == "answer"
    # off without weights: the same missing page is answered from its neighbour
    unweighted = replace(weighted, answerability_same=())
    v = decide(QUESTION, [RESOLUTION, WALLPAPER], language="en", config=unweighted)
    assert v.kind == "answer"


def test_title_coverage_counts_only_the_topic_title_and_headings():
    body_only = make_hit(
        "Displays", "The brightness slider in the system menu changes the screen.", 0.85
    )
    named = _signals([BRIGHTNESS, RESOLUTION], BRIGHTNESS)
    unnamed = _signals([body_only, RESOLUTION], body_only)
    assert named.title_coverage == 1.0
    assert unnamed.coverage == 1.0 and unnamed.title_coverage < 0.5


def test_spread_is_the_primary_score_over_the_mean_of_the_rest():
    s = _signals([BRIGHTNESS, RESOLUTION, WALLPAPER], BRIGHTNESS)
    assert round(s.spread, 3) == round(0.9 - (0.86 + 0.8) / 2, 3)


def test_cognates_match_shared_words_across_languages():
    battery = make_hit("Battery warranty", "The battery is covered for two years.", 0.7)
    s = _signals(
        [battery], battery, question="Hoe lang is de garantie op de batterij?", language="nl"
    )
    assert s.cross and s.cognates == 0.5  # "batterij" matches "battery", "garantie" nothing
    assert s.coverage == 1.0  # no named things: the word coverage says nothing across languages


def test_a_passage_in_another_language_has_its_own_threshold(config):
    english = make_hit("Battery warranty", "The battery is covered for two years.", 0.7)
    weights = (0.0,) * len(an.FEATURES)  # a probability of exactly 0.5 for every passage
    base = replace(config, answerability_cross=weights, low_coverage_score=1.01, min_coverage=0.0)
    question = "Hoe lang is de garantie op de batterij?"
    strict = replace(base, answerability_cross_min=0.6, answerability_min=0.4)
    assert decide(question, [english], language="nl", config=strict).rule == "unanswerable"
    lenient = replace(base, answerability_cross_min=0.4, answerability_min=0.6)
    assert decide(question, [english], language="nl", config=lenient).kind == "answer"


def test_a_conversational_word_the_passage_lacks_costs_little_with_general_specificity():
    """ "Am I able to see the brightness slider?": "able" is the visitor's phrasing, not the
    topic; only the index's own evidence would weigh it like "brightness"."""
    question = "Am I able to find the brightness slider?"
    hits = [BRIGHTNESS, RESOLUTION, WALLPAPER]
    relevance = {h.chunk.id: h.score for h in hits}

    def coverage(general: bool) -> float:
        terms = an.question_terms(question, "en", general)
        return an.signals(terms, hits, BRIGHTNESS, relevance, "en").coverage

    assert coverage(False) < 0.5  # "able" and "find" count as much as any missing word
    assert coverage(True) > 0.7
    # a specific word the passage lacks still costs, with or without the language's view
    terms = an.question_terms("Can I find the contrast slider?", "en", True)
    assert an.signals(terms, hits, BRIGHTNESS, relevance, "en").coverage < 0.5


def test_what_a_question_asks_for_by_its_opening_words():
    assert an.question_kind("Why do I need to calibrate my screen?", "en") == "reason"
    assert an.question_kind("How do I calibrate my camera?", "en") == "thing"
    assert an.question_kind("Waarom werkt mijn accu niet?", "nl") == "reason"
    assert an.question_kind("¿Por qué no llega mi pedido?", "es") == "reason"
    assert an.question_kind("Qu'est-ce qu'un profil de couleur ?", "fr") == "thing"
    assert an.question_kind("Can I pause my subscription?", "en") is None  # yes/no: any kind
    assert an.question_kind("Change the screen brightness", "en") is None
    # "when"/"where"/"who" also open statements; a title is a label and needs no "?"
    assert an.question_kind("When I pay, I get an error", "en") is None
    assert an.question_kind("When does my order arrive?", "en") == "time"
    assert an.question_kind("1.2. Where to store your backup", "en", label=True) == "place"


def test_a_why_question_over_a_how_to_section_asks_for_something_else():
    how = make_hit("How do I calibrate my camera?", "Take a photo of a calibration target.", 0.8)
    hits = [how, RESOLUTION]
    relevance = {h.chunk.id: h.score for h in hits}
    question = "Why do I need to calibrate my camera myself?"
    terms = an.question_terms(question, "en")
    assert an.signals(terms, hits, how, relevance, "en", question).asks_other
    same = "How can I calibrate my camera?"
    assert not an.signals(terms, hits, how, relevance, "en", same).asks_other
    can = "Can I calibrate my camera myself?"
    assert not an.signals(terms, hits, how, relevance, "en", can).asks_other
    # a title that asks nothing ("Calibrate a camera") never disagrees
    plain = make_hit("Calibrate a camera", "Take a photo of a calibration target.", 0.8)
    assert not an.signals(terms, [plain], plain, relevance, "en", question).asks_other
