"""The test-chat page runs the profile's sample questions as a batch test and shows a pass/fail
table: the real page, the real web chat connector and its batch route in Rasa's Sanic app, a
scripted agent (tests/browser/scripted_server.py) so each outcome is known. The expectations
come from tests/browser/fixtures/test_cases.yml beside the profile: one sample expects a
clarification (passes), one a citation the scripted reply lacks (fails), the third has no
case and must get an answer (passes)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_sample_questions_run_as_a_batch(launch: Any, scripted_bot: str, artifacts: Any) -> None:
    context = launch("en").new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{scripted_bot}/webhooks/webchat/test")
        page.get_by_role("button", name="Run the sample questions as a test").click()
        status = page.locator("#batch-status")  # not by role: the widget's typing is a status too
        expect(status).to_have_text("2 passed, 1 failed", timeout=30_000)
        rows = page.locator("#batch-results tbody tr")
        expect(rows).to_have_count(3)
        expect(rows.nth(0)).to_contain_text("pass")
        expect(rows.nth(0)).to_contain_text("How do returns work?")
        expect(rows.nth(0)).to_contain_text("answer citing https://help.fennoway.example/returns")
        expect(rows.nth(1)).to_contain_text("Tell me about my bike")
        expect(rows.nth(1)).to_contain_text("clarify")
        expect(rows.nth(1).locator("td").first).to_have_text("pass")
        failed = rows.nth(2)
        expect(failed.locator("td").first).to_have_text("FAIL")
        expect(failed).to_contain_text("Hoe werkt retourneren?")
        expect(failed).to_contain_text("nl")
        expect(failed).to_contain_text("does not cite https://help.fennoway.example/nl/retourneren")
        page.screenshot(path=str(artifacts / "test-chat-batch.png"), full_page=True)
    finally:
        context.close()


def test_batch_route_refuses_other_sites_and_answers_json(scripted_bot: str) -> None:
    import json
    import urllib.error
    import urllib.request

    def post(origin: str | None) -> tuple[int, dict[str, Any]]:
        headers = {"Content-Type": "text/plain", **({"Origin": origin} if origin else {})}
        request = urllib.request.Request(
            f"{scripted_bot}/webhooks/webchat/test/batch", data=b"{}", headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    code, body = post("https://evil.example")
    assert code == 403 and body == {"error": "origin not allowed"}
    code, body = post(None)
    assert code == 200 and (body["passed"], body["failed"]) == (2, 1)
    assert {c["language"] for c in body["cases"]} == {"en", "nl"}


@pytest.fixture(scope="module")
def show_why_stack(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The real agent (trained model, action server, indexed sample) with show-why on."""
    from tests.support.stack import has_model, running_stack

    if not has_model():
        pytest.fail("no trained model under models/: run `make train` (make test does)")
    with running_stack(
        tmp_path_factory.mktemp("batch-stack"), {"CUSTOMER_AGENT_SHOW_WHY": "true"}
    ) as stack:
        yield stack


@pytest.mark.slow
def test_the_shipped_sample_questions_pass_against_the_real_agent(
    launch: Any, show_why_stack: Any, artifacts: Any
) -> None:
    """bot/agent_profile.yml's sample questions, with bot/test_cases.yml's expectations (the
    ambiguous "How do I cancel?" and "Hoe stuur ik het terug?" ask which one is meant)."""
    context = launch("en").new_context(viewport={"width": 1280, "height": 1100})
    page = context.new_page()
    try:
        page.goto(f"{show_why_stack.rasa_url}/webhooks/webchat/test")
        page.get_by_role("button", name="Run the sample questions as a test").click()
        status = page.locator("#batch-status")  # not by role: the widget's typing is a status too
        expect(status).to_have_text("8 passed, 0 failed", timeout=300_000)
        rows = page.locator("#batch-results tbody tr")
        expect(rows).to_have_count(8)
        cancel = rows.filter(has_text="How do I cancel?")
        expect(cancel).to_contain_text("clarify")
        delivery = rows.filter(has_text="How long does delivery to Belgium take?")
        expect(delivery).to_contain_text(
            "answer citing https://help.fennoway.example/en/shipping-costs-and-times"
        )
        page.screenshot(path=str(artifacts / "test-chat-batch-sample.png"), full_page=True)
    finally:
        context.close()
