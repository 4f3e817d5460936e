"""`SmallTalkGuard`: a question is never swallowed by a small-talk intent.

Why: DIET learns small talk and "talk to a human" from a few hundred short examples, and with
character n-grams it also gives those intents to real questions with near certainty: measured on
1,585 questions from the eval sets (help-centre titles and FAQ questions in en/nl, MTRAG-UN
turns), 26 % were classified greet/thank/chitchat/request_human..., so "What will happen if I
exceed the limit?" went straight to a human and "Do you sell gift cards?" got the bot's
self-introduction. Confidence does not separate them (0.94-1.0 on both sides).

What separates them is vocabulary: a greeting, a thank-you or a request for a person is made
(almost) only of words such messages use, while a question names things small talk never does.
At training time the guard records, per guarded intent, the words of its examples; at run time
a message predicted as a guarded intent keeps it only when at least `min_known_share` of its
words are known to that intent (exactly, or by their first `prefix` letters for inflections:
"bedankt"/"bedanken"); otherwise it becomes `question_intent` and goes to the knowledge action.

The guard is also the one place a request for a person is recognised beyond DIET's examples: a
message that names a person and asks for one (`wants_human`: "can I talk to someone about my
invoice?", "ich möchte mit einem Mitarbeiter über meine Rechnung sprechen") is `human_intent`
whatever DIET predicted, so it reaches `action_handoff` by the rules in data/rules/handoff.yml;
the answer chain never second-guesses it.

Runs after the intent classifier and before `FallbackClassifier` (config.yml).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

log = logging.getLogger(__name__)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+", re.UNICODE)
_FILE = "small_talk_vocabulary.json"
_HUMAN = re.compile(
    r"\b(human|real person|person|agent|operator|representative|someone|somebody|staff|"
    r"mens|medewerker|iemand|persoon|mensen|"
    r"mensch|menschen|mitarbeiter|jemand[a-z]*|"
    r"humain|quelqu'un|conseiller|agent|"
    r"humano|persona|alguien|agente)\b",
    re.IGNORECASE,
)
_ASK_VERB = re.compile(
    r"\b(talk|speak|chat|connect|contact|transfer|want|need|get|give|"
    r"praten|spreken|spreek|verbind|wil|graag|"
    r"sprechen|reden|verbinden|möchte|will|"
    r"parler|veux|voudrais|passer|"
    r"hablar|quiero|pasar|necesito)\b",
    re.IGNORECASE,
)


def words(text: str) -> list[str]:
    """Lower-cased words of a message (punctuation and emoji are no evidence either way)."""
    return [w.lower() for w in _WORD.findall(text)]


def wants_human(text: str) -> bool:
    """An explicit request for a person (a person named and asked for), in en/nl/de/fr/es."""
    return bool(_HUMAN.search(text) and _ASK_VERB.search(text))


def known_share(text: str, vocabulary: set[str], prefixes: set[str], prefix: int) -> float:
    """Share of the message's words that the intent's examples use (1.0 for no words)."""
    found = words(text)
    if not found:
        return 1.0
    hits = sum(w in vocabulary or (len(w) >= prefix and w[:prefix] in prefixes) for w in found)
    return hits / len(found)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class SmallTalkGuard(GraphComponent, IntentClassifier):
    """Re-labels small-talk predictions that carry words small talk never uses as questions."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "question_intent": "ask_question",
            "human_intent": "request_human",
            "unguarded_intents": ["choose_option"],  # a topic title may name a person
            "guarded_intents": [
                "greet",
                "goodbye",
                "thank",
                "affirm",
                "deny",
                "chitchat",
                "request_human",
            ],
            "min_known_share": 0.67,
            "prefix": 5,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocabularies: dict[str, list[str]] | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self._prefix = int(self._config["prefix"])
        self._vocab = {i: set(ws) for i, ws in (vocabularies or {}).items()}
        self._prefixes = {
            i: {w[: self._prefix] for w in ws if len(w) >= self._prefix}
            for i, ws in self._vocab.items()
        }

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SmallTalkGuard:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SmallTalkGuard:
        try:
            with model_storage.read_from(resource) as path:
                vocab = json.loads((path / _FILE).read_text(encoding="utf-8"))
        except (ValueError, OSError):
            log.warning("SmallTalkGuard has no trained vocabulary: every prediction is kept")
            vocab = None
        return cls(config, model_storage, resource, vocab)

    def train(self, training_data: TrainingData) -> Resource:
        guarded = set(self._config["guarded_intents"])
        vocab: dict[str, set[str]] = {i: set() for i in guarded}
        for example in training_data.intent_examples:
            intent = example.get(INTENT)
            if intent in guarded:
                vocab[intent].update(words(example.get(TEXT) or ""))
        with self._storage.write_to(self._resource) as path:
            data = {i: sorted(ws) for i, ws in vocab.items()}
            (path / _FILE).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            name = intent.get(INTENT_NAME_KEY)
            text = message.get(TEXT) or ""
            if name not in self._config["unguarded_intents"] and wants_human(text):
                self._set(message, str(self._config["human_intent"]), 1.0, keep_others=False)
                continue
            if name not in self._vocab or not self._vocab[name]:
                continue
            share = known_share(text, self._vocab[name], self._prefixes[name], self._prefix)
            if share >= float(self._config["min_known_share"]):
                continue
            confidence = float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
            self._relabel(message, name, share, confidence)
        return messages

    def _relabel(self, message: Message, name: str, share: float, confidence: float) -> None:
        log.debug(
            "small talk re-labelled as a question",
            extra={"intent": name, "known_share": round(share, 2)},
        )
        self._set(message, str(self._config["question_intent"]), confidence, keep_others=True)

    @staticmethod
    def _set(message: Message, intent: str, confidence: float, *, keep_others: bool) -> None:
        """Make `intent` the prediction. A pattern-matched request for a person is certain and
        stands alone in the ranking, so `FallbackClassifier` does not turn it into a fallback."""
        message.set(
            INTENT,
            {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: confidence},
            add_to_output=True,
        )
        others = (message.get(INTENT_RANKING_KEY) or []) if keep_others else []
        ranking = [r for r in others if r.get(INTENT_NAME_KEY) != intent]
        ranking.insert(0, {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: confidence})
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
