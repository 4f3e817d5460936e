"""Block Kit for the handoff's root message and the texts posted into its thread.

The root message is the one place an agent sees the handoff: reason, language, visitor channel,
summary, who it is routed to, its status, and the buttons Claim / Resolve / Hand back to AI
(action ids below, value = handoff id); a handoff from a channel the agent is not assigned to
has no "Hand back to AI": the assistant does not answer there (connectors/common/unassigned.py).
Every status change re-renders the same message (`chat.update`). Visitor text is escaped (`&`,
`<`, `>`), so a visitor cannot mention `@channel` or forge links in Slack: their words are data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from connectors.handoff.store import Handoff

CLAIM, RESOLVE, HANDBACK = "handoff_claim", "handoff_resolve", "handoff_handback"
ACTIONS = (CLAIM, RESOLVE, HANDBACK)
CHANNEL_NOT_ASSIGNED = "channel_not_assigned"  # the reason connectors/common/unassigned.py sets
# the `handoff_reason` slot values (bot/domain/handoff.yml) in words for agents
REASONS = {
    "visitor_request": "Visitor asked for a person",
    "no_answer": "No answer in the content",
    "clarification_failed": "Clarifications did not help",
    "technical_issue": "Technical failure",
    "keyword": "Configured keyword",
    "window_closed": "Reply outside the 24 h messaging window",
    CHANNEL_NOT_ASSIGNED: "Channel not assigned to the assistant",
}
CHANNELS = {
    "webchat": "Web chat",
    "whatsapp": "WhatsApp",
    "messenger": "Messenger",
    "email": "Email",
    "rest": "REST",
}
MAX_SECTION = 2900  # Block Kit allows 3000 characters per section text


def escape(text: str) -> str:
    """Slack's required escaping for mrkdwn/plain text from outside."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def status_line(h: Handoff) -> str:
    next_open = h.route.get("next_open")
    if h.state == "assigned":
        return f":raising_hand: Claimed by <@{h.assignee_id}>"
    if h.state == "resolved":
        return f":white_check_mark: Resolved by <@{h.assignee_id}>"
    if h.state == "handed_back":
        return f":robot_face: Handed back to the AI by <@{h.assignee_id}>"
    if h.out_of_hours:
        when = f"; the visitor was told: back {next_open_text(next_open)}" if next_open else ""
        return f":crescent_moon: Out of hours, waiting{when}"
    return ":hourglass_flowing_sand: Waiting for someone to claim it"


def can_hand_back(h: Handoff) -> bool:
    """Whether "Hand back to AI" is true for this handoff: not on a channel the assistant does
    not answer on (there a person resolves it; the visitor's next message opens a new one)."""
    return h.reason != CHANNEL_NOT_ASSIGNED


def root_message(h: Handoff) -> dict[str, Any]:
    """`text` (notifications, fallback) and `blocks` for chat.postMessage / chat.update."""
    reason = REASONS.get(h.reason, h.reason.replace("_", " "))
    channel = CHANNELS.get(h.input_channel, h.input_channel)
    mention = " ".join(
        [f"<@{u}>" for u in h.route.get("users") or []]
        + ([f"<!subteam^{h.route['usergroup']}>"] if h.route.get("usergroup") else [])
    )
    fields = [
        f"*Reason*\n{escape(reason)}",
        f"*Language*\n{escape(h.language)}",
        f"*Channel*\n{escape(channel)}",
        f"*Visitor*\n{escape(clip(h.visitor_name, 80))}",
    ]
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*Handoff: {escape(reason)}*"},
            "fields": [{"type": "mrkdwn", "text": f} for f in fields],
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": clip(
                    f"*Last question*\n>{escape(h.last_question) or '-'}\n"
                    f"*Summary*\n{escape(h.summary) or '-'}",
                    MAX_SECTION,
                ),
            },
        },
    ]
    if mention:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"For {mention}"}})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": status_line(h)}]})
    if h.is_open:
        buttons = [
            (CLAIM, "Claim", "primary"),
            (RESOLVE, "Resolve", None),
            (HANDBACK, "Hand back to AI", "danger"),
        ]
        if h.state == "assigned":
            buttons = buttons[1:]
        if not can_hand_back(h):
            buttons = [b for b in buttons if b[0] != HANDBACK]
        blocks.append(
            {
                "type": "actions",
                "block_id": "handoff_actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": action,
                        "text": {"type": "plain_text", "text": label},
                        "value": h.id,
                        **({"style": style} if style else {}),
                    }
                    for action, label, style in buttons
                ],
            }
        )
    text = f"Handoff ({reason}, {channel}, {h.language})" + (f" for {mention}" if mention else "")
    return {"text": text, "blocks": blocks}


def transcript_text(lines: list[tuple[str, str]], visitor_name: str) -> list[str]:
    """The conversation so far as thread messages of at most ~3,000 characters each."""
    rendered = [
        f"*{escape(visitor_name) if who == 'visitor' else 'Assistant'}:* {escape(text)}"
        for who, text in lines
        if text.strip()
    ]
    if not rendered:
        return []
    chunks, current = [], "*Transcript*"
    for line in rendered:
        line = clip(line, MAX_SECTION)
        if len(current) + len(line) + 1 > MAX_SECTION:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}"
    chunks.append(current)
    return chunks


def visitor_line(visitor_name: str, text: str) -> str:
    return f"*{escape(visitor_name)}:* {escape(text)}"


DAY_NAMES = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "nl": ("ma", "di", "wo", "do", "vr", "za", "zo"),
    "de": ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"),
    "fr": ("lun", "mar", "mer", "jeu", "ven", "sam", "dim"),
    "es": ("lun", "mar", "mié", "jue", "vie", "sáb", "dom"),
}


def next_open_text(iso: str | None, language: str = "en") -> str:
    """The next opening (stored as ISO 8601 with its zone) as "Mon 14/12 09:00 CET", with the
    weekday in the visitor's language; '' when unknown."""
    if not iso:
        return ""
    when = dt.datetime.fromisoformat(iso)
    days = DAY_NAMES.get(language.split("-")[0].lower(), DAY_NAMES["en"])
    return f"{days[when.weekday()]} {when:%d/%m %H:%M} {when.tzname() or ''}".strip()
