"""Fixtures of the Slack handoff tests (the harness itself: harness.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.connectors.slack_handoff.harness import Harness, make_harness


@pytest.fixture
async def harness(tmp_path) -> AsyncIterator[Harness]:
    h = await make_harness(tmp_path)
    yield h
    await h.stop()
    await h.slack.stop()
