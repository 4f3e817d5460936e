"""Fixtures shared by the agent-env suites. Standard library only at import time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.stack import Stack, has_model, running_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One running agent (Rasa + action server + indexed sample help centre) per test session."""
    if not has_model():
        pytest.fail("no trained model under models/: run `make train` (make test does)")
    with running_stack(tmp_path_factory.mktemp("stack")) as s:
        yield s
