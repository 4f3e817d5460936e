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

from connectors.nlu.small_talk_guard import SmallTalkGuard, known_share

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
