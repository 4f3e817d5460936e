"""The agent profile schema both runtimes read (connectors/common/profile.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from connectors.common.profile import AgentProfile, ProfileError, load_profile, parse_profile

SHIPPED = Path(__file__).resolve().parents[3] / "bot" / "agent_profile.yml"


def test_the_shipped_profile_is_valid() -> None:
    profile = load_profile(SHIPPED)
    raw = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    assert profile.name == raw["name"]
    assert profile.max_clarifications == raw["handoff"]["max_clarifications"]
    assert profile.handoff_mode == raw["handoff"]["mode"]
    assert set(profile.sample_questions) == set(raw["sample_questions"])


def test_a_missing_file_or_an_empty_one_is_the_defaults(tmp_path: Path) -> None:
    assert load_profile(tmp_path / "absent.yml") == AgentProfile()
    (tmp_path / "empty.yml").write_text("", encoding="utf-8")
    assert load_profile(tmp_path / "empty.yml") == AgentProfile()
    assert AgentProfile().handoff_mode == "stay_assigned"  # no person promised by default


def test_every_mistake_is_one_line_naming_the_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "agent_profile.yml"
    path.write_text(
        "nmae: Noor\nrole: pirate\npersonality: Witty\n"
        "handoff: {mode: email, max_clarifications: -1, escalate: true}\n",
        encoding="utf-8",
    )
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    lines = str(err.value).splitlines()
    assert len(lines) == len(err.value.problems) == 5
    assert all(line.startswith(f"{path}: ") for line in lines)
    text = str(err.value)
    assert "unknown key 'nmae'" in text
    assert "role: 'pirate' is not one of" in text
    assert "handoff: unknown key 'escalate'" in text
    assert "handoff.mode: 'email'" in text
    assert "handoff.max_clarifications: must be a whole number >= 0, got -1" in text
    assert "personality:" not in text  # "Witty" is witty: case does not matter


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"sample_questions": ["How?"]}, "sample_questions: must map a language code"),
        ({"sample_questions": {"en": "How?"}}, "sample_questions.en: must be a list"),
        ({"handoff": "slack"}, "handoff: must be a mapping"),
        ({"handoff": {"max_clarifications": True}}, "handoff.max_clarifications"),
        ({"name": ["Ava"]}, "name: must be text"),
        ({"avatar_url": "data:image/png;base64,AAAA"}, "avatar_url: 'data:image/png"),
        ("just text", "expected a mapping"),
    ],
)
def test_bad_values(data: object, message: str) -> None:
    with pytest.raises(ProfileError, match=message.replace("(", r"\(")):
        parse_profile(data)


def test_routing_keys_are_kept_for_the_slack_handoff() -> None:
    rules = [{"name": "billing", "match": {"language": ["nl"]}, "users": ["U0123ABCD"]}]
    profile = parse_profile(
        {"handoff": {"mode": "slack", "route": "rules", "channel": "C0123456", "rules": rules}}
    )
    assert profile.handoff_mode == "slack"
    assert profile.handoff["rules"] == rules and profile.handoff["route"] == "rules"


def test_values_are_cleaned() -> None:
    profile = parse_profile(
        {
            "name": " Noor ",
            "role": "Sales Representative",
            "avatar_url": "https://cdn.example/noor.png",
            "sample_questions": {"nl": ["Hoe werkt retourneren? ", " "]},
            "handoff": {"max_clarifications": 0},
        }
    )
    assert (profile.name, profile.role) == ("Noor", "sales representative")
    assert profile.sample_questions == {"nl": ("Hoe werkt retourneren?",)}
    assert profile.max_clarifications == 0
    assert parse_profile({"name": ""}).name == "Ava"
