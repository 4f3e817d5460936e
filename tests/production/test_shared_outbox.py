"""Two real Rasa servers sharing the web chat outbox through PostgreSQL
(`CUSTOMER_AGENT_STATE_DB`, as deploy/compose.yml sets it): a message pushed to a visitor by
server A (Rasa's HTTP API with `output_channel=webchat`, the path every out-of-request push
takes: the channel's output channel writes to the outbox) is collected by the widget's poll
served by server B, and acknowledging it there removes it for both."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from tests.production.cluster import model_path, running_cluster
from tests.production.conftest import fresh_database, pg_url

pytestmark = [pytest.mark.slow, pytest.mark.production]


def poll(server: str, conversation_id: str, after: int = 0) -> list[dict]:
    resp = httpx.get(
        f"{server}/webhooks/webchat/poll",
        params={"conversation_id": conversation_id, "after": after},
        timeout=30,
    )
    assert resp.status_code == 200, resp.text
    return resp.json()["messages"]


def outbox_rows(database: str, conversation_id: str) -> int:
    import psycopg

    with psycopg.connect(pg_url(database), connect_timeout=5) as conn:
        row = conn.execute(
            "SELECT COUNT(*) FROM webchat_outbox WHERE conversation_id = %s", (conversation_id,)
        ).fetchone()
    return int(row[0]) if row else 0


def test_a_push_on_one_server_is_polled_from_the_other(tmp_path: Path) -> None:
    if not any(model_path().glob("*.tar.gz")) and not model_path().is_file():
        pytest.fail(f"no trained model at {model_path()}: run `make train` (make test does)")
    with (
        fresh_database("outbox") as name,
        running_cluster(
            tmp_path,
            database=name,
            queue="test_outbox_" + uuid.uuid4().hex[:8],
            action_servers=1,
            extra={"CUSTOMER_AGENT_STATE_DB": pg_url(name)},
            rasa_args=("--enable-api",),
        ) as cluster,
    ):
        a, b = cluster.rasa_urls
        conversation = "w" + uuid.uuid4().hex  # 33 URL-safe characters, as the widget makes
        resp = httpx.post(
            f"{a}/conversations/{conversation}/trigger_intent",
            params={"output_channel": "webchat"},
            json={"name": "greet"},
            timeout=120,
        )
        assert resp.status_code == 200, resp.text
        assert outbox_rows(name, conversation) >= 1  # in PostgreSQL, not in a file of server A
        assert not (cluster.data_dir / "connectors" / "webchat_outbox.sqlite3").exists()

        messages = poll(b, conversation)
        assert messages and all(m.get("text") for m in messages), messages
        ids = [m["id"] for m in messages]
        assert ids == sorted(ids)
        assert poll(b, conversation, after=ids[-1]) == []  # the widget acknowledged on B
        assert poll(a, conversation) == []  # ... which A sees too
        assert outbox_rows(name, conversation) == 0
