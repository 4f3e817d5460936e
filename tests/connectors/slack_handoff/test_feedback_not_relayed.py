"""A vote on an answer while a person owns the conversation stays out of the Slack thread."""

from __future__ import annotations

from tests.connectors.slack_handoff.test_flow import SENDER, opened


async def test_feedback_during_a_handoff_is_not_relayed(harness):
    await opened(harness)
    before = len(harness.slack.of("chat.postMessage"))
    await harness.turn(SENDER, '/feedback{"helpful":"up","answer_id":"3f2a9c1b7d4e5f60"}', [])
    await harness.settle()
    assert len(harness.slack.of("chat.postMessage")) == before
    await harness.turn(SENDER, "are you still there?", [])
    await harness.settle()
    posts = harness.slack.of("chat.postMessage")
    assert len(posts) == before + 1 and "are you still there?" in posts[-1].args["text"]
