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


def test_title_cased_page_titles_name_kinds_of_the_noun():
    purchase = "Purchase Loan | Veterans Affairs\nYou can get a VA-backed purchase loan."
    home = "How To Request A VA Home Loan Certificate\nYou need a certificate for the loan."
    refs = references("What documentation is needed to apply for the loan?", "", "en")
    assert "purchase" in named_instances("loan", [purchase, home], "en")  # an ordinary word
    assert open_reference(refs, [purchase, home], "en") == "loan"
    assert open_reference(refs, [purchase], "en") == ""


def test_sentence_case_titles_name_no_kind():
    laptop = "Get the most out of your laptop battery\nDo not let the battery charge get too low."
    life = "Use less power and improve battery life\nDim the screen to save the battery."
    refs = references("How long does the battery last?", "", "en")
    assert open_reference(refs, [laptop, life], "en") == ""


def test_numbered_titles_under_the_name_the_question_gives_are_several():
    seventh = "Grey's Anatomy (season 7)\nThe seventh season of Grey's Anatomy premiered in 2010."
    tenth = "Grey's Anatomy (season 10)\nThe tenth season of Grey's Anatomy premiered in 2013."
    other = "Friends (season 3)\nThe third season of Friends aired in 1996."
    refs = references("When did the season of Grey's Anatomy premiere?", "", "en")
    assert open_reference(refs, [seventh, tenth], "en") == "season"
    assert open_reference(refs, [seventh, other], "en") == ""  # one season of that show


def test_the_possessed_noun_is_judged_by_the_passages_too():
    shepherd = "German Shepherd\nThe German Shepherd is a breed of working dog from Germany."
    collie = "Border Collie\nThe Border Collie is a herding dog breed from Scotland."
    refs = references("What is the origin of the animal’s breed?", "", "en")
    assert open_reference(refs, [shepherd, collie], "en") == "breed"
    assert open_reference(refs, [shepherd], "en") == ""
