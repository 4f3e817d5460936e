"""The web chat's sample batch route (connectors/webchat_batch.py) in Rasa's real Sanic app with
the scripted agent of test_webchat.py: closed without show-why, each sample question in its
language and a fresh conversation, expectations from test_cases.yml beside the profile, and
mistakes in that file named instead of a run (the page: tests/browser/test_test_chat_batch.py)."""

from __future__ import annotations

from pathlib import Path

from tests.connectors.test_webchat import make_app

BATCH = "/webhooks/webchat/test/batch"
PROFILE = """name: Ava
role: customer support
sample_questions:
  en:
    - How do returns work?
  nl:
    - Wat kost verzending?
"""


def profile_dir(tmp_path: Path, cases: str | None = None) -> Path:
    (tmp_path / "agent_profile.yml").write_text(PROFILE)
    if cases is not None:
        (tmp_path / "test_cases.yml").write_text(cases)
    return tmp_path / "agent_profile.yml"


def test_closed_without_show_why(tmp_path: Path) -> None:
    app, _, agent = make_app(profile_dir(tmp_path), show_why=False)
    _, resp = app.test_client.post(BATCH, data="{}")
    assert resp.status == 404 and agent.received == []


def test_each_sample_in_its_language_and_own_conversation(tmp_path: Path) -> None:
    cases = "cases:\n  - question: wat kost verzending?\n    expect:\n      kind: handoff\n"
    app, _, agent = make_app(profile_dir(tmp_path, cases), show_why=True)
    _, resp = app.test_client.post(BATCH, data="{}")
    assert resp.status == 200
    body = resp.json
    assert (body["passed"], body["failed"]) == (1, 1)
    first, second = body["cases"]
    assert (first["question"], first["language"], first["passed"]) == (
        "How do returns work?",
        "en",
        True,
    )
    assert first["happened"] == "answer citing https://help.example/returns"
    assert second["failures"] == ["expected handoff, got answer"]  # configured, case-insensitive
    senders = [m.sender_id for m in agent.received]
    assert len(set(senders)) == 2 and all(s.startswith("testbatch-") for s in senders)
    assert [m.metadata["languages"] for m in agent.received] == [["en"], ["nl"]]


def test_mistakes_in_the_cases_file_are_named(tmp_path: Path) -> None:
    cases = "cases:\n  - question: Hi\n    expect: {kind: maybe}\n"
    app, _, agent = make_app(profile_dir(tmp_path, cases), show_why=True)
    _, resp = app.test_client.post(BATCH, data="{}")
    assert resp.status == 500 and agent.received == []
    assert resp.json == {
        "error": "test_cases.yml has mistakes",
        "problems": ["case 1.expect.kind: 'maybe' is not one of answer, clarify, handoff"],
    }
