"""Several real Rasa servers and action servers sharing the production backends, for the
production tests and benchmarks/bench_load.py. Standard library only (both envs may import it).

The backends' settings are deploy/production.env (what deploy/compose.yml uses); only host
names, ports, the database and the queue (fresh per run, so runs never see each other's data)
are set here for the local PostgreSQL, Redis and RabbitMQ on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.stack import AGENT_PY, RASA, ROOT, free_port, index_sample, stack_env, wait_http

PRODUCTION_ENV = ROOT / "deploy" / "production.env"
LOCAL_SERVICES = {
    "POSTGRES_HOST": "127.0.0.1",
    "REDIS_HOST": "127.0.0.1",
    "RABBITMQ_HOST": "127.0.0.1",
    "RABBITMQ_USER": "guest",  # the local RabbitMQ's account (guest may log in from loopback)
    "RABBITMQ_PASSWORD": "guest",
}


def read_env_file(path: Path = PRODUCTION_ENV) -> dict[str, str]:
    """KEY=VALUE lines; blank lines and # comments skipped (the subset compose also reads)."""
    env = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    return env


def model_path() -> Path:
    """The trained model: CUSTOMER_AGENT_TEST_MODEL (file or folder), else models/."""
    return Path(os.environ.get("CUSTOMER_AGENT_TEST_MODEL", ROOT / "models"))


@dataclass
class Cluster:
    rasa_urls: list[str]
    action_urls: list[str]
    env: dict[str, str]
    data_dir: Path
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    def kill(self, name: str) -> None:
        """SIGKILL one process (e.g. "rasa1"): no shutdown hooks, in-flight work is lost."""
        proc = self.procs[name]
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def log_tail(self, n: int = 40) -> str:
        out = []
        for name in self.procs:
            path = self.data_dir / f"{name}.log"
            if path.exists():
                lines = path.read_text(errors="replace").splitlines()[-n:]
                out.append(f"--- {name}\n" + "\n".join(lines))
        return "\n".join(out)


def _spawn(cluster: Cluster, name: str, args: list[str], env: dict[str, str]) -> None:
    log = (cluster.data_dir / f"{name}.log").open("wb")
    cluster.procs[name] = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )


@contextlib.contextmanager
def running_cluster(
    data_dir: Path,
    *,
    database: str,
    queue: str,
    rasa_servers: int = 2,
    action_servers: int = 2,
    extra: dict[str, str] | None = None,
    credentials: Path | None = None,
    rasa_args: tuple[str, ...] = (),
    startup_timeout: float = 600.0,
) -> Iterator[Cluster]:
    """Start `action_servers` action servers and `rasa_servers` Rasa servers (Rasa server i
    calls action server i % action_servers), all on one PostgreSQL database, Redis and queue;
    `credentials` replaces credentials.yml (the load benchmark raises the web chat rate limits);
    `rasa_args` are added to each `rasa run` (e.g. `--enable-api`)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    action_ports = [free_port() for _ in range(action_servers)]
    rasa_ports = [free_port() for _ in range(rasa_servers)]
    base = stack_env(data_dir, action_ports[0])
    base.update(read_env_file())
    base.update(LOCAL_SERVICES)
    base.update(POSTGRES_DB=database, RABBITMQ_QUEUE=queue)
    base.update(extra or {})
    cluster = Cluster(
        rasa_urls=[f"http://127.0.0.1:{p}" for p in rasa_ports],
        action_urls=[f"http://127.0.0.1:{p}" for p in action_ports],
        env=base,
        data_dir=data_dir,
    )
    index_sample(base)  # one LanceDB index, read by every action server of this machine
    try:
        for i, port in enumerate(action_ports):
            _spawn(
                cluster,
                f"actions{i}",
                [str(AGENT_PY), "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
                base,
            )
        for i, port in enumerate(rasa_ports):
            env = dict(base)
            action_port = action_ports[i % action_servers]
            env["CUSTOMER_AGENT_ACTION_URL"] = f"http://127.0.0.1:{action_port}/webhook"
            args = [str(RASA), "run", "--model", str(model_path()), "--credentials"]
            args += [str(credentials or "credentials.yml"), "--endpoints", "endpoints.yml"]
            args += ["--port", str(port), *rasa_args]
            _spawn(cluster, f"rasa{i}", args, env)
        for i, url in enumerate(cluster.action_urls):
            wait_http(f"{url}/health", startup_timeout, cluster.procs[f"actions{i}"])
        for i, url in enumerate(cluster.rasa_urls):
            wait_http(f"{url}/webhooks/rest/", startup_timeout, cluster.procs[f"rasa{i}"])
        yield cluster
    except Exception:
        sys.stderr.write(cluster.log_tail())
        raise
    finally:
        for proc in cluster.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in cluster.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
