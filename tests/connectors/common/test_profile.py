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


# channel assignment (`channels:`) ---------------------------------------------------------------


def test_without_channels_every_channel_and_account_is_assigned() -> None:
    channels = parse_profile({"name": "Ava"}).channels
    for name in ("webchat", "whatsapp", "messenger", "email", "rest", "some_plugin"):
        assert channels.answers(name, ["+14155238886"]) and channels.answers(name)


def test_channels_assign_numbers_pages_and_addresses() -> None:
    channels = parse_profile(
        {
            "channels": {
                "webchat": False,
                "whatsapp": [14155238886, "+31 20-123 4567"],  # YAML reads +1415... as a number
                "messenger": ["104512345678901"],
                "email": ["Help@Example.com"],
            }
        }
    ).channels
    assert not channels.answers("webchat")
    assert channels.answers("whatsapp", ["whatsapp:+14155238886"])
    assert channels.answers("whatsapp", ["whatsapp:+31201234567"])
    assert not channels.answers("whatsapp", ["whatsapp:+14155230000"])
    assert not channels.answers("whatsapp", [])  # the number unknown: people, not the AI
    assert channels.answers("messenger", ["104512345678901"])
    assert not channels.answers("messenger", ["999999999999"])
    assert channels.answers("email", ["sales@example.com", "help@example.com"])
    assert channels.answers("rest")  # left out: assigned
    assert set(channels.restricted) == {"webchat", "whatsapp", "messenger", "email"}


@pytest.mark.parametrize(
    ("channels", "message"),
    [
        (
            {"whatsap": True},
            "channels: unknown channel 'whatsap' (expected one of webchat, whatsapp,"
            " messenger, email, rest)",
        ),
        ({"webchat": ["site-a"]}, "channels.webchat: must be true or false"),
        ({"whatsapp": ["0612"]}, "channels.whatsapp: '+0612' is not one of the phone numbers"),
        ({"email": ["help"]}, "channels.email: 'help' is not one of the email addresses"),
        ({"messenger": [{"id": 1}]}, "channels.messenger: must be true, false or a list"),
        (["webchat"], "channels: must map a channel name"),
    ],
)
def test_channel_mistakes_are_one_clear_line(channels: object, message: str) -> None:
    with pytest.raises(ProfileError) as err:
        parse_profile({"channels": channels})
    assert len(err.value.problems) == 1
    assert message in str(err.value)
