"""Visitor mails as a real mail client would write them."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

VISITOR = "anna@visitor.test"


def visitor_mail(
    body: str,
    *,
    subject: str = "Returning a jacket",
    sender: str = VISITOR,
    in_reply_to: str | None = None,
    references: str | None = None,
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
    to: str = "support@example.test",
) -> tuple[bytes, str]:
    msg = EmailMessage()
    msg["From"] = f"Anna Visitor <{sender}>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate()
    msg["Message-ID"] = message_id or make_msgid(domain="visitor.test")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = references or in_reply_to
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg.as_bytes(), str(msg["Message-ID"])
