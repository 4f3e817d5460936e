"""`init`'s questions and the files they become (the CLI tests cover the flags)."""

from __future__ import annotations

from pathlib import Path

import yaml

from connectors.common.profile import parse_profile
from knowledge.setup.starter import Answers, ask, env_text, profile_text, write_starter


def scripted(*replies: str):
    queue = list(replies)
    asked: list[str] = []

    def prompt(question: str) -> str:
        asked.append(question)
        return queue.pop(0)

    return prompt, asked


def test_questions_keep_defaults_on_enter_and_ask_again_on_a_bad_choice(capsys):
    prompt, asked = scripted(
        "", "Acme", "pirate", "sales representative", "", "en, de", "C0TEAM0001", ""
    )
    hidden, secret_questions = scripted("xoxb-1-2", "")
    answers = ask(Answers(name="Noor"), prompt, hidden)
    assert answers.name == "Noor" and answers.company == "Acme"
    assert answers.role == "sales representative" and answers.personality == "friendly"
    assert answers.languages == ("en", "de")
    assert answers.secrets == {"slack_bot_token": "xoxb-1-2", "slack_channel": "C0TEAM0001"}
    assert "please answer one of" in capsys.readouterr().out
    assert not any("Twilio auth token" in q for q in asked)  # no SID given: not asked
    # tokens are asked without echo; the signing secret too, once a bot token was given
    assert [q.split(" (")[0].split(" [")[0] for q in secret_questions] == [
        "Slack bot token",
        "Slack signing secret",
    ]


def test_the_profile_text_parses_and_keeps_odd_names_literal(tmp_path: Path):
    answers = Answers(name='Zoë "the bot" #1', company="Café: Ünïcode", languages=("nl", "xx"))
    profile = parse_profile(yaml.safe_load(profile_text(answers)))
    assert profile.name == 'Zoë "the bot" #1' and profile.company == "Café: Ünïcode"
    assert profile.sample_questions["nl"][0] == "Wat zijn jullie openingstijden?"
    assert profile.sample_questions["xx"]  # an unknown language gets the English examples
    written = write_starter(answers, tmp_path / "bot" / "p.yml", tmp_path / ".env", force=False)
    assert [p.name for p in written] == ["p.yml", ".env"]


def test_env_values_with_spaces_are_quoted():
    text = env_text(Answers(secrets={"slack_signing_secret": "a b#c"}))
    assert 'SLACK_SIGNING_SECRET="a b#c"\n' in text
