"""Compose the one reply mail for one inbound mail: every bot message of the turn, sources as
links, buttons as options the visitor can reply with; threaded headers. The answers' Markdown
(bold, lists, numbered steps, tables, links) becomes real HTML in the HTML part and readable
lines in the text part (`connectors.common.markdown`); every piece of text is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from typing import Any

from connectors.common.markdown import to_html, to_plain
from connectors.email.parsing import reply_subject

# the channel's own words; everything else comes from the agent, already in the visitor's language
LABELS: dict[str, dict[str, str]] = {
    "en": {"sources": "Sources", "options": "You can reply with one of these:"},
    "nl": {"sources": "Bronnen", "options": "U kunt antwoorden met een van deze opties:"},
    "de": {"sources": "Quellen", "options": "Sie können mit einer dieser Optionen antworten:"},
    "fr": {"sources": "Sources", "options": "Vous pouvez répondre avec l'une de ces options :"},
    "es": {"sources": "Fuentes", "options": "Puede responder con una de estas opciones:"},
}


@dataclass
class ReplyContent:
    texts: list[str] = field(default_factory=list)
    sources: list[tuple[str, str]] = field(default_factory=list)  # (title, url)
    options: list[str] = field(default_factory=list)
    language: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.texts or self.sources or self.options)

    @property
    def labels(self) -> dict[str, str]:
        return LABELS.get((self.language or "en").split("-")[0].lower(), LABELS["en"])


def _option_title(option: Any) -> str:
    if isinstance(option, Mapping):
        return str(option.get("title") or option.get("payload") or "").strip()
    return str(option).strip()


def collect(messages: Iterable[Mapping[str, Any]]) -> ReplyContent:
    """Fold the bot messages of one turn (as Rasa hands them to the output channel)."""
    content = ReplyContent()
    for message in messages:
        text = str(message.get("text") or "").strip()
        if text:
            content.texts.append(text)
        for button in message.get("buttons") or []:
            title = _option_title(button)
            if title and title not in content.options:
                content.options.append(title)
        custom = message.get("custom")
        if isinstance(custom, Mapping):
            if custom.get("language") and not content.language:
                content.language = str(custom["language"])
            for source in custom.get("sources") or []:
                if not isinstance(source, Mapping):
                    continue
                url = str(source.get("url") or "").strip()
                title = str(source.get("title") or url).strip()
                if (
                    (url or title)
                    and (title, url) not in content.sources
                    and (not url or url not in [u for _, u in content.sources])
                ):
                    content.sources.append((title, url))  # no URL: cited by its title
            for option in custom.get("options") or []:
                title = _option_title(option)
                if title and title not in content.options:
                    content.options.append(title)
            if custom.get("text") and not text:
                content.texts.append(str(custom["text"]).strip())
    return content


def _is_link(url: str) -> bool:
    return url.lower().startswith(("https://", "http://"))


def render_text(content: ReplyContent) -> str:
    parts = [to_plain(t, bullet="-") for t in content.texts]
    if content.options:
        options = "\n".join(f"- {o}" for o in content.options)
        parts.append(content.labels["options"] + "\n" + options)
    if content.sources:
        lines = [f"- {t}: {u}" if u and t != u else f"- {u or t}" for t, u in content.sources]
        parts.append(content.labels["sources"] + ":\n" + "\n".join(lines))
    return "\n\n".join(parts) + "\n"


def render_html(content: ReplyContent) -> str:
    parts = [to_html(t) for t in content.texts]
    if content.options:
        items = "".join(f"<li>{html.escape(o)}</li>" for o in content.options)
        parts.append(f"<p>{html.escape(content.labels['options'])}</p><ul>{items}</ul>")
    if content.sources:
        items = "".join(
            f'<li><a href="{html.escape(url, quote=True)}">{html.escape(title)}</a></li>'
            if _is_link(url)
            else f"<li>{html.escape(title)}</li>"
            if not url
            else f"<li>{html.escape(title)} ({html.escape(url)})</li>"
            for title, url in content.sources
        )
        parts.append(f"<p>{html.escape(content.labels['sources'])}:</p><ul>{items}</ul>")
    lang = html.escape(content.language or "en", quote=True)
    body = "\n".join(parts)
    return f'<!DOCTYPE html>\n<html lang="{lang}"><body>\n{body}\n</body></html>\n'


def build_reply(
    content: ReplyContent,
    *,
    from_address: str,
    from_name: str,
    to_address: str,
    subject: str,
    in_reply_to: str,
    references: list[str],
) -> EmailMessage:
    """A threaded reply (RFC 5322 In-Reply-To/References) marked as automatic (RFC 3834)."""
    msg = EmailMessage()
    msg["From"] = formataddr((from_name, from_address)) if from_name else from_address
    msg["To"] = to_address
    msg["Subject"] = reply_subject(subject)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=from_address.rsplit("@", 1)[-1])
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = " ".join([*[r for r in references if r != in_reply_to], in_reply_to])
    msg["Auto-Submitted"] = "auto-replied"
    msg["X-Loop"] = from_address
    msg.set_content(render_text(content))
    msg.add_alternative(render_html(content), subtype="html")
    if content.language:  # after set_content, which resets Content-* headers
        msg["Content-Language"] = content.language
    return msg
