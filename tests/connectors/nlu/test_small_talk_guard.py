"""SmallTalkGuard: trained on real Rasa training data, persisted and loaded through Rasa's model
storage, then fed messages the way the NLU pipeline does (intent already predicted by DIET)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message

from connectors.nlu.small_talk_guard import SmallTalkGuard, known_share, wants_human

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def guard(tmp_path_factory: pytest.TempPathFactory) -> SmallTalkGuard:
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    resource = Resource("small_talk_guard")
    context = ExecutionContext(GraphSchema({}), "test")
    untrained = SmallTalkGuard.create({}, storage, resource, context)
    untrained.train(load_data(str(ROOT / "data" / "nlu")))
    return SmallTalkGuard.load({}, storage, resource, context)


def predicted(text: str, intent: str, confidence: float = 0.99) -> Message:
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": confidence}, add_to_output=True)
    message.set(
        "intent_ranking",
        [{"name": intent, "confidence": confidence}, {"name": "ask_question", "confidence": 0.01}],
        add_to_output=True,
    )
    return message


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("What will happen if I exceed the limit?", "request_human"),
        ("Do you sell gift cards?", "chitchat"),
        ("Do you have a shop in Amsterdam?", "goodbye"),
        ("¿Venden tarjetas regalo?", "greet"),
        ("Habt ihr am Sonntag geöffnet?", "request_human"),
        ("MKSYSB", "greet"),
    ],
)
def test_a_question_predicted_as_small_talk_becomes_a_question(guard, text, intent):
    [message] = guard.process([predicted(text, intent)])
    assert message.get("intent")["name"] == "ask_question"
    assert message.get("intent")["confidence"] == pytest.approx(0.99)
    assert message.get("intent_ranking")[0]["name"] == "ask_question"
    assert [r["name"] for r in message.get("intent_ranking")].count("ask_question") == 1


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("hello!", "greet"),
        ("thank you so much", "thank"),
        ("super, dank je wel!", "thank"),  # not a training example verbatim
        ("I want to talk to a human", "request_human"),
        ("kan ik iemand spreken?", "request_human"),
        ("ich möchte einen Mitarbeiter sprechen", "request_human"),
        ("are you a bot?", "chitchat"),
        ("👍", "affirm"),  # no words: no evidence against the prediction
    ],
)
def test_real_small_talk_keeps_its_intent(guard, text, intent):
    [message] = guard.process([predicted(text, intent)])
    assert message.get("intent")["name"] == intent


def test_question_and_unguarded_intents_are_left_alone(guard):
    [question, option] = guard.process(
        [
            predicted("hello there", "ask_question"),
            predicted("the one about passwords", "choose_option"),
        ]
    )
    assert question.get("intent")["name"] == "ask_question"
    assert option.get("intent")["name"] == "choose_option"


def test_an_untrained_guard_keeps_every_prediction(tmp_path):
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    guard = SmallTalkGuard.load({}, storage, Resource("never_trained"), context)
    [message] = guard.process([predicted("Do you sell gift cards?", "chitchat")])
    assert message.get("intent")["name"] == "chitchat"


def test_known_share_counts_inflections_by_prefix():
    vocab = {"bedankt", "thanks"}
    prefixes = {"bedan", "thank"}
    assert known_share("bedanken!", vocab, prefixes, 5) == 1.0
    assert known_share("thanks for the refund policy", vocab, prefixes, 5) == 0.2
    assert known_share("?!", vocab, prefixes, 5) == 1.0


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("can I talk to someone about my invoice?", "request_human"),  # unknown words: kept
        ("can I talk to someone about my invoice?", "ask_question"),
        ("kan ik een medewerker spreken over mijn factuur?", "ask_question"),
        ("ich möchte mit einem Mitarbeiter über meine Rechnung sprechen", "chitchat"),
        ("je voudrais parler à un conseiller de ma facture", "ask_question"),
        ("quiero hablar con una persona sobre mi pedido", "greet"),
    ],
)
def test_a_request_for_a_person_is_recognised_whatever_diet_predicted(guard, text, intent):
    [message] = guard.process([predicted(text, intent, confidence=0.4)])
    assert message.get("intent") == {"name": "request_human", "confidence": 1.0}
    # alone in the ranking: FallbackClassifier (threshold, ambiguity) keeps it
    assert message.get("intent_ranking") == [{"name": "request_human", "confidence": 1.0}]


def test_wants_human_needs_a_person_and_a_request():
    for text in (
        "I want to talk to a human",
        "Ik wil een medewerker spreken",
        "Ich möchte mit einem Menschen sprechen",
        "Je veux parler à un humain",
        "Quiero hablar con una persona",
    ):
        assert wants_human(text), text
    assert not wants_human("How do I reset my password?")
    assert not wants_human("Is there staff at the showroom?")  # a person, but not asked for


def test_a_topic_button_naming_a_person_stays_a_choice(guard):
    [option] = guard.process([predicted("Talk to our staff", "choose_option")])
    assert option.get("intent")["name"] == "choose_option"
