"""Channel assignment through the real agent: `rasa run` with the trained model, our
credentials.yml and the action server (tests/support/stack.py), Twilio and Slack stood in for by
local servers. A WhatsApp message to a number the profile does not assign reaches Slack as a
`channel_not_assigned` handoff and never the answer chain (no `action_answer_question` in Rasa's
tracker store, nothing sent to the visitor); the assigned number is answered. Slow (starts
Rasa), skipped without a model."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import uuid
from pathlib import Path

import httpx
import pytest
import yaml
from twilio.request_validator import RequestValidator

from connectors.slack_handoff.conversation import FALLBACK_TEXTS
from tests.connectors.common.platform_stub import PlatformStub
from tests.connectors.slack_handoff.harness import SECRET, UNASSIGNED
from tests.connectors.slack_handoff.slack_api import BOT_TOKEN, SlackAPI
from tests.support.stack import ROOT, has_model, running_stack

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not has_model(), reason="no trained model under models/ (make train)"),
]

ACCOUNT = "AC" + "4" * 32
TOKEN = "assign-twilio-token"
PUBLIC_URL = "https://bot.example.com/webhooks/whatsapp/webhook"
OURS, SALES = "whatsapp:+14155238886", "whatsapp:+14155230000"


def bot_dir(tmp_path: Path) -> Path:
    """The project's bot/ with `channels: {whatsapp: [our number]}` added to the profile."""
    target = tmp_path / "bot"
    shutil.copytree(ROOT / "bot", target)
    path = target / "agent_profile.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["channels"] = {"whatsapp": ["+14155238886"]}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return target


def signed(to: str, sender: str, body: str) -> tuple[dict[str, str], dict[str, str]]:
    params = {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": ACCOUNT,
        "From": sender,
        "To": to,
        "Body": body,
        "NumMedia": "0",
    }
    return params, {
        "X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(PUBLIC_URL, params)
    }


async def until(check, timeout_s: float, what: str):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while loop.time() < deadline:
        if result := check():
            return result
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


async def test_an_unassigned_whatsapp_number_reaches_slack_not_the_answer_chain(tmp_path):
    twilio = PlatformStub(account_sid=ACCOUNT, auth_token=TOKEN)
    slack = SlackAPI(members={UNASSIGNED})
    await twilio.start()
    await slack.start()
    env = {
        "CUSTOMER_AGENT_BOT_DIR": str(bot_dir(tmp_path)),
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_WHATSAPP_NUMBER": OURS,
        "TWILIO_WEBHOOK_URL": PUBLIC_URL,
        "TWILIO_API_BASE": twilio.base_url,
        "TWILIO_FEEDBACK_PROMPT": "false",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.base_url,
        "SLACK_HANDOFF_CHANNEL": UNASSIGNED,
        "SLACK_POST_INTERVAL_S": "0",
    }
    people, customer = "whatsapp:+31611111111", "whatsapp:+31622222222"
    stack_cm = running_stack(tmp_path / "stack", env, index=False)
    # entered in a thread: the Slack stand-in shares this loop and answers the start-up check
    stack = await asyncio.to_thread(stack_cm.__enter__)
    try:
        async with httpx.AsyncClient(base_url=stack.rasa_url, timeout=120) as client:
            url = "/webhooks/whatsapp/webhook"
            params, headers = signed(SALES, people, "Wat kost een Flex-abonnement?")
            assert (await client.post(url, data=params, headers=headers)).status_code == 200
            roots = await until(
                lambda: [c for c in slack.of("chat.postMessage") if not c.args.get("thread_ts")],
                120,
                "the handoff's root message in Slack",
            )
            assert roots[0].args["channel"] == UNASSIGNED
            assert "channel not assigned" in str(roots[0].args).lower()
            params, headers = signed(OURS, customer, "Hello")
            assert (await client.post(url, data=params, headers=headers)).status_code == 200
            # the first visitor's acknowledgement and the second one's answer
            await twilio.wait_for("twilio", 2, timeout=120)
            await asyncio.sleep(2)  # time for a (wrong) reply to the first visitor to show
        to_people = [c.form["Body"] for c in twilio.twilio if c.form["To"] == people]
        acks = FALLBACK_TEXTS["utter_handoff_unassigned"]
        assert len(to_people) == 1 and to_people[0] in acks.values()  # not an answer
        assert {c.form["To"] for c in twilio.twilio} == {people, customer}
        with sqlite3.connect(tmp_path / "stack" / "tracker.db") as db:
            rows = db.execute(
                "SELECT type_name, action_name FROM events WHERE sender_id = ?", (people,)
            ).fetchall()
        assert ("user", None) in rows
        assert not [r for r in rows if r[0] == "bot"]
        assert "action_answer_question" not in {r[1] for r in rows}
    except BaseException:
        print(stack.log_tail(80))
        raise
    finally:
        await asyncio.to_thread(stack_cm.__exit__, None, None, None)
        await slack.stop()
        await twilio.stop()
