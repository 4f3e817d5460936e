"""Fixtures: a real Dovecot + aiosmtpd per test, and a stand-in agent that answers with a source."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from email_agent import FakeAgent
from email_servers import PASSWORD, USER, Dovecot, SmtpSink, start_smtp

from connectors.email.config import EmailConfig


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


@pytest.fixture
def agent() -> FakeAgent:
    return FakeAgent()
