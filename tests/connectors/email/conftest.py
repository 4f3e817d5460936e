"""Fixtures: a real Dovecot + aiosmtpd per test, and a stand-in agent that answers with a source."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from mailservers import PASSWORD, USER, Dovecot, SmtpSink, start_smtp

from connectors.email.config import EmailConfig

SOURCE = {"title": "Returns policy", "url": "https://help.example.test/returns"}


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    if not (shutil.which("dovecot") or Path("/usr/sbin/dovecot").exists()):
        pytest.skip("dovecot binary missing: apt-get install dovecot-imapd (make setup does)")
    server = Dovecot()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    controller, sink = start_smtp()
    sink.port = controller.port  # type: ignore[attr-defined]
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def config(dovecot: Dovecot, smtp: SmtpSink, tmp_path: Path) -> EmailConfig:
    return EmailConfig(
        imap_host="127.0.0.1",
        imap_port=dovecot.port,
        imap_security="none",
        username=USER,
        password=PASSWORD,
        from_address=USER,
        from_name="Example Support",
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,  # type: ignore[attr-defined]
        smtp_security="none",
        poll_interval_s=5.0,
        timeout_s=5.0,
        send_attempts=2,
        data_dir=tmp_path / "data",
    )


@dataclass
class FakeAgent:
    """Stands in for Rasa's `agent.handle_message`: answers through the output channel exactly
    like the lead's actions do (text, then the custom payload with sources and language)."""

    calls: list[tuple[str, str, Any]] = field(default_factory=list)
    language: str = "en"
    buttons: list[dict[str, str]] = field(default_factory=list)

    async def __call__(self, message: Any) -> None:
        self.calls.append((message.sender_id, message.text, message.metadata))
        out = message.output_channel
        if self.buttons:
            await out.send_text_with_buttons(
                message.sender_id, "Which one do you mean?", self.buttons
            )
        else:
            await out.send_text_message(message.sender_id, f"Answer to: {message.text}")
        await out.send_custom_json(
            message.sender_id,
            {
                "kind": "clarify" if self.buttons else "answer",
                "sources": [] if self.buttons else [SOURCE],
                "language": self.language,
                "options": [],
            },
        )


@pytest.fixture
def agent() -> FakeAgent:
    return FakeAgent()
