"""Several named things behind a description in the top passages: the content half."""

from knowledge.answer.entities import named_instances, open_reference
from knowledge.answer.referents import Reference, references

KATRINA = "Hurricane Katrina\nHurricane Katrina was a large hurricane that hit Louisiana in 2005."
GLORIA = "Hurricane Gloria\nHurricane Gloria made landfall on Long Island in 1985."
IN_N_OUT = (
    "In-N-Out Burger\nIn-N-Out Burger is an American regional chain of fast food restaurants."
)
MCDONALDS = "McDonald's\nMcDonald's is an American fast food chain founded in 1940."
PASSWORD = "Reset your password\nOpen Settings, click Change Password, then Set Password."
LIBRARY = "Services\nThe California State Library lends park passes. Library hours are 9 to 5."


def test_names_next_to_the_noun_and_definitions_are_instances():
    assert set(named_instances("hurricane", [KATRINA, GLORIA], "en")) == {"katrina", "gloria"}
    assert set(named_instances("chain", [IN_N_OUT, MCDONALDS], "en")) == {
        "in n out burger",
        "mcdonald",
    }
    assert named_instances("library", [LIBRARY], "en") == ["california state"]


def test_names_of_one_passage_are_one_thing():
    # a page naming its own buttons is still about one password
    assert len(named_instances("password", [PASSWORD], "en")) == 1
    assert not named_instances("password", ["You can reset your password on the login page."], "en")


def test_the_names_the_question_gives_narrow_the_instances():
    assert named_instances("chain", [IN_N_OUT, MCDONALDS], "en", given=["McDonald's"]) == [
        "mcdonald"
    ]


def test_a_description_is_open_only_when_the_passages_know_several():
    refs = references("What did the state do about the hurricane's impact?", "", "en")
    assert open_reference(refs, [KATRINA, GLORIA], "en") == "hurricane"
    assert open_reference(refs, [KATRINA], "en") == ""
    assert open_reference(refs, [KATRINA, GLORIA], "en", descriptions=False) == ""
    own = references("How do I reset the password?", "", "en")
    assert open_reference(own, [PASSWORD, LIBRARY], "en") == ""


def test_a_pointing_reference_is_open_whatever_the_passages_say():
    assert open_reference([Reference("library", pointing=True)], [], "en") == "library"


def test_german_names_are_not_guessed():
    assert named_instances("hurrikan", ["Der Hurrikan Katrina traf Louisiana."], "de") == []


def test_a_phrase_the_passages_write_as_a_name_is_that_thing():
    first = "First Battle of Bull Run\nThe First Battle of Bull Run was fought in 1861."
    second = "Second Battle of Bull Run\nThe Second Battle of Bull Run was fought in 1862."
    refs = references("who won the battle of the bull run", "", "en")
    assert open_reference(refs, [first, second], "en") == ""
    shiloh = "Battle of Shiloh\nThe Battle of Shiloh was fought in 1862."
    refs = references("Who won the battle?", "", "en")
    assert open_reference(refs, [first, shiloh], "en") == "battle"
