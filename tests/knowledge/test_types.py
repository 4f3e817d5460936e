"""The reply payload: every AI answer carries its own answer_id, other kinds none."""

from __future__ import annotations

from connectors.common.masking import mask, mask_secrets
from knowledge.types import reply_payload


def test_every_answer_gets_a_fresh_short_answer_id() -> None:
    ids = {reply_payload("answer", "en")["answer_id"] for _ in range(200)}
    assert len(ids) == 200
    assert all(len(i) == 16 and mask(i) == i for i in ids)
    assert "answer_id" not in reply_payload("clarify", "en")
    assert "answer_id" not in reply_payload("handoff", "en")


def test_a_feedback_message_naming_an_answer_survives_masking() -> None:
    for _ in range(5000):
        answer_id = reply_payload("answer", "en")["answer_id"]
        text = '/feedback{"helpful":"up","answer_id":"' + answer_id + '"}'
        assert mask_secrets(text) == text
