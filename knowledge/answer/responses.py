"""Domain responses (`bot/domain/*.yml`) rendered in the agent env, as Rasa would render them.

Why: the wording a visitor reads for a handoff lives only in the domain (conversation designers
edit it there, Rasa's NLG utters it). The `ask` CLI and the eval must show that same text, and
they run without Rasa, so this reads the same files. Only the `language` slot condition the
domain uses is understood: the variation whose condition names the language, else the
unconditioned one (English), as Rasa picks it.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from knowledge.types import Answer, HandoffReason, handoff_reason

UNAVAILABLE = "utter_handoff_unavailable"


@lru_cache(maxsize=4)
def load_responses(domain_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """Every response of every domain file under `domain_dir` (read once per directory)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(domain_dir.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variations in (data.get("responses") or {}).items():
            found[str(name)] = [v for v in variations or [] if isinstance(v, dict)]
    return found


def _language_of(variation: dict[str, Any]) -> str | None:
    for cond in variation.get("condition") or []:
        if cond.get("type") == "slot" and cond.get("name") == "language":
            return str(cond.get("value"))
    return None


def render(name: str, language: str, domain_dir: Path | None = None) -> str:
    """The text of response `name` for a visitor speaking `language`."""
    if domain_dir is None:
        from knowledge.settings import get_settings

        domain_dir = get_settings().bot_dir / "domain"
    variations = load_responses(domain_dir).get(name)
    if not variations:
        raise KeyError(f"no response {name!r} in {domain_dir}")
    chosen = next((v for v in variations if _language_of(v) == language), None)
    chosen = chosen or next((v for v in variations if not v.get("condition")), variations[0])
    return str(chosen.get("text") or "")


def handoff_response(reason: HandoffReason, *, humans_reachable: bool) -> str:
    """The response `action_handoff` utters: the reason's wording when a person will take
    over, else the "nobody is available" reply (never promise a human nobody will see)."""
    return f"utter_handoff_{reason}" if humans_reachable else UNAVAILABLE


def humans_reachable() -> bool:
    """Whether a handoff reaches people: handoff mode `slack` with Slack configured."""
    from knowledge.profile import get_profile
    from knowledge.settings import get_settings

    return get_profile().handoff_mode == "slack" and get_settings().slack_configured


def as_visitor_sees(answer: Answer, domain_dir: Path | None = None) -> Answer:
    """`answer` with the text the visitor would read (a handoff's domain response)."""
    if answer.kind != "handoff":
        return answer
    name = handoff_response(handoff_reason(answer.reason), humans_reachable=humans_reachable())
    return replace(answer, text=render(name, answer.language, domain_dir))
