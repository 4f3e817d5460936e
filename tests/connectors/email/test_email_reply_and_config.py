"""Reply composition, settings and the conversation store, without servers."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest

from connectors.email.config import EmailConfigError, is_configured, load_config
from connectors.email.render import build_reply, collect, render_html, render_text
from connectors.email.store import COMPOSED, DONE, EmailStore

BOT_TURN = [
    {"text": "You can return it within 30 days."},
    {
        "custom": {
            "kind": "answer",
            "language": "en",
            "sources": [
                {"title": "Returns <policy>", "url": "https://help.example.test/returns?a=1&b=2"},
                {"title": "Returns <policy>", "url": "https://help.example.test/returns?a=1&b=2"},
                {"title": "Internal note", "url": "docs/returns.md"},
            ],
            "options": [],
        }
    },
]


def test_turn_becomes_one_reply_with_linked_sources() -> None:
    content = collect(BOT_TURN)
    assert content.sources == [
        ("Returns <policy>", "https://help.example.test/returns?a=1&b=2"),
        ("Internal note", "docs/returns.md"),
    ]
    text = render_text(content)
    assert text.startswith("You can return it within 30 days.\n\nSources:\n")
    assert "- Returns <policy>: https://help.example.test/returns?a=1&b=2" in text
    html = render_html(content)
    assert (
        '<a href="https://help.example.test/returns?a=1&amp;b=2">Returns &lt;policy&gt;</a>' in html
    )
    # a path is no link: only http(s) URLs become anchors
    assert "<li>Internal note (docs/returns.md)</li>" in html


def test_buttons_and_custom_options_become_reply_options_in_the_visitors_language() -> None:
    content = collect(
        [
            {"text": "Welke bedoelt u?", "buttons": [{"title": "Fiets", "payload": "/a"}]},
            {"custom": {"kind": "clarify", "language": "nl", "options": ["Accu", "Fiets"]}},
        ]
    )
    assert content.options == ["Fiets", "Accu"]
    assert "U kunt antwoorden met een van deze opties:\n- Fiets\n- Accu" in render_text(content)


def test_unknown_language_falls_back_to_english_labels() -> None:
    content = collect([{"text": "x", "custom": {"language": "xx", "sources": []}}])
    content.options = ["a"]
    assert "You can reply with one of these:" in render_text(content)


def test_reply_headers_thread_and_mark_the_mail_automatic() -> None:
    msg = build_reply(
        collect(BOT_TURN),
        from_address="support@example.test",
        from_name="Example Support",
        to_address="anna@visitor.test",
        subject="AW: Returns",
        in_reply_to="<c@v>",
        references=["<a@v>", "<b@v>"],
    )
    parsed = message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert parsed["Subject"] == "Re: Returns"
    assert parsed["References"] == "<a@v> <b@v> <c@v>"
    assert parsed["In-Reply-To"] == "<c@v>"
    assert parsed["Message-ID"].endswith("@example.test>")
    assert parsed["Auto-Submitted"] == "auto-replied"
    assert parsed["From"] == "Example Support <support@example.test>"
    assert parsed.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]


ENV = {
    "EMAIL_IMAP_HOST": "imap.example.test",
    "EMAIL_USERNAME": "support@example.test",
    "EMAIL_PASSWORD": "app-password-123",
}


def test_config_from_environment_with_defaults(monkeypatch, tmp_path: Path) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CUSTOMER_AGENT_DATA", str(tmp_path))
    config = load_config({})
    assert (config.imap_port, config.imap_security) == (993, "ssl")
    assert (config.smtp_host, config.smtp_port, config.smtp_security) == (
        "imap.example.test",
        587,
        "starttls",
    )
    assert config.from_address == "support@example.test"
    assert config.smtp_login == ("support@example.test", "app-password-123")
    assert config.thread_window_h == 72
    assert config.state_path == tmp_path / "connectors" / "email.sqlite3"


def test_credentials_win_and_quoted_env_references_expand(monkeypatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MY_SMTP", "smtp.example.test")
    config = load_config({"smtp_host": "${MY_SMTP}", "smtp_port": 465, "smtp_security": "SSL"})
    assert (config.smtp_host, config.smtp_port, config.smtp_security) == (
        "smtp.example.test",
        465,
        "ssl",
    )


@pytest.mark.parametrize(
    "change, message",
    [
        ({"EMAIL_PASSWORD": ""}, "EMAIL_PASSWORD"),
        ({"EMAIL_PASSWORD": "changeme"}, "EMAIL_PASSWORD"),
        ({"EMAIL_IMAP_PORT": "nine"}, "EMAIL_IMAP_PORT must be an integer"),
        ({"EMAIL_IMAP_SECURITY": "tls1.0"}, "EMAIL_IMAP_SECURITY must be one of"),
        ({"EMAIL_POLL_INTERVAL_S": "0"}, "must be positive"),
        ({"EMAIL_USERNAME": "support"}, "must be an email address"),
    ],
)
def test_bad_settings_fail_loudly(monkeypatch, change, message) -> None:
    for name, value in {**ENV, **change}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(EmailConfigError, match=message):
        load_config({})


def test_channel_is_off_without_imap_host(monkeypatch) -> None:
    monkeypatch.delenv("EMAIL_IMAP_HOST", raising=False)
    assert not is_configured({"imap_host": "${EMAIL_IMAP_HOST}"})
    monkeypatch.setenv("EMAIL_IMAP_HOST", "imap.example.test")
    assert is_configured({"imap_host": "${EMAIL_IMAP_HOST}"})


def test_store_survives_reopen_and_keeps_stored_fields(tmp_path: Path) -> None:
    path = tmp_path / "connectors" / "email.sqlite3"
    store = EmailStore(path)
    store.set_state(
        "<m@v>",
        COMPOSED,
        conversation_id="email-1",
        reply_id="<r@s>",
        reply_bytes=b"raw",
        sender="s@s",
        recipients=["anna@v"],
    )
    store.set_state("<m@v>", DONE)
    store.touch_conversation(
        "email-1", address="anna@v", subject="Q", last_message_id="<m@v>", refs=[], at=10.0
    )
    store.map_message("<r@s>", "email-1", at=20.0)
    store.close()

    reopened = EmailStore(path)
    state = reopened.get("<m@v>")
    assert state is not None
    assert (state.state, state.reply_id, state.reply_bytes, state.recipients) == (
        DONE,
        "<r@s>",
        b"raw",
        ["anna@v"],
    )
    conversation = reopened.conversation_for(["<unknown@x>", "<r@s>"])
    assert conversation is not None
    assert conversation.conversation_id == "email-1"
    assert conversation.last_activity == 20.0
    assert reopened.conversation_for(["<unknown@x>"]) is None
    reopened.close()
