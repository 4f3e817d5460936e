"""Turn a raw inbound mail into what NLU should see, and decide whether it deserves an answer.

Quoted history and signatures are stripped with `mail-parser-reply`; auto-replies, bounces and
mailing-list traffic are recognised from their headers (RFC 3834, RFC 2369/2919, RFC 3464) so the
agent never talks to another robot.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from functools import lru_cache
from html.parser import HTMLParser
from typing import ClassVar

from mailparser_reply import EmailReplyParser
from mailparser_reply.constants import MAIL_LANGUAGES

MSGID_RE = re.compile(r"<[^<>\s]+>")
SUBJECT_PREFIX_RE = re.compile(
    r"^\s*((re|aw|antw|sv|fw|fwd|wg|tr|rv|r)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE
)
BOUNCE_SENDERS = ("mailer-daemon", "postmaster", "mail-daemon", "bounce")
LIST_HEADERS = ("list-id", "list-unsubscribe", "list-post", "list-help")
AUTO_HEADERS = ("x-autoreply", "x-autorespond", "x-autoresponder", "x-auto-reply")
MAX_TEXT_CHARS = 4000


@dataclass(frozen=True)
class InboundMail:
    message_id: str
    address: str  # where the answer goes (Reply-To, else From), lower-cased
    name: str
    subject: str
    in_reply_to: list[str]
    references: list[str]
    text: str  # latest reply only, ready for NLU
    automated: str | None = None  # why it must not be answered, if so
    to: list[str] = field(default_factory=list)
    has_message_id: bool = True  # False: `message_id` is a hash of the raw bytes

    @property
    def thread_ids(self) -> list[str]:
        """Every Message-ID this mail says it answers, oldest first."""
        seen: dict[str, None] = {}
        for message_id in [*self.references, *self.in_reply_to]:
            seen.setdefault(message_id, None)
        return list(seen)


class _TextExtractor(HTMLParser):
    """HTML-only mails: keep the text, drop scripts/styles, keep line structure."""

    BLOCKS: ClassVar[frozenset[str]] = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote", "hr"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head") and self._skip:
            self._skip -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(html)
    text = "".join(extractor.parts)
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()


def message_ids(value: str | None) -> list[str]:
    return MSGID_RE.findall(value or "")


def clean_subject(subject: str) -> str:
    """The subject without any stack of Re:/AW:/Fwd: prefixes."""
    return SUBJECT_PREFIX_RE.sub("", subject or "").strip()


def reply_subject(subject: str) -> str:
    base = clean_subject(subject)
    return f"Re: {base}" if base else "Re:"


@lru_cache(maxsize=1)
def _reply_parser() -> EmailReplyParser:
    return EmailReplyParser(languages=[lang for lang in MAIL_LANGUAGES if lang != "david"])


def _cut_quote_header(text: str) -> str:
    """Cut at an attribution line ("On ... wrote:", "Op ... schreef ...:") the parser's
    per-language patterns missed: a line ending in ':' directly followed by quoted lines."""
    lines = text.split("\n")
    for i, line in enumerate(lines[:-1]):
        if line.rstrip().endswith(":") and lines[i + 1].lstrip().startswith(">"):
            return "\n".join(lines[:i])
    return text


def latest_reply(body: str) -> str:
    """The visitor's new text: quoted history, reply headers and signatures removed."""
    body = _cut_quote_header(body.replace("\r\n", "\n"))
    try:
        replies = _reply_parser().read(body).replies
        text = replies[0].body if replies else ""
    except Exception:  # a parser bug must not lose the mail: fall back to a plain cut
        text = body
    # what the parser leaves of "> quoted" lines and a trailing "-- " signature
    lines: list[str] = []
    for line in text.split("\n"):
        if line.rstrip() == "--":
            break
        if not line.lstrip().startswith(">"):
            lines.append(line)
    return "\n".join(lines).strip()[:MAX_TEXT_CHARS]


def automated_reason(msg: Message, own_address: str) -> str | None:
    """Why this mail must not be answered (auto-reply, bounce, list, loop), or None."""
    auto_submitted = str(msg.get("auto-submitted", "")).strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"auto-submitted: {auto_submitted}"
    precedence = str(msg.get("precedence", "")).strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"precedence: {precedence}"
    for header in LIST_HEADERS:
        if msg.get(header) is not None:
            return f"mailing list ({header})"
    for header in AUTO_HEADERS:
        if msg.get(header) is not None:
            return f"auto-reply ({header})"
    if msg.get_content_type() == "multipart/report":
        return "delivery report"
    if str(msg.get("return-path", "")).strip() == "<>":
        return "bounce (null return path)"
    sender = parseaddr(str(msg.get("from", "")))[1].lower()
    if not sender or "@" not in sender:
        return "no sender address"
    if sender.split("@", 1)[0] in BOUNCE_SENDERS:
        return f"bounce ({sender})"
    if sender == own_address.lower():
        return "sent by this mailbox (loop)"
    own = own_address.lower()
    if any(own in str(value).lower() for value in msg.get_all("x-loop", [])):
        return "x-loop"
    return None


def _body_text(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeDecodeError):  # unknown charset: best effort
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    return html_to_text(content) if part.get_content_type() == "text/html" else content


def _decoded(value: object) -> str:
    """A header as one line of text, encoded words decoded; never raises."""
    text = str(value or "")
    with contextlib.suppress(ValueError, LookupError, UnicodeError):
        text = str(make_header(decode_header(text)))
    return " ".join(text.split())


def parse_mail(raw: bytes, own_address: str) -> InboundMail:
    """Parse raw RFC 5322 bytes; never raises on malformed mail.

    Headers are read raw (compat32) and decoded by hand: the modern policy raises on addresses
    with encoded line breaks, which a hostile sender controls."""
    headers = BytesParser(policy=policy.compat32).parsebytes(raw, headersonly=True)
    ids = message_ids(str(headers.get("message-id", "")))
    # a mail without Message-ID still needs a stable identity across re-fetches
    message_id = ids[0] if ids else f"<sha256-{hashlib.sha256(raw).hexdigest()[:32]}@local>"
    reply_to = getaddresses([str(v) for v in headers.get_all("reply-to", [])])
    from_ = getaddresses([str(v) for v in headers.get_all("from", [])])
    name, address = (reply_to or from_ or [("", "")])[0]
    if from_:
        name = from_[0][0] or name
    to = [a.lower() for _, a in getaddresses([str(v) for v in headers.get_all("to", [])]) if a]
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        body = _body_text(msg) if isinstance(msg, EmailMessage) else ""
    except Exception:
        body = ""
    # one line: an encoded CR/LF in a subject must not break (or inject into) the reply's headers
    subject = _decoded(headers.get("subject", ""))
    text = latest_reply(body)
    if not text:
        text = clean_subject(subject)
    return InboundMail(
        message_id=message_id,
        address=address.lower() if "\n" not in address and "\r" not in address else "",
        name=_decoded(name),
        subject=subject,
        in_reply_to=message_ids(str(headers.get("in-reply-to", ""))),
        references=message_ids(str(headers.get("references", ""))),
        text=text,
        automated=automated_reason(headers, own_address),
        to=to,
        has_message_id=bool(ids),
    )
