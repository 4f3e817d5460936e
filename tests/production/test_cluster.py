"""Two real Rasa servers (`rasa run`, the trained model) sharing the production backends of
deploy/production.env on the local PostgreSQL (tracker store), Redis (our atomic lock store)
and RabbitMQ (event broker), with two action servers. Conversations alternate between the
servers turn by turn; what PostgreSQL holds afterwards is checked event by event.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.production.cluster import Cluster, model_path, running_cluster
from tests.production.conftest import fresh_database, pg_url

pytestmark = [pytest.mark.slow, pytest.mark.production]

SMALL_TALK = ["hello", "thanks", "hi there", "thank you", "good morning"]
CONVERSATIONS = 20
TURNS = 10


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if not any(model_path().glob("*.tar.gz")) and not model_path().is_file():
        pytest.fail(f"no trained model at {model_path()}: run `make train` (make test does)")
    with (
        fresh_database("cluster") as name,
        running_cluster(
            tmp_path_factory.mktemp("cluster"),
            database=name,
            queue="test_cluster_" + uuid.uuid4().hex[:8],
        ) as c,
    ):
        yield c


def send(url: str, sender: str, turn: int, timeout: float = 120) -> list[dict]:
    body = {"sender": sender, "message": SMALL_TALK[turn % len(SMALL_TALK)]}
    body["metadata"] = {"turn": turn}
    resp = httpx.post(f"{url}/webhooks/rest/webhook", json=body, timeout=timeout)
    assert resp.status_code == 200, resp.text
    assert resp.json(), f"no reply to turn {turn} of {sender}"
    return resp.json()


def stored_events(cluster: Cluster, senders: list[str]) -> dict[str, list[dict]]:
    """Each sender's events in the order the tracker store keeps them (by row id)."""
    import psycopg

    out: dict[str, list[dict]] = {s: [] for s in senders}
    with psycopg.connect(pg_url(cluster.env["POSTGRES_DB"])) as conn:
        rows = conn.execute(
            "SELECT sender_id, data FROM events WHERE sender_id = ANY(%s) ORDER BY id", (senders,)
        ).fetchall()
    for sender, data in rows:
        out[sender].append(json.loads(data))
    return out


def user_turns(events: list[dict]) -> list[int]:
    return [(e.get("metadata") or {}).get("turn") for e in events if e["event"] == "user"]


def assert_no_duplicates(events: list[dict]) -> None:
    keys = [json.dumps(e, sort_keys=True) for e in events]
    assert len(keys) == len(set(keys)), "an event was stored twice"


def assert_each_turn_finished_before_the_next(events: list[dict]) -> None:
    """Between two user messages: the bot's reply and Rasa listening again."""
    seen_user = False
    since_user: list[str] = []
    for e in events:
        if e["event"] == "user":
            if seen_user:
                assert "bot" in since_user and since_user[-1] == "action", since_user
            seen_user, since_user = True, []
        else:
            since_user.append(e["event"])


def test_20_conversations_of_10_turns_alternating_between_servers(cluster: Cluster) -> None:
    run = uuid.uuid4().hex[:6]
    senders = [f"alt-{run}-{c}" for c in range(CONVERSATIONS)]

    def conversation(c: int) -> None:
        for turn in range(TURNS):
            send(cluster.rasa_urls[(c + turn) % 2], senders[c], turn)

    with ThreadPoolExecutor(CONVERSATIONS) as pool:
        list(pool.map(conversation, range(CONVERSATIONS)))
    stored = stored_events(cluster, senders)
    for sender in senders:
        events = stored[sender]
        assert user_turns(events) == list(range(TURNS)), sender  # none lost, none reordered
        assert_no_duplicates(events)
        assert_each_turn_finished_before_the_next(events)


def test_two_messages_10ms_apart_on_two_servers_run_one_after_the_other(cluster) -> None:
    run = uuid.uuid4().hex[:6]
    senders = [f"pair-{run}-{i}" for i in range(6)]

    def pair(sender: str) -> None:
        first = threading.Thread(target=send, args=(cluster.rasa_urls[0], sender, 0))
        first.start()
        time.sleep(0.010)
        send(cluster.rasa_urls[1], sender, 1)
        first.join()

    with ThreadPoolExecutor(len(senders)) as pool:
        list(pool.map(pair, senders))
    stored = stored_events(cluster, senders)
    for sender in senders:
        events = stored[sender]
        assert sorted(user_turns(events)) == [0, 1], sender  # both kept, exactly once
        assert_no_duplicates(events)
        assert_each_turn_finished_before_the_next(events)


def test_sigkill_of_one_server_loses_no_conversation_state(cluster: Cluster) -> None:
    """Runs last: kills rasa1. Turns sent to it while it dies are retried on rasa0 (what a load
    balancer does); every acknowledged turn must be in the store, in order."""
    run = uuid.uuid4().hex[:6]
    senders = [f"kill-{run}-{c}" for c in range(10)]
    turns = 8
    killed = threading.Event()
    retried: dict[str, set[int]] = {s: set() for s in senders}

    def conversation(c: int) -> None:
        for turn in range(turns):
            url = cluster.rasa_urls[(c + turn) % 2]
            if url == cluster.rasa_urls[1] and killed.is_set():
                url = cluster.rasa_urls[0]  # the balancer stopped routing to the dead server
            try:
                send(url, senders[c], turn)
            except (httpx.TransportError, AssertionError):
                assert url == cluster.rasa_urls[1], "the surviving server failed a turn"
                retried[senders[c]].add(turn)
                send(cluster.rasa_urls[0], senders[c], turn)

    with ThreadPoolExecutor(len(senders)) as pool:
        futures = [pool.submit(conversation, c) for c in range(len(senders))]
        time.sleep(1.5)  # mid-run: some conversations are a few turns in, some turns in flight
        cluster.kill("rasa1")
        killed.set()
        for f in futures:
            f.result()
    assert cluster.procs["rasa1"].poll() is not None
    stored = stored_events(cluster, senders)
    for sender in senders:
        got = user_turns(stored[sender])
        # a turn killed after its save but before its reply is stored again by the retry
        deduped = [
            t for i, t in enumerate(got) if i == 0 or t != got[i - 1] or t not in retried[sender]
        ]
        assert deduped == list(range(turns)), (sender, got)
        assert_each_turn_finished_before_the_next(stored[sender])
