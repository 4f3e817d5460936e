from knowledge.answer.terms import coverage, key_terms, stem


def test_short_plural_nouns_count_as_covered():
    assert coverage(["year", "covered"], ["Battery: 2 years. What the warranty covers"]) == 1.0
    assert coverage(["address"], ["Change the delivery address"]) == 1.0
    assert stem("days") == stem("day") and stem("class") == "class"


def test_key_terms_leave_out_question_words_and_stop_words():
    assert key_terms("How do I cancel my order?", "en") == ["cancel", "order"]
    assert key_terms("Hoe annuleer ik mijn bestelling?", "nl") == ["annuleer", "bestelling"]
    assert coverage([], ["anything"]) == 1.0


def test_a_missing_common_word_costs_less_than_a_missing_specific_one():
    passage = ["You can see the constellation Orion in winter."]
    terms = ["able", "constellation"]  # "Am I able to see any constellation?"
    assert coverage(terms, passage) == 0.5  # every term alike
    weighted = coverage(terms, passage, "en")
    assert weighted > 0.75
    # the other way round: the specific term is the one missing
    assert coverage(["able", "nebula"], ["Are you able to log in?"], "en") < 0.25


def test_common_words_still_count_for_something():
    """A reply "the blue thing" to "How do I reset it?" is not covered by the password page."""
    assert (
        coverage(["reset", "blue", "thing"], ["Reset your password: click Forgot password"], "en")
        < 0.6
    )
