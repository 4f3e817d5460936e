"""Real local mail servers for the email channel tests: a throw-away Dovecot (IMAP, with IDLE)
and an aiosmtpd SMTP server that captures what the connector sends."""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from connectors.email.config import EmailConfig

USER = "support@example.test"
PASSWORD = "s3cret-test-pass"

DOVECOT_CONF = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = 0
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
{tls}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Dovecot:
    """Foreground dovecot (`dovecot -F -c conf`) in a temp dir on a free port."""

    def __init__(self, cert: tuple[Path, Path] | None = None) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="ca-dovecot-"))
        self.port = free_port()
        self.cert = cert  # (cert, key): TLS required, implicit TLS on tls_port, STARTTLS on port
        self.tls_port = free_port() if cert else 0
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
        os.chmod(self.root, 0o755)
        if os.geteuid() == 0:
            login_user, internal_user = "dovenull", "dovecot"
            mail_owner = pwd.getpwnam("nobody")
        else:
            login_user = internal_user = pwd.getpwuid(os.geteuid()).pw_name
            mail_owner = pwd.getpwuid(os.geteuid())
        for sub in ("mail", "home"):
            (self.root / sub).mkdir()
            os.chown(self.root / sub, mail_owner.pw_uid, mail_owner.pw_gid)
        (self.root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        conf = self.root / "dovecot.conf"
        conf.write_text(
            DOVECOT_CONF.format(
                root=self.root,
                port=self.port,
                login_user=login_user,
                internal_user=internal_user,
                uid=mail_owner.pw_uid,
                gid=mail_owner.pw_gid,
                tls_port=self.tls_port,
                tls=(
                    f"ssl = required\nssl_cert = <{self.cert[0]}\nssl_key = <{self.cert[1]}\n"
                    "disable_plaintext_auth = yes"
                    if self.cert
                    else "ssl = no\ndisable_plaintext_auth = no"
                ),
            )
        )
        self.proc = subprocess.Popen(
            [binary, "-F", "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group: stop() ends master and children
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"dovecot exited: {err} {self.log()}")
            with contextlib.suppress(OSError):
                imaplib.IMAP4("127.0.0.1", self.port, timeout=2).logout()
                return
            time.sleep(0.1)
        raise RuntimeError(f"dovecot did not listen: {self.log()}")

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            # a throw-away server: no graceful shutdown needed (SIGTERM costs ~1 s per test)
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)

    # what a visitor's mail provider does: deliver into the mailbox
    def client(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        imap.login(USER, PASSWORD)
        return imap

    def deliver_tls(self, raw: bytes) -> None:
        """Deliver over implicit TLS (plain-text login is refused on a TLS server)."""
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        imap = imaplib.IMAP4_SSL("127.0.0.1", self.tls_port, ssl_context=context, timeout=10)
        try:
            imap.login(USER, PASSWORD)
            typ, data = imap.append("INBOX", None, None, raw)
            assert typ == "OK", data
        finally:
            imap.logout()

    def deliver(self, raw: bytes, arrived: float | None = None) -> None:
        imap = self.client()
        try:
            when = imaplib.Time2Internaldate(arrived) if arrived else None
            typ, data = imap.append("INBOX", None, when, raw)
            assert typ == "OK", data
        finally:
            imap.logout()

    def flags(self) -> list[tuple[str, str]]:
        """(Message-ID, FLAGS) of every mail in INBOX."""
        imap = self.client()
        try:
            imap.select("INBOX")
            _, data = imap.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        finally:
            imap.logout()
        out = []
        for item in data:
            if isinstance(item, tuple):
                flags = item[0].decode()
                message_id = message_from_bytes(item[1]).get("Message-ID", "")
                out.append((message_id.strip(), flags))
        return out


@dataclass
class Captured:
    envelope_from: str
    rcpt_tos: list[str]
    message: Message
    raw: bytes


@dataclass
class SmtpSink:
    """aiosmtpd handler: captures mail, or refuses with a temporary error while `fail` is set."""

    received: list[Captured] = field(default_factory=list)
    fail: int = 0  # how many next DATA commands to refuse with `fail_reply`
    fail_reply: str = "451 4.3.0 try again later"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.fail:
            self.fail -= 1
            return self.fail_reply
        raw = envelope.original_content or b""
        self.received.append(
            Captured(
                envelope_from=str(envelope.mail_from),
                rcpt_tos=list(envelope.rcpt_tos),
                message=message_from_bytes(raw, policy=policy.default),
                raw=raw,
            )
        )
        return "250 OK"

    async def wait_for(self, count: int, timeout: float = 15.0) -> list[Captured]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.received) >= count:
                break
            await asyncio.sleep(0.05)
        return self.received


def start_smtp() -> tuple[Controller, SmtpSink]:
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, sink


@contextlib.contextmanager
def running_dovecot(cert: tuple[Path, Path] | None = None) -> Iterator[Dovecot]:
    """A started Dovecot for one test (the test is skipped where the binary is missing)."""
    import pytest

    if not (shutil.which("dovecot") or Path("/usr/sbin/dovecot").exists()):
        pytest.skip("dovecot binary missing: apt-get install dovecot-imapd (make setup does)")
    server = Dovecot(cert)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def running_smtp() -> Iterator[tuple[SmtpSink, int]]:
    """A capturing SMTP server for one test, with its port."""
    controller, sink = start_smtp()
    try:
        yield sink, controller.port
    finally:
        controller.stop()


def plain_config(imap_port: int, smtp_port: int, data_dir: Path) -> EmailConfig:
    """The connector's settings against the plain (no TLS) local servers above."""
    return EmailConfig(
        imap_host="127.0.0.1",
        imap_port=imap_port,
        imap_security="none",
        username=USER,
        password=PASSWORD,
        from_address=USER,
        from_name="Example Support",
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_security="none",
        poll_interval_s=5.0,
        timeout_s=5.0,
        send_attempts=2,
        data_dir=data_dir,
    )


def make_cert(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost/127.0.0.1 (openssl CLI)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    os.chmod(directory, 0o755)
    return cert, key
