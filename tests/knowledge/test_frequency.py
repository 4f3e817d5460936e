from knowledge.language.frequency import specificity, zipf


def test_common_words_are_not_specific_and_rare_ones_are():
    assert specificity("sure", "en") < 0.2
    assert specificity("kunnen", "nl") == 0.0
    assert specificity("brightness", "en") > 0.9
    assert specificity("helderheid", "nl") > 0.8
    # in between, ordered by how common the word is in the language at large
    assert specificity("change", "en") < specificity("screen", "en") < specificity("password", "en")


def test_unknown_words_names_and_numbers_are_fully_specific():
    assert specificity("xq9-fjord", "en") == 1.0
    assert specificity("2fa", "en") == 1.0
    assert zipf("zzyzzqx", "en") == 0.0


def test_a_language_without_a_table_leaves_the_corpus_to_decide():
    assert zipf("hello", "xx") is None
    assert specificity("hello", "xx") == 1.0
