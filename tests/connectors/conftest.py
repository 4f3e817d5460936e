"""Fixtures for every bot-env connector test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    """`connectors.settings` reads the environment once per process; tests change it
    (monkeypatch.setenv before building a channel), so each test starts from a fresh read."""
    from connectors import settings

    settings.get_settings.cache_clear()
    settings.profile.cache_clear()
    yield
    settings.get_settings.cache_clear()
    settings.profile.cache_clear()
