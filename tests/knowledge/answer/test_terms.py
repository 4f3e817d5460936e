from knowledge.answer.terms import coverage, key_terms, stem


def test_short_plural_nouns_count_as_covered():
    assert coverage(["year", "covered"], ["Battery: 2 years. What the warranty covers"]) == 1.0
    assert coverage(["address"], ["Change the delivery address"]) == 1.0
    assert stem("days") == stem("day") and stem("class") == "class"


def test_key_terms_leave_out_question_words_and_stop_words():
    assert key_terms("How do I cancel my order?", "en") == ["cancel", "order"]
    assert key_terms("Hoe annuleer ik mijn bestelling?", "nl") == ["annuleer", "bestelling"]
    assert coverage([], ["anything"]) == 1.0
