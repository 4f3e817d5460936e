"""WhatsApp and Messenger through the real agent: `rasa run` with the trained model, our
credentials.yml and the action server (tests/support/stack.py); only Twilio and the Graph API
are stood in for by the local platform stub. Slow (starts Rasa), skipped without a model."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import sqlite3
import uuid

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.connectors.common.platform_stub import PlatformStub
from tests.support.stack import has_model, running_stack

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not has_model(), reason="no trained model under models/ (make train)"),
]

ACCOUNT = "AC" + "3" * 32
TOKEN = "e2e-twilio-token"
SECRET = "e2e-app-secret"
PAGE_TOKEN = "e2e-page-token"
PUBLIC_URL = "https://bot.example.com/webhooks/whatsapp/webhook"
VISITOR = "whatsapp:+31687654321"
PSID = "9988776655"


async def test_real_rasa_answers_each_platform_message_exactly_once(tmp_path):
    stub = PlatformStub(
        account_sid=ACCOUNT, auth_token=TOKEN, page_token=PAGE_TOKEN, app_secret=SECRET
    )
    await stub.start()
    env = {
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_WHATSAPP_NUMBER": "+14155238886",
        "TWILIO_WEBHOOK_URL": PUBLIC_URL,
        "TWILIO_API_BASE": stub.base_url,
        "MESSENGER_VERIFY_TOKEN": "e2e-verify",
        "MESSENGER_APP_SECRET": SECRET,
        "MESSENGER_PAGE_ACCESS_TOKEN": PAGE_TOKEN,
        "GRAPH_API_BASE": stub.base_url,
        "CUSTOMER_AGENT_CONNECTOR_BACKOFF_S": "0.05",
    }
    try:
        with running_stack(tmp_path / "stack", env, index=False) as stack:
            async with httpx.AsyncClient(base_url=stack.rasa_url, timeout=30) as client:
                params = {
                    "MessageSid": "SM" + uuid.uuid4().hex,
                    "AccountSid": ACCOUNT,
                    "From": VISITOR,
                    "To": "whatsapp:+14155238886",
                    "Body": "Hello",
                    "NumMedia": "0",
                }
                sig = RequestValidator(TOKEN).compute_signature(PUBLIC_URL, params)
                headers = {"X-Twilio-Signature": sig}
                url = "/webhooks/whatsapp/webhook"
                codes = [
                    (await client.post(url, data=params, headers=headers)).status_code
                    for _ in range(3)
                ]  # Twilio retrying the same MessageSid
                forged = await client.post(url, data=params, headers={"X-Twilio-Signature": "x"})
                assert codes == [200, 200, 200] and forged.status_code == 403

                body = json.dumps(
                    {
                        "object": "page",
                        "entry": [
                            {
                                "id": "1",
                                "time": 1,
                                "messaging": [
                                    {
                                        "sender": {"id": PSID},
                                        "recipient": {"id": "1"},
                                        "timestamp": 1,
                                        "message": {
                                            "mid": "m_e2e_" + uuid.uuid4().hex,
                                            "text": "Hello",
                                        },
                                    }
                                ],
                            }
                        ],
                    }
                ).encode()
                signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
                fb_headers = {"X-Hub-Signature-256": signature, "Content-Type": "application/json"}
                fb_codes = [
                    (
                        await client.post(
                            "/webhooks/messenger/webhook", content=body, headers=fb_headers
                        )
                    ).status_code
                    for _ in range(2)
                ]
                assert fb_codes == [200, 200]

                twilio = await stub.wait_for("twilio", 1, timeout=60)
                graph = await stub.wait_for("graph", 1, timeout=60)
                await asyncio.sleep(3)  # time for a (wrongly) processed retry to show
            assert all(c.form["To"] == VISITOR for c in twilio)
            assert all(c.json["recipient"] == {"id": PSID} for c in graph)
            # the same greeting through the same bot: as many replies on each platform
            assert [c.form["Body"] for c in stub.twilio] == [
                c.json["message"]["text"] for c in stub.graph
            ]
        # Rasa's own tracker store saw each platform message once, retries included
        with sqlite3.connect(tmp_path / "stack" / "tracker.db") as db:
            rows = db.execute(
                "SELECT sender_id, COUNT(*) FROM events WHERE type_name = 'user' GROUP BY sender_id"
            ).fetchall()
        assert dict(rows) == {VISITOR: 1, PSID: 1}
    finally:
        await stub.stop()


async def test_real_rasa_stores_the_visitors_secrets_masked(tmp_path):
    """Through `rasa run` (the action server down: the reply is the fallback): the SQL tracker
    store, which transcripts, Slack threads and reports read, never holds the raw secrets."""
    card, password = "4111 1111 1111 1111", "hunter2-secret"
    with running_stack(tmp_path / "stack", index=False, start_actions=False) as stack:
        async with httpx.AsyncClient(base_url=stack.rasa_url, timeout=60) as client:
            resp = await client.post(
                "/webhooks/rest/webhook",
                json={
                    "sender": "mask-e2e",
                    "message": f"charge my card {card}, my password is {password}",
                },
            )
    assert resp.status_code == 200 and resp.json(), resp.text  # never silent
    with sqlite3.connect(tmp_path / "stack" / "tracker.db") as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = 'mask-e2e'").fetchall()
    stored = "\n".join(str(r[0]) for r in rows)
    assert "[card number]" in stored and "password is [secret]" in stored
    assert "4111" not in stored and password not in stored
