"""Conversations and billing, cut from one tracker's events by the product's rules.

A Rasa tracker (one `sender_id`) can hold many conversations as the product counts them:
- chat channels (web chat, WhatsApp, Messenger, REST): a conversation closes after 24 h without
  activity; the next message starts a new one;
- email: a thread answered within 72 h continues its conversation (reopened, at no extra cost);
  later, it starts a new one. An email conversation also counts as closed after 24 h quiet.
Activity is any visitor message or bot message (a person's reply included). A conversation is
billable once when it holds at least one AI answer: a bot message whose custom payload `kind` is
"answer" and that is not a person's message (`metadata.human`); small talk, clarifications and
handoff notices alone are not billable, and a reopened email conversation is not billed again.
Visitor feedback (the `/feedback{...}` user event, `events.feedback_vote`) and the bot's reply
to it are neither activity nor a new question: they never start, reopen or extend a
conversation, nor count as a return.
The test-chat page's batch runs (sender ids starting with `BATCH_SENDER_PREFIX`,
connectors/common/cases.py) are an admin testing content, not visitors: `visitor_events` leaves
them out, so neither the report, the bill nor `gaps` counts them.
Pure functions over event lists: `now` is a parameter, so tests control the clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from connectors.common.cases import BATCH_SENDER_PREFIX
from knowledge.operations.events import TrackerEvent, feedback_vote

HOUR = 3600.0
CHAT_CLOSE_S = 24 * HOUR
EMAIL_REOPEN_S = 72 * HOUR
RETURN_WINDOW_S = 72 * HOUR  # a visitor back within this after the last activity: not resolved
EMAIL_CHANNELS = frozenset({"email"})
GAP_REASONS = frozenset({"no_answer", "clarification_failed"})
# Rasa logs an action's slot events right after its utterance: a handoff_reason set this soon
# after a handoff belongs to it
SAME_ACTION_S = 5.0
FEEDBACK_KIND = "feedback"  # custom kind of the bot's reply to feedback (actions/feedback.py)


@dataclass
class Conversation:
    """One conversation as the report and the bill count it (open or closed at `now`)."""

    sender_id: str
    channel: str
    started: float
    last_activity: float
    language: str = ""
    user_messages: int = 0
    ai_replies: int = 0  # any bot message not written by a person
    answers: int = 0  # AI answers (custom kind "answer")
    clarifications: int = 0
    human_replies: int = 0
    handoffs: list[tuple[float, str, str]] = field(default_factory=list)  # ts, reason, question
    # (ts, +1 | -1, answer_id it names or "")
    feedback: list[tuple[float, int, str]] = field(default_factory=list)
    last_answer_at: float | None = None
    last_answer_id: str = ""
    last_ai_kind: str = ""
    unanswered_user: bool = False  # the visitor's last message got no reply
    reopened: int = 0  # email: times it came back after closing, within 72 h
    latencies: list[float] = field(default_factory=list)  # seconds, user -> next AI message
    sources: list[str] = field(default_factory=list)
    returned_at: float | None = None  # the same visitor's next conversation started then
    _last_user_text: str = ""
    _pending_user_ts: float | None = None

    @property
    def handoff_reasons(self) -> list[str]:
        return [reason for _, reason, _ in self.handoffs]

    @property
    def gap_questions(self) -> list[tuple[float, str, str]]:
        """(ts, question, reason) of the handoffs for lack of knowledge: content to add."""
        return [(ts, q, r) for ts, r, q in self.handoffs if r in GAP_REASONS and q]

    @property
    def billable(self) -> bool:
        return self.answers > 0

    @property
    def handed_off(self) -> bool:
        return bool(self.handoff_reasons)

    def closed(self, now: float) -> bool:
        return now - self.last_activity > CHAT_CLOSE_S

    def confirmed(self) -> bool:
        """The visitor's latest verdict on the last AI answer is positive: feedback naming it
        by answer_id, or naming none and given after it (WhatsApp's text reply)."""
        if self.last_answer_at is None:
            return False
        last = self.last_answer_at
        on_last = [
            v
            for ts, v, answer_id in self.feedback
            if (answer_id == self.last_answer_id if answer_id else ts >= last)
        ]
        return bool(on_last) and on_last[-1] > 0

    def resolution(self, now: float) -> str:
        """confirmed | assumed | unresolved | pending (the 72 h return window is still open)."""
        if not self.billable:
            return "unresolved"
        if self.confirmed():
            return "confirmed"
        if self.handed_off or any(v < 0 for _, v, _ in self.feedback):
            return "unresolved"
        if (
            self.returned_at is not None
            and self.returned_at - self.last_activity <= RETURN_WINDOW_S
        ):
            return "unresolved"
        if now - self.last_activity <= RETURN_WINDOW_S:
            return "pending"
        return "assumed"

    def abandoned(self, now: float) -> bool:
        """Closed while the visitor owed the next message after a clarification, or while the
        visitor's last message was never replied to (and no person took it over)."""
        if not self.closed(now) or self.handed_off:
            return False
        return self.unanswered_user or self.last_ai_kind == "clarify"


def _custom(event: TrackerEvent) -> dict[str, Any]:
    custom = (event.data.get("data") or {}).get("custom")
    return custom if isinstance(custom, dict) else {}


def _is_person(event: TrackerEvent) -> bool:
    metadata = event.data.get("metadata")
    return isinstance(metadata, dict) and bool(metadata.get("human"))


def _source_label(source: Any) -> str:
    if isinstance(source, dict):
        return str(source.get("url") or source.get("title") or "")
    return str(source or "")


class _Cutter:
    """Builds one sender's conversations event by event."""

    def __init__(self, sender_id: str) -> None:
        self.sender_id = sender_id
        self.out: list[Conversation] = []
        self.current: Conversation | None = None
        self.channel = ""
        self.language = ""
        self.reason = ""

    def _activity(self, ts: float) -> Conversation:
        conv = self.current
        if conv is not None:
            gap = ts - conv.last_activity
            email = conv.channel in EMAIL_CHANNELS
            if email and CHAT_CLOSE_S < gap <= EMAIL_REOPEN_S:
                conv.reopened += 1
            elif gap > (EMAIL_REOPEN_S if email else CHAT_CLOSE_S):
                conv.returned_at = ts
                conv = None
        if conv is None:
            conv = Conversation(self.sender_id, self.channel, ts, ts, language=self.language)
            self.out.append(conv)
            self.current = conv
        conv.last_activity = max(conv.last_activity, ts)
        if not conv.channel and self.channel:
            conv.channel = self.channel
        return conv

    def feed(self, event: TrackerEvent) -> None:
        kind, ts, data = event.type_name, event.timestamp, event.data
        if kind == "slot":
            name, value = data.get("name"), data.get("value")
            if name == "language" and value:
                self.language = str(value)
                if self.current is not None:
                    self.current.language = self.language
            elif name == "handoff_reason" and value:
                self.reason = str(value)
                conv = self.current
                if (
                    conv is not None
                    and conv.handoffs
                    and ts - conv.handoffs[-1][0] <= SAME_ACTION_S
                ):
                    hts, _, question = conv.handoffs[-1]
                    conv.handoffs[-1] = (hts, self.reason, question)
            return
        if kind == "action":
            if event.action_name == "action_handoff" and self.current is not None:
                self._handoff(self.current, ts)
            return
        if kind == "user":
            self.channel = self.channel or str(data.get("input_channel") or "")
            vote = feedback_vote(event)
            if vote is not None:  # feedback on an answer, not a new question
                if self.current is not None:
                    helpful, answer_id = vote
                    self.current.feedback.append((ts, 1 if helpful else -1, answer_id))
                return
            conv = self._activity(ts)
            conv.user_messages += 1
            conv.unanswered_user = True
            conv._last_user_text = str(data.get("text") or "")
            if conv._pending_user_ts is None:
                conv._pending_user_ts = ts
            return
        if kind == "bot":
            if _custom(event).get("kind") == FEEDBACK_KIND and not _is_person(event):
                return  # the thanks for feedback: no activity, no AI reply
            conv = self._activity(ts)
            if _is_person(event):
                conv.human_replies += 1
                conv.unanswered_user = False
                conv._pending_user_ts = None
                return
            self._ai_reply(conv, event, ts)

    def _ai_reply(self, conv: Conversation, event: TrackerEvent, ts: float) -> None:
        custom = _custom(event)
        reply_kind = str(custom.get("kind") or "")
        conv.ai_replies += 1
        conv.unanswered_user = False
        if conv._pending_user_ts is not None:
            conv.latencies.append(max(0.0, ts - conv._pending_user_ts))
            conv._pending_user_ts = None
        if custom.get("language") and not conv.language:
            conv.language = str(custom["language"])
        if reply_kind:
            conv.last_ai_kind = reply_kind
        if reply_kind == "answer":
            conv.answers += 1
            conv.last_answer_at = ts
            conv.last_answer_id = str(custom.get("answer_id") or "")
            conv.sources.extend(
                label for label in map(_source_label, custom.get("sources") or []) if label
            )
        elif reply_kind == "clarify":
            conv.clarifications += 1
        elif reply_kind == "handoff":
            self._handoff(conv, ts)

    def _handoff(self, conv: Conversation, ts: float) -> None:
        if conv.handoffs and ts - conv.handoffs[-1][0] <= SAME_ACTION_S:
            return  # the action and its utterance are one handoff
        conv.handoffs.append((ts, self.reason or "visitor_request", conv._last_user_text))


def conversations_of(events: Iterable[TrackerEvent]) -> list[Conversation]:
    """One sender's events (oldest first) -> its conversations."""
    events = list(events)
    if not events:
        return []
    cutter = _Cutter(events[0].sender_id)
    for event in sorted(events, key=lambda e: e.timestamp):
        cutter.feed(event)
    return cutter.out


def visitor_events(events: Iterable[TrackerEvent]) -> Iterator[list[TrackerEvent]]:
    """Events grouped by sender (as `read_events` yields them) -> one list per visitor; the
    test-chat page's batch senders are skipped."""
    batch: list[TrackerEvent] = []
    for event in events:
        if batch and event.sender_id != batch[0].sender_id:
            if not batch[0].sender_id.startswith(BATCH_SENDER_PREFIX):
                yield batch
            batch = []
        batch.append(event)
    if batch and not batch[0].sender_id.startswith(BATCH_SENDER_PREFIX):
        yield batch


def conversations(events: Iterable[TrackerEvent]) -> Iterator[Conversation]:
    """All visitors' conversations from events grouped by sender (`visitor_events`)."""
    for batch in visitor_events(events):
        yield from conversations_of(batch)


@dataclass(frozen=True)
class Bill:
    unit: str
    per_conversation: int  # billable conversations (at least one AI answer)
    per_resolution: int  # billable conversations resolved (confirmed or assumed)

    @property
    def units(self) -> int:
        return self.per_resolution if self.unit == "per_resolution" else self.per_conversation


def bill(convs: Iterable[Conversation], *, now: float, unit: str = "per_conversation") -> Bill:
    """What either billing model would charge for these conversations, in units."""
    if unit not in ("per_conversation", "per_resolution"):
        raise ValueError(f"billing unit {unit!r}: expected per_conversation or per_resolution")
    billable = [c for c in convs if c.billable]
    resolved = sum(1 for c in billable if c.resolution(now) in ("confirmed", "assumed"))
    return Bill(unit, len(billable), resolved)
