"""A real running agent for integration and browser tests: action server (agent env) + Rasa
server (bot env) on free ports, with the latest trained model under `models/` and its own data
directory. Standard library only, so both environments' test suites may import it."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AGENT_PY = ROOT / ".venv" / "bin" / "python"
RASA = ROOT / ".venv-bot" / "bin" / "rasa"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status < 500:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} not up after {timeout}s")


def has_model() -> bool:
    return any((ROOT / "models").glob("*.tar.gz"))


@dataclass
class Stack:
    rasa_url: str
    action_url: str
    data_dir: Path
    env: dict[str, str]
    procs: list[subprocess.Popen] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    def log_tail(self, n: int = 60) -> str:
        out = []
        for path in self.logs:
            if path.exists():
                lines = path.read_text(errors="replace").splitlines()[-n:]
                out.append(f"--- {path.name}\n" + "\n".join(lines))
        return "\n".join(out)


def credential_vars() -> list[str]:
    """Env vars credentials.yml expands; Rasa refuses to start when one is unset, and a channel
    without its secrets stays closed, so unset ones are passed as empty."""
    import re

    text = (ROOT / "credentials.yml").read_text(encoding="utf-8")
    return sorted(set(re.findall(r"\$\{(\w+)\}", text)))


def stack_env(
    data_dir: Path, action_port: int, extra: dict[str, str] | None = None
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOMER_AGENT_")}
    for name in credential_vars():
        env.setdefault(name, "")
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        CUSTOMER_AGENT_DATA=str(data_dir),
        CUSTOMER_AGENT_ACTION_URL=f"http://127.0.0.1:{action_port}/webhook",
        CUSTOMER_AGENT_TRACKER_DB=str(data_dir / "tracker.db"),
        PYTHONUNBUFFERED="1",
        # embeddings are keyed by model + exact text: sharing them across test runs only saves time
        CUSTOMER_AGENT_EMBEDDING_CACHE=str(ROOT / "var" / "test-cache" / "embeddings.sqlite"),
    )
    env.update(extra or {})
    return env


def index_sample(env: dict[str, str]) -> None:
    """Index the shipped sample help centre into the stack's data dir (idempotent)."""
    subprocess.run(
        [str(AGENT_PY), "-m", "knowledge.bootstrap"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=900,
        capture_output=True,
    )


@contextlib.contextmanager
def running_stack(
    data_dir: Path,
    env: dict[str, str] | None = None,
    *,
    start_actions: bool = True,
    index: bool = True,
    startup_timeout: float = 240.0,
) -> Iterator[Stack]:
    """Start the agent; `start_actions=False` leaves the action server down (failure tests)."""
    if not has_model():
        raise RuntimeError("no trained model under models/: run `make train` first")
    data_dir.mkdir(parents=True, exist_ok=True)
    rasa_port, action_port = free_port(), free_port()
    full_env = stack_env(data_dir, action_port, env)
    stack = Stack(
        rasa_url=f"http://127.0.0.1:{rasa_port}",
        action_url=f"http://127.0.0.1:{action_port}",
        data_dir=data_dir,
        env=full_env,
    )
    if index and start_actions:
        index_sample(full_env)
    try:
        if start_actions:
            log = data_dir / "actions.log"
            stack.logs.append(log)
            stack.procs.append(
                subprocess.Popen(
                    [
                        str(AGENT_PY),
                        "-m",
                        "rasa_sdk",
                        "--actions",
                        "actions",
                        "--port",
                        str(action_port),
                    ],
                    cwd=ROOT,
                    env=full_env,
                    stdout=log.open("wb"),
                    stderr=subprocess.STDOUT,
                )
            )
        log = data_dir / "rasa.log"
        stack.logs.append(log)
        rasa = subprocess.Popen(
            [
                str(RASA),
                "run",
                "--model",
                "models",
                "--credentials",
                "credentials.yml",
                "--endpoints",
                "endpoints.yml",
                "--port",
                str(rasa_port),
                *(["--debug"] if os.environ.get("STACK_DEBUG") else []),
            ],
            cwd=ROOT,
            env=full_env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        stack.procs.append(rasa)
        if start_actions:
            wait_http(f"{stack.action_url}/health", startup_timeout, stack.procs[0])
        wait_http(f"{stack.rasa_url}/webhooks/rest/", startup_timeout, rasa)
        yield stack
    except Exception:
        sys.stderr.write(stack.log_tail())
        raise
    finally:
        for proc in stack.procs:
            proc.terminate()
        for proc in stack.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
