"""The agent profile (`bot/agent_profile.yml`): who the agent is and how it sounds.

Read on first use; it shapes the extractive templates and the generative prompt. A missing or
partial file yields a friendly support agent called "Ava", so a fresh checkout still answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

Role = Literal["customer support", "marketing specialist", "sales representative"]
Personality = Literal["friendly", "professional", "casual", "empathetic", "witty"]
ROLES: tuple[str, ...] = ("customer support", "marketing specialist", "sales representative")
PERSONALITIES: tuple[str, ...] = ("friendly", "professional", "casual", "empathetic", "witty")


@dataclass(frozen=True)
class Profile:
    name: str = "Ava"
    role: str = "customer support"
    personality: str = "friendly"
    brand_voice: str = ""  # free text; when set it replaces the personality in prompts
    avatar_url: str = ""
    sample_questions: dict[str, list[str]] = field(default_factory=dict)
    handoff_mode: str = "slack"
    max_clarifications: int = 2

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> Profile:
        role = str(data.get("role") or cls.role).strip().lower()
        personality = str(data.get("personality") or cls.personality).strip().lower()
        if role not in ROLES:
            raise ValueError(f"agent profile: role must be one of {ROLES}, got {role!r}")
        if personality not in PERSONALITIES:
            raise ValueError(
                f"agent profile: personality must be one of {PERSONALITIES}, got {personality!r}"
            )
        handoff = data.get("handoff") or {}
        max_clar = int(handoff.get("max_clarifications", cls.max_clarifications))
        if max_clar < 0:
            raise ValueError("agent profile: handoff.max_clarifications must be >= 0")
        return cls(
            name=str(data.get("name") or cls.name),
            role=role,
            personality=personality,
            brand_voice=str(data.get("brand_voice") or "").strip(),
            avatar_url=str(data.get("avatar_url") or ""),
            sample_questions={
                str(k): [str(q) for q in v] for k, v in (data.get("sample_questions") or {}).items()
            },
            handoff_mode=str(handoff.get("mode", cls.handoff_mode)),
            max_clarifications=max_clar,
        )


def load_profile(path: Path) -> Profile:
    """Parse the profile YAML; a missing file gives the defaults."""
    if not path.exists():
        return Profile()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping")
    return Profile.from_mapping(data)


@lru_cache(maxsize=1)
def get_profile() -> Profile:
    """The process-wide profile from `<bot_dir>/agent_profile.yml`, read on first call."""
    from knowledge.settings import get_settings

    return load_profile(get_settings().bot_dir / "agent_profile.yml")
