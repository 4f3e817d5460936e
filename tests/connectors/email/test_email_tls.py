"""A standard provider: TLS everywhere (implicit TLS or STARTTLS) and an app password for both
IMAP and SMTP submission, with the server's certificate verified."""

from __future__ import annotations

import shutil
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from email_mails import VISITOR, visitor_mail
from email_servers import PASSWORD, USER, Dovecot, SmtpSink, free_port, make_cert, running_dovecot

from connectors.email.channel import EmailInput
from connectors.email.config import EmailConfig
from connectors.email.imap import ImapMailbox
from connectors.email.smtp import SmtpSender

pytestmark = pytest.mark.skipif(not shutil.which("openssl"), reason="openssl CLI missing")


@pytest.fixture
def cert(tmp_path_factory) -> tuple[Path, Path]:
    return make_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_dovecot(cert) -> Iterator[Dovecot]:
    with running_dovecot(cert) as server:
        yield server


@pytest.fixture
def tls_smtp(cert) -> Iterator[tuple[SmtpSink, int, list[str]]]:
    """Submission server: STARTTLS required, then AUTH with the app password."""
    logins: list[str] = []

    def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(),
            auth_data.password.decode(),
        ) == (USER, PASSWORD)
        if ok:
            logins.append(auth_data.login.decode())
        return AuthResult(success=ok)

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*cert)
    sink = SmtpSink()
    port = free_port()
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=port,
        server_hostname="localhost",
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        authenticator=authenticator,
    )
    controller.start()
    try:
        yield sink, port, logins
    finally:
        controller.stop()


@pytest.mark.parametrize("imap_security", ["ssl", "starttls"])
async def test_tls_and_app_password_on_both_legs(
    tls_dovecot, tls_smtp, cert, tmp_path, monkeypatch, agent, imap_security
):
    monkeypatch.setenv("SSL_CERT_FILE", str(cert[0]))  # trust the test CA, verification stays on
    sink, smtp_port, logins = tls_smtp
    config = EmailConfig(
        imap_host="localhost",
        imap_port=tls_dovecot.tls_port if imap_security == "ssl" else tls_dovecot.port,
        imap_security=imap_security,
        username=USER,
        password=PASSWORD,
        from_address=USER,
        smtp_host="localhost",
        smtp_port=smtp_port,
        smtp_security="starttls",
        timeout_s=5.0,
        data_dir=tmp_path,
    )
    raw, message_id = visitor_mail("Do you ship to Belgium?")
    tls_dovecot.deliver_tls(raw)
    channel = EmailInput(config)
    channel._sender = SmtpSender(config, retry_base_s=0.01)
    channel.start(agent)
    try:
        received = await sink.wait_for(1)
    finally:
        await channel.stop()
    assert len(received) == 1
    assert received[0].rcpt_tos == [VISITOR]
    assert received[0].message["In-Reply-To"] == message_id
    assert logins == [USER]


def test_untrusted_certificate_is_refused(tls_dovecot, tmp_path, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    config = EmailConfig(
        imap_host="localhost",
        imap_port=tls_dovecot.tls_port,
        imap_security="ssl",
        username=USER,
        password=PASSWORD,
        from_address=USER,
        timeout_s=5.0,
        data_dir=tmp_path,
    )
    mailbox = ImapMailbox(config, threading.Event())
    with pytest.raises(ssl.SSLCertVerificationError):
        mailbox.connect()
