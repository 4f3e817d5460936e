"""Fixtures: a real Dovecot + aiosmtpd per test, and a stand-in agent that answers with a source."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from email_agent import FakeAgent
from email_servers import Dovecot, SmtpSink, plain_config, running_dovecot, running_smtp

from connectors.email.config import EmailConfig


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    with running_dovecot() as server:
        yield server


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with running_smtp() as (sink, port):
        sink.port = port  # type: ignore[attr-defined]
        yield sink


@pytest.fixture
def config(dovecot: Dovecot, smtp: SmtpSink, tmp_path: Path) -> EmailConfig:
    return plain_config(dovecot.port, smtp.port, tmp_path / "data")  # type: ignore[attr-defined]


@pytest.fixture
def agent() -> FakeAgent:
    return FakeAgent()
