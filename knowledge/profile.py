"""The agent profile (`bot/agent_profile.yml`) as the action server reads it: once, on first use.

The schema, its defaults and its checks are `connectors/common/profile.py` (stdlib + PyYAML), the
same parser the Rasa server uses, so both processes always agree on who the agent is and how
many clarifications come before a handoff. A mistake in the file stops the first turn with one
line per mistake (`ProfileError`), never a silent default; a missing file is the defaults (a
friendly support agent called "Ava"), so a fresh checkout still answers.
"""

from __future__ import annotations

from functools import lru_cache

from connectors.common.profile import AgentProfile, ProfileError, load_profile, parse_profile

Profile = AgentProfile  # the knowledge layer's name for it (templates, prompts, the chain)

__all__ = ["Profile", "ProfileError", "get_profile", "load_profile", "parse_profile"]


@lru_cache(maxsize=1)
def get_profile() -> Profile:
    """The process-wide profile from `<bot_dir>/agent_profile.yml`, read on first call."""
    from knowledge.settings import get_settings

    return load_profile(get_settings().bot_dir / "agent_profile.yml")
