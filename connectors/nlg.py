"""The Rasa server's response generator: domain responses + the persona + the reply payload.

Configured in endpoints.yml (`nlg: type: connectors.nlg.PersonaNLG`). It renders the domain's
responses exactly as Rasa's own `TemplatedNaturalLanguageGenerator` does, and adds two things
every canned reply needs, on the Rasa side so they hold even when the action server is down:

- the persona placeholders `{persona_greeting}`, `{persona_goodbye}`, `{persona_self}` and
  `{persona_name}`, built from `bot/agent_profile.yml` in the conversation's language
  (`connectors/common/persona.py`); values passed by the caller win (`utter_agent_joined`
  passes the person's name);
- the `custom` payload (`kind`, `sources` [], `language`, `options` from the buttons) on a
  response that has none, so every bot message has the same shape on every channel
  (docs/architecture.md, "The reply payload").
"""

from __future__ import annotations

from typing import Any

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from connectors.common.persona import persona_values

# responses of the core domain that are not answers: their payload kind
KINDS = {"utter_greet": "greet", "utter_goodbye": "goodbye", "utter_default": "error"}


def kind_of(utter_action: str) -> str:
    return KINDS.get(utter_action, "smalltalk")


class PersonaNLG(TemplatedNaturalLanguageGenerator):
    """`TemplatedNaturalLanguageGenerator` with persona values and a guaranteed payload."""

    def __init__(
        self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None
    ) -> None:
        super().__init__((domain or Domain.empty()).responses)

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        from connectors.settings import profile

        slots = tracker.current_slot_values()
        language = str(slots.get("language") or "en")
        values = {**persona_values(profile(), language), **kwargs}
        response = self.generate_from_slots(utter_action, slots, output_channel, **values)
        if response is None:
            return None
        custom = response.get("custom")
        if not isinstance(custom, dict) or "kind" not in custom:
            buttons = response.get("buttons") or []
            response["custom"] = {
                "kind": kind_of(utter_action),
                "sources": [],
                "language": language,
                "options": [str(b.get("title")) for b in buttons if isinstance(b, dict)],
                **(custom if isinstance(custom, dict) else {}),
            }
        return response
