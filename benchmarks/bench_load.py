"""Load: N concurrent web-chat conversations against one and two Rasa servers (issue 12).

Each configuration is a real cluster (tests/production/cluster.py): Rasa servers sharing the
PostgreSQL tracker store, the atomic Redis lock store and the RabbitMQ broker of
deploy/production.env, with two action servers, on the local services. Conversations go through
the web chat API (POST /webhooks/webchat/webhook), each pinned to one server by its id as the
reverse proxy of deploy/compose.yml does; a conversation is: a greeting, two questions about the
sample help centre, a thanks. Prints throughput (turns/s) and p50/p95 turn latency per
(servers, N), side by side, as a Markdown table.

Every client comes from 127.0.0.1, so the run uses a copy of credentials.yml whose web chat
per-IP and per-conversation limits are raised; nothing else differs from production.

Usage: .venv/bin/python benchmarks/bench_load.py [--concurrency 1 10 50] [--servers 1 2]
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.production.cluster import Cluster, running_cluster  # noqa: E402
from tests.production.conftest import fresh_database  # noqa: E402

TURNS = [
    "hello",
    "How long does delivery to Belgium take?",
    "Hoe lang is de garantie op de accu?",
    "thanks",
]


def bench_credentials(directory: Path) -> Path:
    creds = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8"))
    webchat = creds["connectors.webchat.WebChatInput"]
    webchat.update(rate_limit_per_minute=100_000, ip_rate_limit_per_minute=1_000_000)
    path = directory / "credentials.yml"
    path.write_text(yaml.safe_dump(creds), encoding="utf-8")
    return path


def server_for(cluster: Cluster, conversation_id: str) -> str:
    """What the proxy does: the same conversation always reaches the same server."""
    digest = int(hashlib.sha256(conversation_id.encode()).hexdigest(), 16)
    return cluster.rasa_urls[digest % len(cluster.rasa_urls)]


def conversation(cluster: Cluster, client: httpx.Client) -> list[float]:
    conversation_id = uuid.uuid4().hex  # 32 URL-safe characters
    url = server_for(cluster, conversation_id) + "/webhooks/webchat/webhook"
    latencies = []
    for text in TURNS:
        t0 = time.perf_counter()
        resp = client.post(url, json={"conversation_id": conversation_id, "message": text})
        latencies.append(time.perf_counter() - t0)
        resp.raise_for_status()
        if not resp.json().get("messages"):
            raise RuntimeError(f"no reply to {text!r}")
    return latencies


def load(cluster: Cluster, n: int) -> dict[str, float]:
    with httpx.Client(timeout=120) as client, ThreadPoolExecutor(n) as pool:
        t0 = time.perf_counter()
        per_conversation = list(pool.map(lambda _: conversation(cluster, client), range(n)))
        wall = time.perf_counter() - t0
    latencies = sorted(x for c in per_conversation for x in c)
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    return {
        "turns": len(latencies),
        "wall_s": wall,
        "turns_per_s": len(latencies) / wall,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": p95 * 1000,
    }


def delete_queue(queue: str, env: dict[str, str]) -> None:
    import pika

    params = pika.ConnectionParameters(
        env["RABBITMQ_HOST"],
        int(env["RABBITMQ_PORT"]),
        credentials=pika.PlainCredentials(env["RABBITMQ_USER"], env["RABBITMQ_PASSWORD"]),
        socket_timeout=5,
    )
    with pika.BlockingConnection(params) as connection:
        connection.channel().queue_delete(queue)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--servers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    results: dict[tuple[int, int], dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        credentials = bench_credentials(Path(tmp))
        for servers in args.servers:
            queue = "bench_" + uuid.uuid4().hex[:8]
            with (
                fresh_database("bench") as name,
                running_cluster(
                    Path(tmp) / f"servers{servers}",
                    database=name,
                    queue=queue,
                    rasa_servers=servers,
                    action_servers=2,
                    credentials=credentials,
                ) as cluster,
            ):
                load(cluster, 2 * servers)  # warm-up: models and connections loaded
                for n in args.concurrency:
                    results[(servers, n)] = r = load(cluster, n)
                    print(f"servers={servers} N={n}: {r}", flush=True)
                delete_queue(queue, cluster.env)
    print("\n| N | " + " | ".join(f"{s} server(s): turns/s, p50, p95" for s in args.servers) + " |")
    print("|---|" + "---|" * len(args.servers))
    for n in args.concurrency:
        cells = []
        for s in args.servers:
            r = results[(s, n)]
            cells.append(f"{r['turns_per_s']:.1f}/s, {r['p50_ms']:.0f} ms, {r['p95_ms']:.0f} ms")
        print(f"| {n} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
