"""The underspecification signal: each rule, its guards, and the languages it speaks."""

import pytest

from knowledge.answer.referents import unresolved_reference


@pytest.mark.parametrize(
    ("question", "thing"),
    [
        ("What is the actor's approach to fitness?", "actor"),
        ("How did the author get so famous?", "author"),
        ("What sporting events are hosted in the country's stadium?", "country"),
        ("When did the hurricanes hit the coast?", "hurricane"),
        ("What facilities does this library provide?", "library"),
        ("Which ports do these routers use?", "routers"),
    ],
)
def test_unnamed_things_are_found(question, thing):
    assert unresolved_reference(question, "", "en") == thing


@pytest.mark.parametrize(
    "question",
    [
        "Who is the actor Tom Hanks married to?",  # named right after
        "Who won the battle of Bull Run?",  # restricted by an of-phrase
        "Do you ship to the country I live in?",  # the visitor's own
        "What is the country code for Belgium?",  # a modifier, not a thing
        "Who founded the McDonald's franchise?",  # named inside the phrase
        "Add a contact to the address book",  # a compound, not a book
        "The menu is the icon on the top bar that looks like a person.",  # a relative clause
        "Open files with an app that isn't the default.",
        "Some accounts offer several services; you choose which of those services to use.",
        "Is that true?",
        "What is that, exactly?",
        "Is this intended for professionals?",
        "How do I reset my password if I forgot it?",  # the antecedent is in the question
        "Is it possible to pay with PayPal?",  # no referent at all
        "How do I contact the company?",  # a business's own nouns are not ambiguous
        "Does the app work offline?",
        "Can the team see my invoices?",
    ],
)
def test_named_or_self_contained_questions_are_left_alone(question):
    assert unresolved_reference(question, "", "en") == ""


def test_the_conversation_resolves_a_reference():
    assert unresolved_reference("When did that mission launch?", "", "en") == "mission"
    history = "Tell me about the Apollo 11 mission. It landed on the moon in 1969."
    assert unresolved_reference("When did that mission launch?", history, "en") == ""
    assert unresolved_reference("Did it win any awards?", "", "en") == "?"
    assert unresolved_reference("Did it win any awards?", "Tell me about Dune", "en") == ""


def test_a_kind_of_thing_is_resolved_by_the_thing():
    question = "Does the lender make money in this kind of transaction?"
    assert unresolved_reference(question, "", "en") == "kind of transaction"
    history = "How does a peer-to-peer lending transaction work?"
    assert unresolved_reference(question, history, "en") == ""


def test_a_name_inside_a_pointing_phrase_does_not_say_which_one():
    assert unresolved_reference("What was the goal of that NASA mission?", "", "en") == "mission"
    assert unresolved_reference("Who founded the McDonald's franchise?", "", "en") == ""


def test_look_alike_words_do_not_resolve_a_reference():
    assert unresolved_reference("Where does the animal live?", "an animated film", "en") == "animal"
    assert unresolved_reference("Where does the animal live?", "Animals in Kenya", "en") == ""


def test_an_opening_demonstrative_with_nothing_before_it():
    assert unresolved_reference("This is one of few stadiums with a roof.", "", "en") == "?"
    assert unresolved_reference("This is one of few stadiums with a roof.", "Wembley", "en") == ""


@pytest.mark.parametrize(
    ("question", "language", "thing"),
    [
        ("Wat is de rol van de acteur?", "nl", "acteur"),
        ("Heeft deze bibliotheek een parkeerplaats?", "nl", "bibliotheek"),
        ("Wann endete der Krieg?", "de", "krieg"),
        ("Quand la guerre a-t-elle commencé ?", "fr", "guerre"),
        ("¿Cuándo terminó la guerra?", "es", "guerra"),
    ],
)
def test_other_languages(question, language, thing):
    assert unresolved_reference(question, "", language) == thing


def test_the_category_rule_can_be_turned_off():
    question = "Why does the film stop after ten minutes?"
    assert unresolved_reference(question, "", "en") == "film"
    assert unresolved_reference(question, "", "en", categories=False) == ""
    assert unresolved_reference("Does this library open late?", "", "en", categories=False)


def test_dutch_het_is_a_pronoun_when_no_noun_follows():
    assert unresolved_reference("Hoe stuur ik het terug?", "", "nl") == "?"
    assert unresolved_reference("Hoe stuur ik het pakket terug?", "", "nl") == ""
    assert unresolved_reference("Waar vind ik het?", "", "nl") == "?"
    assert unresolved_reference("Hoe zit het met spam?", "", "nl") == ""
    assert unresolved_reference("Hoe stuur ik het terug?", "Mijn fiets is kapot", "nl") == ""


def test_other_languages_leave_self_contained_questions_alone():
    assert unresolved_reference("Werkt de app ook offline?", "", "nl") == ""
    assert unresolved_reference("Hoe vervang ik de band van mijn fiets?", "", "nl") == ""
    assert (
        unresolved_reference("Het pictogram in de balk dat eruit ziet als een persoon", "", "nl")
        == ""
    )
    assert unresolved_reference("Wat is de hoofdstad van Frankrijk?", "", "nl") == ""
    assert (
        unresolved_reference(
            "Hoe stel ik mijn wachtwoord opnieuw in als ik het vergeten ben?", "", "nl"
        )
        == ""
    )
    assert unresolved_reference("Wann endete der Krieg?", "Der Zweite Weltkrieg", "de") == ""
