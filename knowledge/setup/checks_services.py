"""Checks that call a service: the stores the Rasa server and the handoff use (when configured)
and the OpenAI-compatible endpoint (when the generative composer or remote embeddings are).

Every call has a short timeout (`TIMEOUT_S`), so a service that does not answer is one line
after a few seconds, not a hang. Passwords are used, never printed.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from pathlib import Path

from knowledge.settings import Settings
from knowledge.setup.findings import Finding, fail, off, ok, secret

TIMEOUT_S = 3.0


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _postgres(subject: str, conninfo: str, where: str, fix: str) -> Finding:
    import psycopg

    try:
        with psycopg.connect(conninfo, connect_timeout=int(TIMEOUT_S)) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return fail(subject, f"PostgreSQL at {where}: {_first_line(exc)}", fix)
    return ok(subject, f"PostgreSQL at {where} reachable")


def check_tracker_store(env: Mapping[str, str], data_dir: Path) -> Finding:
    kind = (env.get("CUSTOMER_AGENT_TRACKER_STORE") or "sqlite").strip().lower()
    if kind == "sqlite":
        path = (env.get("CUSTOMER_AGENT_TRACKER_DB") or "").strip() or str(data_dir / "tracker.db")
        return off("tracker store", f"SQLite {path} (embedded, one Rasa server)")
    if kind != "postgresql":
        return fail(
            "CUSTOMER_AGENT_TRACKER_STORE", f"{kind!r} is not sqlite or postgresql", "fix it"
        )
    from psycopg.conninfo import make_conninfo

    host = env.get("POSTGRES_HOST") or "localhost"
    port = env.get("POSTGRES_PORT") or "5432"
    db = env.get("POSTGRES_DB") or "rasa"
    info = make_conninfo(
        host=host,
        port=port,
        dbname=db,
        user=env.get("POSTGRES_USER") or "rasa",
        password=secret(env, "POSTGRES_PASSWORD") or None,
    )
    fix = "start PostgreSQL or correct POSTGRES_HOST/PORT/DB/USER/PASSWORD"
    return _postgres("tracker store", info, f"{host}:{port}/{db}", fix)


def check_lock_store(env: Mapping[str, str]) -> Finding:
    kind = (env.get("CUSTOMER_AGENT_LOCK_STORE") or "memory").strip().lower()
    if kind == "memory":
        return off("lock store", "in memory (one Rasa process)")
    if kind != "redis":
        return fail("CUSTOMER_AGENT_LOCK_STORE", f"{kind!r} is not memory or redis", "fix it")
    host, port = env.get("REDIS_HOST") or "localhost", int(env.get("REDIS_PORT") or 6379)
    password = secret(env, "REDIS_PASSWORD")
    where = f"{host}:{port}"
    fix = "start Redis or correct REDIS_HOST/REDIS_PORT"
    try:
        with socket.create_connection((host, port), timeout=TIMEOUT_S) as sock:
            if password:  # RESP: AUTH <password>, then PING
                raw = password.encode()
                sock.sendall(b"*2\r\n$4\r\nAUTH\r\n$%d\r\n%s\r\n" % (len(raw), raw))
                reply = sock.recv(256)
                if not reply.startswith(b"+OK"):
                    return fail("REDIS_PASSWORD", f"Redis at {where} refused it", "correct it")
            sock.sendall(b"*1\r\n$4\r\nPING\r\n")
            reply = sock.recv(256)
    except OSError as exc:
        return fail("lock store", f"Redis at {where}: {_first_line(exc)}", fix)
    if reply.startswith(b"-NOAUTH"):
        return fail("REDIS_PASSWORD", f"Redis at {where} needs a password", "set REDIS_PASSWORD")
    if not reply.startswith(b"+PONG"):
        return fail("lock store", f"Redis at {where} answered {reply[:40]!r}", fix)
    return ok("lock store", f"Redis at {where} answers PING")


def check_event_broker(env: Mapping[str, str]) -> Finding:
    kind = (env.get("CUSTOMER_AGENT_EVENT_BROKER") or "none").strip().lower()
    if kind == "none":
        return off("event broker", "none")
    if kind != "rabbitmq":
        return fail("CUSTOMER_AGENT_EVENT_BROKER", f"{kind!r} is not none or rabbitmq", "fix it")
    user, password = secret(env, "RABBITMQ_USER"), secret(env, "RABBITMQ_PASSWORD")
    if not user or not password:
        return fail("RABBITMQ_USER", "RABBITMQ_USER and RABBITMQ_PASSWORD are required", "set them")
    import pika
    import pika.exceptions

    host, port = env.get("RABBITMQ_HOST") or "localhost", int(env.get("RABBITMQ_PORT") or 5672)
    params = pika.ConnectionParameters(
        host=host,
        port=port,
        credentials=pika.PlainCredentials(user, password),
        connection_attempts=1,
        socket_timeout=TIMEOUT_S,
        blocked_connection_timeout=TIMEOUT_S,
        stack_timeout=TIMEOUT_S * 2,
    )
    try:
        pika.BlockingConnection(params).close()
    except pika.exceptions.ProbableAuthenticationError:
        return fail("RABBITMQ_PASSWORD", f"RabbitMQ at {host}:{port} refused the login", "fix")
    except pika.exceptions.AMQPError as exc:
        fix = "start RabbitMQ or correct RABBITMQ_HOST/RABBITMQ_PORT"
        return fail("event broker", f"RabbitMQ at {host}:{port}: {type(exc).__name__}", fix)
    return ok("event broker", f"RabbitMQ at {host}:{port} accepts the login")


def check_url_db(env: Mapping[str, str], name: str, default: str) -> Finding:
    """CUSTOMER_AGENT_STATE_DB / CUSTOMER_AGENT_ANALYTICS_DB: a postgresql:// URL when set."""
    url = (env.get(name) or "").strip()
    if not url:
        return off(name, default)
    if not url.startswith(("postgresql://", "postgres://")):
        return fail(name, "expected a postgresql:// URL", "e.g. postgresql://user:pass@host/db")
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(url)
    except Exception:
        return fail(name, "is not a valid postgresql:// URL", "e.g. postgresql://user:pass@host/db")
    where = f"{parts.get('host', 'localhost')}:{parts.get('port', 5432)}/{parts.get('dbname', '')}"
    return _postgres(name, url, where, f"start PostgreSQL or correct {name}")


def check_llm(settings: Settings) -> list[Finding]:
    """GET {OPENAI_BASE_URL}/models: reachable, key accepted, the configured models listed."""
    wanted = []
    if settings.composer == "generative":
        wanted.append(("CUSTOMER_AGENT_CHAT_MODEL", settings.chat_model))
    if settings.embeddings == "openai":
        wanted.append(("CUSTOMER_AGENT_EMBEDDINGS_MODEL", settings.embeddings_model))
    if not wanted:
        return [off("LLM endpoint", "not used (extractive composer, bundled embeddings)")]
    import httpx

    base = (settings.openai_base_url or "https://api.openai.com/v1").rstrip("/")
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        resp = httpx.get(f"{base}/models", headers=headers, timeout=TIMEOUT_S + 2)
    except httpx.HTTPError as exc:
        fix = "start the server or correct OPENAI_BASE_URL"
        return [fail("OPENAI_BASE_URL", f"{base} not reachable ({type(exc).__name__})", fix)]
    if resp.status_code in (401, 403):
        fix = "set OPENAI_API_KEY to a key this endpoint accepts"
        return [fail("OPENAI_API_KEY", f"{base} answered {resp.status_code}", fix)]
    try:
        listed = {str(m.get("id")) for m in resp.json().get("data", []) if isinstance(m, dict)}
    except (ValueError, AttributeError):
        listed = set()
    if resp.status_code != 200 or not listed:
        fix = "point OPENAI_BASE_URL at an OpenAI-compatible /v1"
        return [fail("OPENAI_BASE_URL", f"{base}/models gave no model list", fix)]
    out = []
    for variable, model in wanted:
        if model in listed:
            out.append(ok(variable, f"{model} listed by {base}"))
        else:
            shown = ", ".join(sorted(listed)[:5])
            fix = f"serve it there or set {variable} to a listed one ({shown})"
            out.append(fail(variable, f"{model!r} is not listed by {base}/models", fix))
    return out
