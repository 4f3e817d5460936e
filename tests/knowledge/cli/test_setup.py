"""`customer-agent init` and `customer-agent check` as an admin runs them (through the CLI's
`main`, in a scratch project directory): the starter files pass the check, nothing is
overwritten without --force, and a wrong Slack token, a missing index and a typo in the profile
are each one line that says what to fix (exit code 1)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from knowledge.cli import main
from knowledge.setup.checks_config import check_profile
from tests.knowledge.setup.standins import GOOD_TOKEN, StandIn, running

SIGNING = "0123456789abcdef0123456789abcdef"
CLEARED = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "SLACK_HANDOFF_CHANNEL",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_WHATSAPP_NUMBER",
    "MESSENGER_VERIFY_TOKEN",
    "MESSENGER_APP_SECRET",
    "MESSENGER_PAGE_ACCESS_TOKEN",
    "EMAIL_IMAP_HOST",
    "CUSTOMER_AGENT_TRACKER_STORE",
    "CUSTOMER_AGENT_LOCK_STORE",
    "CUSTOMER_AGENT_EVENT_BROKER",
    "CUSTOMER_AGENT_STATE_DB",
    "CUSTOMER_AGENT_ANALYTICS_DB",
    "CUSTOMER_AGENT_COMPOSER",
    "CUSTOMER_AGENT_EMBEDDINGS",
    "CUSTOMER_AGENT_DATA",
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch project directory as the working directory, with a clean environment."""
    for name in CLEARED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CUSTOMER_AGENT_BOT_DIR", str(tmp_path / "bot"))
    return tmp_path


def init(*flags: str) -> int:
    return main(["init", "--yes", "--name", "Noor", "--company", "Acme", *flags])


def test_init_writes_a_profile_and_env_that_pass_the_check(project, capsys):
    assert init("--languages", "en,nl", "--personality", "Professional") == 0
    profile_path = project / "bot" / "agent_profile.yml"
    (found,), profile = check_profile(profile_path)
    assert found.status == "ok", found.line()
    assert profile is not None and profile.name == "Noor" and profile.company == "Acme"
    assert profile.personality == "professional" and set(profile.sample_questions) == {"en", "nl"}
    assert profile.handoff_mode == "stay_assigned"  # no Slack token given: nobody promised
    env = (project / ".env").read_text(encoding="utf-8")
    assert "SLACK_BOT_TOKEN=\n" in env
    assert stat.S_IMODE((project / ".env").stat().st_mode) == 0o600
    assert "wrote" in capsys.readouterr().out


def test_init_never_overwrites_without_force(project, capsys):
    assert init() == 0
    (project / "bot" / "agent_profile.yml").write_text("name: Mine\n", encoding="utf-8")
    assert init() == 1
    assert "already exists; nothing written (--force replaces it)" in capsys.readouterr().err
    assert (project / "bot" / "agent_profile.yml").read_text(encoding="utf-8") == "name: Mine\n"
    assert init("--force", "--slack-bot-token", GOOD_TOKEN, "--slack-channel", "C0HANDOFF1") == 0
    _, profile = check_profile(project / "bot" / "agent_profile.yml")
    assert profile is not None and profile.handoff_mode == "slack"
    assert profile.handoff["channel"] == "C0HANDOFF1"
    assert f"SLACK_BOT_TOKEN={GOOD_TOKEN}\n" in (project / ".env").read_text(encoding="utf-8")


def test_init_refuses_a_bad_value_and_writes_nothing(project, capsys):
    assert init("--role", "pirate") == 1
    err = capsys.readouterr().err
    assert "role: 'pirate' is not one of customer support" in err
    assert not (project / ".env").exists() and not (project / "bot").exists()


def check_lines(capsys) -> tuple[int, list[str]]:
    code = main(["check"])
    return code, capsys.readouterr().out.splitlines()


def test_check_after_init_names_the_missing_index(project, capsys):
    assert init() == 0
    capsys.readouterr()
    code, lines = check_lines(capsys)
    assert code == 1
    failed = [line for line in lines if line.startswith("FAIL")]
    assert failed == [
        "FAIL index: nothing indexed in var/index -> add your content (customer-agent sources"
        " add ./my-help-centre) and run customer-agent sync (make run indexes the sample help"
        " centre when no source was added)"
    ]
    assert lines[-1] == "1 problem to fix (FAIL lines above)"
    assert any(line.startswith("ok   profile:") for line in lines)


def test_check_names_a_wrong_slack_token(project, capsys):
    with running(StandIn(members={"C0HANDOFF1"})) as slack:
        flags = ["--slack-bot-token", "xoxb-0000-0000-wrong", "--slack-channel", "C0HANDOFF1"]
        assert init(*flags, "--slack-signing-secret", SIGNING) == 0
        with (project / ".env").open("a", encoding="utf-8") as env:
            env.write(f"SLACK_API_URL={slack.base_url}/api/\n")  # .env is read by check
        capsys.readouterr()
        code, lines = check_lines(capsys)
        slack_lines = [line for line in lines if "SLACK_BOT_TOKEN" in line]
        assert code == 1 and slack_lines == [
            "FAIL SLACK_BOT_TOKEN: Slack says invalid_auth -> copy the Bot User OAuth Token"
            " (xoxb-...) from api.slack.com/apps > your app > OAuth & Permissions (reinstall"
            " the app if it was revoked)"
        ]


def test_check_names_a_typo_in_the_profile(project, capsys):
    assert init() == 0
    path = project / "bot" / "agent_profile.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("company:", "compnay:"), "utf-8")
    capsys.readouterr()
    code, lines = check_lines(capsys)
    typo = [line for line in lines if "compnay" in line]
    assert code == 1 and len(typo) == 1
    assert typo[0].startswith(f"FAIL profile: {path}: unknown key 'compnay'")
    assert typo[0].endswith(f"-> rename it to 'company' in {path}")


def test_check_names_a_bad_setting_by_its_variable(project, capsys, monkeypatch):
    assert init() == 0
    monkeypatch.setenv("CUSTOMER_AGENT_COMPOSER", "gpt")
    monkeypatch.setenv("OPENAI_API_KEY", "changeme")
    capsys.readouterr()
    code, lines = check_lines(capsys)
    failed = [line.split(":")[0] for line in lines if line.startswith("FAIL")]
    assert code == 1 and sorted(failed) == ["FAIL CUSTOMER_AGENT_COMPOSER", "FAIL OPENAI_API_KEY"]


def test_a_profile_typo_is_not_also_reported_as_a_slack_mismatch(project, capsys):
    assert init("--slack-bot-token", GOOD_TOKEN, "--slack-signing-secret", SIGNING) == 0
    path = project / "bot" / "agent_profile.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("company:", "compnay:"), "utf-8")
    capsys.readouterr()
    _, lines = check_lines(capsys)
    failed = [line.split(":")[0] for line in lines if line.startswith("FAIL")]
    assert failed == ["FAIL profile", "FAIL index"]
