"""The action server's profile loader (knowledge/profile.py) and the one clarification limit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.answer.config import AnswerConfig, get_answer_config
from knowledge.profile import Profile, ProfileError, get_profile
from knowledge.settings import get_settings


@pytest.fixture
def bot_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CUSTOMER_AGENT_BOT_DIR", str(tmp_path))
    caches = (get_settings, get_profile, get_answer_config)
    for cached in caches:
        cached.cache_clear()
    yield tmp_path
    for cached in caches:
        cached.cache_clear()


def test_the_profile_is_read_once_from_the_bot_dir(bot_dir: Path) -> None:
    path = bot_dir / "agent_profile.yml"
    path.write_text("name: Noor\npersonality: witty\n", encoding="utf-8")
    first = get_profile()
    assert (first.name, first.personality) == ("Noor", "witty")
    path.write_text("name: Someone else\n", encoding="utf-8")
    assert get_profile() is first


def test_a_mistake_stops_the_loader_with_one_line(bot_dir: Path) -> None:
    (bot_dir / "agent_profile.yml").write_text("personality: grumpy\n", encoding="utf-8")
    with pytest.raises(ProfileError, match=r"agent_profile.yml: personality: 'grumpy'"):
        get_profile()


def test_max_clarifications_comes_from_the_profile_only(bot_dir: Path) -> None:
    (bot_dir / "agent_profile.yml").write_text(
        "handoff: {mode: stay_assigned, max_clarifications: 1}\n", encoding="utf-8"
    )
    (bot_dir / "answering.yml").write_text("max_options: 2\n", encoding="utf-8")
    config = get_answer_config()
    assert (config.max_clarifications, config.max_options) == (1, 2)
    with pytest.raises(ValueError, match=r"max_clarifications in agent_profile\.yml"):
        AnswerConfig.from_mapping({"max_clarifications": 3})


def test_the_shipped_answering_yml_leaves_the_limit_to_the_profile() -> None:
    shipped = Path(__file__).resolve().parents[2] / "bot" / "answering.yml"
    assert "max_clarifications" not in shipped.read_text(encoding="utf-8")
    assert Profile().max_clarifications == AnswerConfig().max_clarifications
