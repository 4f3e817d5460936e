"""The agent profile as the actions need it (loaded once, on first use)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml

from knowledge.settings import get_settings


@lru_cache(maxsize=1)
def agent_profile() -> dict[str, Any]:
    path = get_settings().bot_dir / "agent_profile.yml"
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping")
    return data


def agent_name() -> str:
    return str(agent_profile().get("name") or "Assistant")
