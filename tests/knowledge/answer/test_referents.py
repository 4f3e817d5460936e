"""The wording half of underspecification: references a question leaves open, per kind."""

import pytest

from knowledge.answer.referents import Reference, references, unresolved_reference


def descriptions(question: str, history: str = "", language: str = "en") -> list[str]:
    return [r.thing for r in references(question, history, language) if not r.pointing]


@pytest.mark.parametrize(
    ("question", "thing"),
    [
        ("What facilities does this library provide?", "library"),
        ("Which ports do these routers use?", "routers"),
        ("Did it win any awards?", "?"),
        ("This is one of few stadiums with a roof.", "?"),
        ("Does the lender make money in this kind of transaction?", "kind of transaction"),
    ],
)
def test_pointing_references_are_open_as_they_stand(question, thing):
    assert unresolved_reference(question, "", "en") == thing


@pytest.mark.parametrize(
    ("question", "thing"),
    [
        ("What is the actor's approach to fitness?", "actor"),
        ("How did the fast food chain grow?", "chain"),
        ("When did the hurricanes hit the coast?", "hurricanes"),
    ],
)
def test_descriptions_are_left_to_the_passages(question, thing):
    assert thing in descriptions(question)
    assert unresolved_reference(question, "", "en") == ""  # not open by wording alone


def test_a_name_in_the_phrase_narrows_the_description():
    refs = references("Who founded the McDonald's chain?", "", "en")
    assert refs[0] == Reference("chain", False, names=("mcdonald",), phrase=("McDonald's", "chain"))
    # after a demonstrative the phrase points back at one thing, whatever its names
    assert unresolved_reference("What was the goal of that NASA mission?", "", "en") == "mission"


@pytest.mark.parametrize(
    "question",
    [
        "Who won the battle of the bull run?",  # restricted by an of-phrase
        "Do you ship to the country I live in?",  # the visitor's own
        "The menu is the icon on the top bar that looks like a person.",  # a relative clause
        "Open files with an app that isn't the default.",
        "Is that true?",
        "What is that, exactly?",
        "Is this intended for professionals?",
        "How do I reset my password if I forgot it?",  # the antecedent is in the question
        "Is it possible to pay with PayPal?",  # no referent at all
        "What do I do this week?",  # the sentence's own time
    ],
)
def test_self_contained_questions_point_at_nothing(question):
    assert unresolved_reference(question, "", "en") == ""
    assert not [d for d in descriptions(question) if d in {"battle", "country"}]


def test_the_conversation_resolves_a_reference():
    assert unresolved_reference("When did that mission launch?", "", "en") == "mission"
    history = "Tell me about the Apollo 11 mission. It landed on the moon in 1969."
    assert unresolved_reference("When did that mission launch?", history, "en") == ""
    assert references("When did the mission launch?", history, "en") == []
    assert unresolved_reference("Did it win any awards?", "Tell me about Dune", "en") == ""
    question = "Does the lender make money in this kind of transaction?"
    assert unresolved_reference(question, "How does a lending transaction work?", "en") == ""


def test_look_alike_words_do_not_resolve_a_reference():
    assert "animal" in descriptions("Where does the animal live?", "an animated film")
    assert "animal" not in descriptions("Where does the animal live?", "Animals in Kenya")


@pytest.mark.parametrize(
    ("question", "language", "thing"),
    [
        ("Heeft deze bibliotheek een parkeerplaats?", "nl", "bibliotheek"),
        ("Hat diese Bibliothek einen Parkplatz?", "de", "bibliothek"),
        ("Hoe stuur ik het terug?", "nl", "?"),
        ("Waar vind ik het?", "nl", "?"),
    ],
)
def test_other_languages(question, language, thing):
    assert unresolved_reference(question, "", language) == thing


def test_dutch_het_before_a_noun_is_an_article():
    assert unresolved_reference("Hoe stuur ik het pakket terug?", "", "nl") == ""
    assert unresolved_reference("Hoe zit het met spam?", "", "nl") == ""
    assert unresolved_reference("Hoe stuur ik het terug?", "Mijn fiets is kapot", "nl") == ""
    assert "acteur" in descriptions("Wat is de rol van de acteur?", language="nl")


def test_german_descriptions_are_not_told_from_names():
    # every German noun is capitalised: only demonstratives, pronouns and the conversation count
    assert references("Wann endete der Krieg?", "", "de") == []


def test_a_phrase_of_names_is_a_name():
    assert references("How did it grow in the United States?", "Tell me about Chipotle", "en") == []


def test_a_noun_the_question_also_writes_as_a_label_is_that_label():
    question = "Change how long to wait before locking the screen in the Screen Lock settings."
    assert "screen" not in descriptions(question)


def test_the_sentence_nouns_are_the_question_language_s_own():
    # German "Tag" (day) is the sentence's own time in German only: an English tag is a thing
    assert unresolved_reference("What does this tag mean?", "", "en") == "tag"
    assert unresolved_reference("Was passiert an diesem Tag?", "", "de") == ""
    assert unresolved_reference("Is this kind of tag allowed?", "", "en") == "kind of tag"


def test_an_of_phrase_of_names_narrows_a_description_without_closing_it():
    # "the season of Grey's Anatomy" is one of that show's seasons: the passages judge which
    refs = references("When did the season of Grey’s Anatomy premiere?", "", "en")
    assert refs == [Reference("season", False, names=("grey", "anatomy"), phrase=("season",))]
    assert descriptions("Who won the battle of Bull Run?") == ["battle"]


def test_a_possessive_keeps_the_possessed_noun():
    assert descriptions("What is the origin of the animal’s breed?") == ["breed", "animal"]


def test_a_plural_in_ies_resolves_its_singular():
    history = "Several countries built walls after the war."
    assert "country" in descriptions("What was the population of the country?")
    assert "country" not in descriptions("What was the population of the country?", history)
    assert unresolved_reference("Which ports does this country use?", history, "en") == ""
