"""Blocking IMAP mailbox access (stdlib `imaplib`), meant to run in a worker thread via
`asyncio.to_thread` so the Rasa event loop never blocks.

New mail is awaited with IDLE (RFC 2177) when the server offers it, else by plain polling; either
way the caller re-searches afterwards, so a missed IDLE notification costs latency, never mail.
"""

from __future__ import annotations

import contextlib
import imaplib
import select
import ssl
import threading
import time
from datetime import datetime, timedelta, timezone

from connectors.email.config import EmailConfig

KEYWORD = "$CustomerAgent"  # set on every mail the agent has dealt with
IDLE_MAX_S = 25 * 60  # servers drop IDLE after ~29 min (RFC 2177)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class ImapError(RuntimeError):
    """The server said NO/BAD or the connection broke; the poller reconnects with backoff."""


def _check(result: tuple[str, list]) -> list:
    typ, data = result
    if typ != "OK":
        raise ImapError(f"IMAP {typ}: {data!r}")
    return data


def _quote(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ImapMailbox:
    """One logged-in, selected IMAP connection. Not thread-safe: one worker at a time."""

    def __init__(self, config: EmailConfig, stop: threading.Event) -> None:
        self.config = config
        self.stop = stop
        self.imap: imaplib.IMAP4 | None = None
        self.supports_idle = False
        self.supports_keywords = False
        self.uidvalidity = ""  # with the folder and a UID, names one mail for good (RFC 3501)

    def connect(self) -> None:
        cfg = self.config
        if cfg.imap_security == "ssl":
            imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                cfg.imap_host,
                cfg.imap_port,
                ssl_context=ssl.create_default_context(),
                timeout=cfg.timeout_s,
            )
        else:
            imap = imaplib.IMAP4(cfg.imap_host, cfg.imap_port, timeout=cfg.timeout_s)
            if cfg.imap_security == "starttls":
                imap.starttls(ssl.create_default_context())
        self.imap = imap
        try:
            _check(imap.login(cfg.username, cfg.password))
            _check(imap.select(_quote(cfg.folder)))
        except imaplib.IMAP4.error as exc:
            self.close()
            raise ImapError(f"IMAP login/select failed: {exc}") from None
        self.supports_idle = "IDLE" in imap.capabilities
        _, flags = imap.response("PERMANENTFLAGS")
        self.supports_keywords = any(b"\\*" in (f or b"") for f in flags)
        _, validity = imap.response("UIDVALIDITY")
        self.uidvalidity = next((v.decode() for v in validity if v), "")

    def position(self, uid: int) -> str:
        """A key for the mail at `uid` that every server on this mailbox computes alike."""
        return f"imap:{self.config.username}/{self.config.folder}/{self.uidvalidity}/{uid}"

    def _conn(self) -> imaplib.IMAP4:
        if self.imap is None:
            raise ImapError("not connected")
        return self.imap

    def pending_uids(self) -> list[int]:
        """Unread mail the agent has not dealt with, oldest first."""
        self._take_new_mail_notices()
        since = datetime.now(timezone.utc) - timedelta(days=self.config.max_age_days)
        since_text = f"{since.day:02d}-{MONTHS[since.month - 1]}-{since.year}"  # locale-free
        criteria = ["UNSEEN", "SINCE", since_text]
        if self.supports_keywords:
            criteria += ["UNKEYWORD", KEYWORD]
        data = _check(self._conn().uid("SEARCH", *criteria))
        return sorted(int(u) for u in b" ".join(d or b"" for d in data).split())

    def fetch(self, uid: int) -> bytes | None:
        """The raw mail, without setting \\Seen (BODY.PEEK); None if it vanished."""
        data = _check(self._conn().uid("FETCH", str(uid), "(BODY.PEEK[])"))
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                return bytes(item[1])
        return None

    def mark(self, uid: int, *, answered: bool) -> None:
        """Flag a mail as dealt with: only called once the reply is safely out (or not needed)."""
        flags = ["\\Seen"]
        if answered:
            flags.append("\\Answered")
        if self.supports_keywords:
            flags.append(KEYWORD)
        _check(self._conn().uid("STORE", str(uid), "+FLAGS.SILENT", "(" + " ".join(flags) + ")"))

    def _take_new_mail_notices(self) -> bool:
        """Whether a response since the last search announced new mail (and forget it)."""
        untagged = self._conn().untagged_responses
        return bool(untagged.pop("EXISTS", None)) | bool(untagged.pop("RECENT", None))

    def wait_for_change(self, seconds: float) -> None:
        """Return when new mail may have arrived, `seconds` passed, or stop was requested."""
        if self._take_new_mail_notices():  # mail came in while we were busy answering
            return
        if self.supports_idle:
            self._idle(min(seconds, IDLE_MAX_S))
            return
        deadline = time.monotonic() + seconds
        while not self.stop.is_set() and time.monotonic() < deadline:
            self.stop.wait(min(1.0, max(0.0, deadline - time.monotonic())))
        if not self.stop.is_set():
            _check(self._conn().noop())

    def _idle(self, seconds: float) -> None:
        imap = self._conn()
        tag = imap._new_tag()  # imaplib has no IDLE before Python 3.14
        imap.send(tag + b" IDLE\r\n")
        line = imap.readline()
        if not line.startswith(b"+"):
            raise ImapError(f"IDLE refused: {line!r}")
        sock = imap.socket()
        deadline = time.monotonic() + seconds
        try:
            while not self.stop.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                pending = isinstance(sock, ssl.SSLSocket) and sock.pending() > 0
                if not pending:
                    readable, _, _ = select.select([sock], [], [], min(1.0, remaining))
                    if not readable:
                        continue
                line = imap.readline()
                if not line:
                    raise ImapError("connection closed during IDLE")
                if line.startswith(b"* ") and (b"EXISTS" in line or b"RECENT" in line):
                    break
        finally:
            imap.send(b"DONE\r\n")
            while True:
                line = imap.readline()
                if not line:
                    raise ImapError("connection closed after IDLE")
                if line.startswith(tag + b" "):
                    break
            imap.tagged_commands.pop(tag, None)
        if not line.startswith(tag + b" OK"):
            raise ImapError(f"IDLE ended badly: {line!r}")

    def close(self) -> None:
        imap, self.imap = self.imap, None
        if imap is None:
            return
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            imap.logout()
