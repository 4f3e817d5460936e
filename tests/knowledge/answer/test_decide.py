from knowledge.answer.decide import decide

from .conftest import PASSWORD_EN, REFUND_EN, make_hit


def test_answers_when_best_passage_covers_the_question(config):
    hits = [make_hit("Reset your password", PASSWORD_EN, 0.71), make_hit("Refunds", REFUND_EN, 0.4)]
    v = decide("How do I reset my password?", hits, language="en", config=config)
    assert v.kind == "answer"
    assert [h.chunk.title for h in v.hits] == ["Reset your password"]
    assert v.coverage == 1.0


def test_hands_off_when_nothing_relevant_exists(config):
    hits = [make_hit("Refunds", REFUND_EN, 0.12)]
    v = decide("Do you sell gift cards?", hits, language="en", config=config)
    assert (v.kind, v.reason) == ("handoff", "no_relevant_content")
    assert decide("Do you sell gift cards?", [], language="en", config=config).kind == "handoff"


def test_hands_off_when_key_terms_are_not_covered(config):
    hits = [make_hit("Refunds", REFUND_EN, 0.45)]
    v = decide(
        "What is the hourly salary of a warehouse worker?", hits, language="en", config=config
    )
    assert (v.kind, v.reason) == ("handoff", "not_covered")


def test_high_score_answers_despite_low_coverage(config):
    hits = [make_hit("Refunds", REFUND_EN, 0.8)]
    v = decide("When do I get my money back?", hits, language="en", config=config)
    assert v.kind == "answer"


def test_clarifies_between_distinct_topics_with_close_scores(config):
    hits = [
        make_hit("Reset your password", PASSWORD_EN, 0.52),
        make_hit("Reset your router", "Hold the reset button for 10 seconds.", 0.51),
        make_hit("Refunds", REFUND_EN, 0.2),
    ]
    v = decide(
        "How do I reset it all?", hits, language="en", config=config, history_text="earlier talk"
    )
    assert v.kind == "clarify"
    assert v.reason == "ambiguous_topics"
    assert v.options == ("Reset your password", "Reset your router")


def test_same_topic_chunks_are_not_ambiguous(config):
    hits = [
        make_hit("Reset your password", PASSWORD_EN, 0.52),
        make_hit("Reset your password", "The reset link expires after 24 hours.", 0.515),
    ]
    v = decide("How do I reset my password?", hits, language="en", config=config)
    assert v.kind == "answer"
    assert len(v.hits) == 2


def test_one_page_crawled_under_two_urls_is_no_choice(config):
    copy = make_hit("Reset your password (print view)", PASSWORD_EN, 0.519)
    router = make_hit("Reset your router", "Hold the reset button for 10 seconds.", 0.51)
    hits = [make_hit("Reset your password", PASSWORD_EN, 0.52), copy, router]
    v = decide(
        "How do I reset it all?", hits, language="en", config=config, history_text="earlier talk"
    )
    # the copy neither ties nor makes a button of its own; the router page still does
    assert v.options == ("Reset your password", "Reset your router")
    alone = decide("How do I reset my password?", hits[:2], language="en", config=config)
    assert alone.kind == "answer"


def test_clarifies_a_reference_the_conversation_never_named(config):
    hits = [make_hit("Library opening hours", "The library opens at 9.", 0.5)]
    v = decide("What facilities does this library offer?", hits, language="en", config=config)
    assert (v.kind, v.reason, v.referent) == ("clarify", "unresolved_reference", "library")
    # named earlier: no clarification needed
    v = decide(
        "What facilities does this library offer?",
        hits,
        language="en",
        config=config,
        history_text="Tell me about the Monterey Park library",
    )
    assert v.reason != "unresolved_reference"


def test_clarifies_when_too_little_to_go_on(config):
    hits = [make_hit("Refunds", REFUND_EN, 0.5)]
    v = decide("Can you help me?", hits, language="en", config=config)
    assert (v.kind, v.reason) == ("clarify", "too_little_to_go_on")


def test_hands_off_after_max_clarifications(config):
    hits = [make_hit("A topic", "alpha text", 0.52), make_hit("B topic", "beta text", 0.51)]
    first = decide("topic?", hits, language="en", config=config, clarifications=1, history_text="x")
    assert first.kind == "clarify"
    second = decide(
        "topic?", hits, language="en", config=config, clarifications=2, history_text="x"
    )
    assert (second.kind, second.reason) == ("handoff", "clarification_failed")


def test_a_reply_that_leads_nowhere_is_asked_again_then_handed_off(config):
    nothing = [make_hit("Refunds", REFUND_EN, 0.1)]
    again = decide(
        "How do I reset it? the blue thing",
        nothing,
        language="en",
        config=config,
        clarifications=1,
        history_text="How do I reset it?",
    )
    assert (again.kind, again.reason) == ("clarify", "still_unclear")
    last = decide(
        "How do I reset it? the blue thing no idea",
        nothing,
        language="en",
        config=config,
        clarifications=2,
        history_text="How do I reset it?",
    )
    assert (last.kind, last.reason) == ("handoff", "clarification_failed")


def test_chosen_topic_settles_ambiguity(config):
    hits = [make_hit("Reset your password", PASSWORD_EN, 0.52)]
    v = decide(
        "How do I reset it? Reset your password",
        hits,
        language="en",
        config=config,
        clarifications=1,
        chosen_topic=True,
    )
    assert v.kind == "answer"


def test_cross_language_hits_rely_on_score(config):
    hits = [make_hit("Reset your password", PASSWORD_EN, 0.5)]
    v = decide("Hoe stel ik mijn wachtwoord opnieuw in?", hits, language="nl", config=config)
    assert v.kind == "answer"
    assert v.coverage is None


def test_a_reference_the_content_settles_is_answered(config):
    plan = make_hit("The Flex plan", "Flex costs 49 euro a month.", 0.86)
    v = decide("What does this plan cost?", [plan], language="en", config=config)
    assert v.kind == "answer"
    other = make_hit("The Family plan", "Family costs 89 euro a month.", 0.85)
    v = decide("What does this plan cost?", [plan, other], language="en", config=config)
    assert (v.kind, v.options) == ("clarify", ("The Flex plan", "The Family plan"))


def test_a_reply_to_our_follow_up_is_not_asked_about_its_wording_again(config):
    hits = [
        make_hit("Tom Hanks", "Tom Hanks is an American actor. He trains with a coach.", 0.85),
        make_hit("Meryl Streep", "Meryl Streep is an American actor. She swims daily.", 0.70),
    ]
    question = "What is the actor's fitness routine?"
    first = decide(question, hits, language="en", config=config)
    assert (first.kind, first.referent) == ("clarify", "actor")
    second = decide(
        f"{question} Tom Hanks",
        hits,
        language="en",
        config=config,
        clarifications=1,
        history_text=question,
    )
    assert second.kind == "answer"


def test_vector_evidence_ignores_the_relative_keyword_boost(config):
    from dataclasses import replace

    from knowledge.types import SearchHit

    base = make_hit("Refunds", REFUND_EN, 0.0)
    # keyword half maxed out because it is the query's best BM25 match, vector weak
    hit = SearchHit(chunk=base.chunk, score=0.55, vector_score=0.1, keyword_score=1.0)
    question = "When are refunds paid for salaries?"
    assert decide(question, [hit], language="en", config=config).kind == "answer"
    vector = replace(config, evidence="vector")
    v = decide(question, [hit], language="en", config=vector)
    assert (v.kind, v.reason) == ("handoff", "no_relevant_content")


def test_relevant_content_in_the_visitors_language_wins_over_a_better_translation(config):
    from .conftest import PASSWORD_NL

    hits = [
        make_hit("Reset your password", PASSWORD_EN, 0.6),
        make_hit("Wachtwoord opnieuw instellen", PASSWORD_NL, 0.5, lang="nl"),
    ]
    v = decide("Hoe stel ik mijn wachtwoord opnieuw in?", hits, language="nl", config=config)
    assert v.kind == "answer"
    assert [h.chunk.language for h in v.hits] == ["nl"]


def test_titles_that_all_name_the_question_and_more_are_asked_about(config):
    from dataclasses import replace

    # further apart than the score-tie rule's margin (0.03), within the title rule's
    ties = replace(config, title_tie_margin=0.1)
    order = make_hit("Cancel or change an order", "Cancel an order in My account.", 0.70)
    sub = make_hit("Pause or cancel your subscription", "Cancel with a month's notice.", 0.64)
    far = make_hit("Cancel your newsletter", "Unsubscribe at the bottom of any mail.", 0.50)
    v = decide("How do I cancel?", [order, sub, far], language="en", config=ties)
    assert (v.kind, v.reason) == ("clarify", "ambiguous_topics")
    assert v.options == ("Cancel or change an order", "Pause or cancel your subscription")
    # the question tells them apart
    v = decide("How do I cancel my order?", [order, sub], language="en", config=ties)
    assert (v.kind, [h.chunk.title for h in v.hits]) == ("answer", ["Cancel or change an order"])
    # off by default, and a button choice settles it
    assert decide("How do I cancel?", [order, sub], language="en", config=config).kind == "answer"
    v = decide(
        "How do I cancel? Cancel or change an order",
        [order],
        language="en",
        config=ties,
        clarifications=1,
        chosen_topic=True,
    )
    assert v.kind == "answer"


def test_a_title_that_says_no_more_than_the_question_is_its_exact_match(config):
    from dataclasses import replace

    ties = replace(config, title_tie_margin=0.1)
    exact = make_hit("Privacy", "We never sell your data.", 0.70)
    wider = make_hit("Privacy and cookies", "We use two cookies.", 0.65)
    v = decide("Privacy", [exact, wider], language="en", config=ties)
    assert (v.kind, v.hits[0].chunk.title) == ("answer", "Privacy")


def test_a_one_word_remark_with_nothing_relevant_is_asked_about_not_handed_off(config):
    nothing = [make_hit("Refunds", REFUND_EN, 0.1)]
    for text in ("ok cool", "thanks a bunch"):
        v = decide(text, nothing, language="en", config=config, history_text="earlier answer")
        assert (v.kind, v.reason) == ("clarify", "too_little_to_go_on"), text
    v = decide("Do you sell gift cards?", nothing, language="en", config=config)
    assert (v.kind, v.reason) == ("handoff", "no_relevant_content")


def test_a_pronoun_follow_up_that_finds_nothing_gets_one_question_not_a_handoff(config):
    nothing = [make_hit("Refunds", REFUND_EN, 0.1)]
    earlier = "Tell me about the Voyager mission. Voyager 1 launched in 1977."
    for text, lang in (
        ("Did it receive any awards?", "en"),
        ("How can we enhance its performance?", "en"),
        ("Heeft hij ooit een prijs gewonnen?", "nl"),
    ):
        v = decide(text, nothing, language=lang, config=config, history_text=earlier)
        assert (v.kind, v.rule) == ("clarify", "lost_reference"), text
    # a follow-up that names its subject is a gap; after our question, reply_still_unclear
    v = decide(
        "Do you sell gift cards?", nothing, language="en", config=config, history_text=earlier
    )
    assert (v.kind, v.rule) == ("handoff", "nothing_relevant")
    v = decide(
        "Did it receive any awards?",
        nothing,
        language="en",
        config=config,
        history_text=earlier,
        clarifications=1,
    )
    assert v.rule == "reply_still_unclear"


def test_content_in_another_language_has_its_own_floor(config):
    from dataclasses import replace

    hits = [make_hit("Reset your password", PASSWORD_EN, 0.28)]  # below min_score 0.3
    question = "Hoe stel ik mijn wachtwoord opnieuw in?"
    assert decide(question, hits, language="nl", config=config).kind == "handoff"
    lower = replace(config, cross_language_min_score=0.25)
    assert decide(question, hits, language="nl", config=lower).kind == "answer"
    # same-language content keeps the ordinary floor
    nl = [make_hit("Wachtwoord", "Klik op Wachtwoord vergeten.", 0.28, lang="nl")]
    assert decide(question, nl, language="nl", config=lower).kind == "handoff"


def test_without_content_in_the_visitors_language_the_fallback_language_is_quoted(config):
    from dataclasses import replace

    from .conftest import PASSWORD_NL

    hits = [
        make_hit("Wachtwoord opnieuw instellen", PASSWORD_NL, 0.6, lang="nl"),
        make_hit("Reset your password", PASSWORD_EN, 0.5),
    ]
    question = "Comment réinitialiser mon mot de passe ?"
    v = decide(question, hits, language="fr", config=config)
    assert [h.chunk.language for h in v.hits] == ["en"]
    v = decide(question, hits, language="fr", config=replace(config, fallback_languages=()))
    assert [h.chunk.language for h in v.hits] == ["nl"]  # the best match


def test_fallback_languages_from_yaml_are_a_tuple():
    from knowledge.answer.config import AnswerConfig

    assert AnswerConfig.from_mapping({"fallback_languages": ["en", "de"]}).fallback_languages == (
        "en",
        "de",
    )
    assert AnswerConfig.from_mapping({"fallback_languages": "en"}).fallback_languages == ("en",)
    assert AnswerConfig.from_mapping({"fallback_languages": None}).fallback_languages == ()


def test_a_description_is_asked_about_when_the_passages_know_several_of_its_kind(config):
    question = "What help was offered after the hurricane's impact?"
    katrina = make_hit("Hurricane Katrina", "Hurricane Katrina hit Louisiana; FEMA sent aid.", 0.8)
    gloria = make_hit("Hurricane Gloria", "Hurricane Gloria closed schools on Long Island.", 0.7)
    v = decide(question, [katrina, gloria], language="en", config=config)
    assert (v.kind, v.reason, v.referent) == ("clarify", "unresolved_reference", "hurricane")
    assert decide(question, [katrina], language="en", config=config).kind == "answer"
    named = "What help was offered after Hurricane Katrina's impact?"
    assert decide(named, [katrina, gloria], language="en", config=config).kind == "answer"


def test_a_help_centre_description_of_the_one_thing_is_answered(config):
    hits = [make_hit("Reset your password", PASSWORD_EN, 0.71), make_hit("Refunds", REFUND_EN, 0.4)]
    v = decide("How do I reset the password?", hits, language="en", config=config)
    assert v.kind == "answer"
