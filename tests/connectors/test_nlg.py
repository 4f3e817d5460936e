"""The Rasa server's response generator: the persona in canned replies, the payload on each."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from rasa.core.nlg import NaturalLanguageGenerator
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from connectors import settings
from connectors.nlg import PersonaNLG

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.load(str(ROOT / "bot" / "domain"))


def render(nlg: Any, action: str, language: str | None, **kwargs: Any) -> dict[str, Any]:
    tracker = DialogueStateTracker.from_events("visitor", [], slots=DOMAIN.slots)
    if language:
        tracker.update(SlotSet("language", language))
    out = asyncio.run(nlg.generate(action, tracker, "rest", **kwargs))
    assert out is not None
    return out


def use_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    (tmp_path / "agent_profile.yml").write_text(text)
    monkeypatch.setenv("CUSTOMER_AGENT_BOT_DIR", str(tmp_path))
    settings.get_settings.cache_clear()
    settings.profile.cache_clear()


def test_endpoints_yml_configures_the_persona_generator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUSTOMER_AGENT_ACTION_URL", "http://127.0.0.1:5055/webhook")
    endpoints = AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.yml"))
    assert isinstance(NaturalLanguageGenerator.create(endpoints.nlg, DOMAIN), PersonaNLG)


EN = "Hi! I'm Ava, Fennoway's AI assistant for customer service. How can I help you today?"
GREETINGS = [
    ("en", EN),
    ("nl", "Hallo! Ik ben Ava, de AI-assistent van Fennoway voor klantenservice. "
     "Waarmee kan ik je helpen?"),
    ("de", "Hallo! Ich bin Ava, die KI-Assistenz von Fennoway für den Kundenservice. "
     "Wie kann ich helfen?"),
    ("fr", "Bonjour ! Je suis Ava, l'assistant IA de Fennoway pour le service client. "
     "Comment puis-je vous aider ?"),
    ("es", "¡Hola! Soy Ava, el asistente de IA de Fennoway para atención al cliente. "
     "¿En qué puedo ayudarte?"),
    (None, EN),
]  # fmt: skip


@pytest.mark.parametrize(("language", "greeting"), GREETINGS)
def test_the_greeting_names_the_agent_and_company_in_every_language(
    language: str | None, greeting: str
) -> None:
    out = render(PersonaNLG(domain=DOMAIN), "utter_greet", language)
    assert out["text"] == greeting
    assert out["custom"] == {
        "kind": "greet",
        "sources": [],
        "language": language or "en",
        "options": [],
    }


def test_sign_off_and_self_description_follow_the_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_profile(
        tmp_path,
        monkeypatch,
        "name: Noor\nrole: sales representative\npersonality: professional\n",
    )
    nlg = PersonaNLG(domain=DOMAIN)
    assert render(nlg, "utter_greet", "nl")["text"] == (
        "Goedendag. Ik ben Noor, een AI-assistent voor verkoop. Waarmee kan ik u van dienst zijn?"
    )
    assert render(nlg, "utter_goodbye", "de")["text"] == (
        "Vielen Dank für Ihren Besuch. Auf Wiedersehen. – Noor"
    )
    chit = render(nlg, "utter_chitchat", "fr")
    assert chit["text"].startswith("Je suis Noor, un assistant IA pour les ventes. Je réponds")
    assert chit["custom"]["kind"] == "smalltalk" and chit["custom"]["language"] == "fr"


def test_every_canned_reply_carries_the_payload_and_caller_values_win() -> None:
    nlg = PersonaNLG(domain=DOMAIN)
    for action in DOMAIN.responses:
        out = render(nlg, action, "es", agent_name="Sam", next_open="09:00")
        custom = out["custom"]
        assert {"kind", "sources", "language", "options"} <= set(custom), action
        assert custom["language"] == "es", action
        assert "{" not in out.get("text", ""), (action, out.get("text"))
    joined = render(nlg, "utter_agent_joined", "en", agent_name="Sam")
    assert joined["text"].startswith("Sam ")
    assert render(nlg, "utter_default", "nl")["custom"]["kind"] == "error"
