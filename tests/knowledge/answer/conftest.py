"""Fixed retrieval results for the answer-chain tests (no store, no model)."""

from __future__ import annotations

import pytest

from knowledge.answer.config import AnswerConfig
from knowledge.profile import Profile
from tests.support.answers import (  # noqa: F401  (re-exported for `from .conftest import`)
    PASSWORD_EN,
    PASSWORD_NL,
    REFUND_EN,
    fixed_scale_config,
    make_hit,
)


@pytest.fixture
def config() -> AnswerConfig:
    return fixed_scale_config()


@pytest.fixture
def profile() -> Profile:
    return Profile(name="Ava", personality="professional")
