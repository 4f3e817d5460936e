"""Profile and credential checks of `customer-agent check` (no network)."""

from __future__ import annotations

from pathlib import Path

from knowledge.setup.checks_config import check_meta, check_profile, check_twilio

SID = "AC" + "0123456789abcdef" * 2
HEX = "0123456789abcdef" * 2


def test_a_typo_in_the_profile_is_one_line_naming_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "agent_profile.yml"
    path.write_text("nmae: Noor\ncompany: Acme\n", encoding="utf-8")
    findings, profile = check_profile(path)
    assert profile is None
    assert [f.line() for f in findings] == [
        f"FAIL profile: {path}: unknown key 'nmae' (expected one of name, role, personality,"
        " brand_voice, avatar_url, company, sample_questions, channels, handoff) -> rename it"
        f" to 'name' in {path}"
    ]


def test_every_profile_mistake_is_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "agent_profile.yml"
    path.write_text("role: pirate\nchannels: {whatsap: true}\n", encoding="utf-8")
    findings, _ = check_profile(path)
    assert len(findings) == 2 and all(f.failed for f in findings)
    assert "role: 'pirate' is not one of" in findings[0].text
    assert "unknown channel 'whatsap'" in findings[1].text
    assert findings[1].fix == f"correct this value in {path}"


def test_a_valid_profile_is_ok_and_a_missing_one_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "agent_profile.yml"
    path.write_text("name: Noor\nchannels: {email: false}\n", encoding="utf-8")
    (found,), profile = check_profile(path)
    assert found.status == "ok" and "restricted: email" in found.text
    assert profile is not None and profile.name == "Noor"
    (absent,), defaults = check_profile(tmp_path / "nope.yml")
    assert absent.status == "off" and defaults is not None and defaults.name == "Ava"


def test_twilio_credentials_present_and_well_formed() -> None:
    assert check_twilio({})[0].status == "off"
    good = {
        "TWILIO_ACCOUNT_SID": SID,
        "TWILIO_AUTH_TOKEN": HEX,
        "TWILIO_WHATSAPP_NUMBER": "+14155238886",
    }
    assert [f.status for f in check_twilio(good)] == ["ok"]
    bad = {"TWILIO_ACCOUNT_SID": "SK123", "TWILIO_WHATSAPP_NUMBER": "0612345678"}
    lines = [f.line() for f in check_twilio(bad)]
    assert lines[0] == (
        "FAIL TWILIO_ACCOUNT_SID: 'SK123' is not an Account SID (AC + 32 hex digits) -> copy"
        " the Account SID from console.twilio.com (Account Info)"
    )
    assert lines[1].startswith("FAIL TWILIO_AUTH_TOKEN: is not set ->")
    assert lines[2].startswith("FAIL TWILIO_WHATSAPP_NUMBER: '0612345678' is not a number")


def test_meta_credentials_and_no_secret_is_echoed() -> None:
    token = "not-a-page-token-but-secret"
    lines = [f.line() for f in check_meta({"MESSENGER_PAGE_ACCESS_TOKEN": token})]
    assert [line.split(":")[0] for line in lines] == [
        "FAIL MESSENGER_VERIFY_TOKEN",
        "FAIL MESSENGER_APP_SECRET",
        "FAIL MESSENGER_PAGE_ACCESS_TOKEN",
    ]
    assert not any(token in line for line in lines)
    good = {
        "MESSENGER_VERIFY_TOKEN": "anything",
        "MESSENGER_APP_SECRET": HEX,
        "MESSENGER_PAGE_ACCESS_TOKEN": "EAAB" + "x" * 60,
    }
    assert [f.status for f in check_meta(good)] == ["ok"]


def test_the_configured_number_and_mailbox_against_the_assignment() -> None:
    from connectors.common.profile import parse_profile
    from knowledge.setup.checks_config import check_assignment

    profile = parse_profile(
        {"channels": {"whatsapp": ["+14155238886"], "email": ["help@acme.com"], "rest": False}}
    )
    env = {"TWILIO_WHATSAPP_NUMBER": "whatsapp:+14155230000", "EMAIL_USERNAME": "Help@Acme.com"}
    lines = [f.line() for f in check_assignment(env, profile)]
    assert lines == [
        "ok   channels.email: the agent answers on EMAIL_USERNAME",
        "off  channels.rest: no AI answers: every message goes to people",
        "off  channels.whatsapp: TWILIO_WHATSAPP_NUMBER +14155230000 is not assigned: people"
        " answer it",
    ]
    assert check_assignment(env, parse_profile({})) == []
