"""The performance report: one pass over the conversations `lifecycle` cut from the tracker.

Every figure has its definition in `DEFINITIONS`, printed with the report and repeated in the
README ("Performance report"), so an admin reads the same words the code implements.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from knowledge.operations.lifecycle import Conversation, bill

DEFINITIONS: dict[str, str] = {
    "conversation": "chat channels: closes after 24 h without activity; email: a reply within "
    "72 h reopens it (no extra charge), later starts a new one; the test-chat page's batch "
    "runs are not counted",
    "involvement": "share of conversations with at least one AI answer (custom kind 'answer', "
    "not a person's message); small talk, clarifications and handoff notices do not count",
    "resolution": "of the involved conversations whose outcome is known: confirmed (positive "
    "feedback after the last AI answer) plus assumed (no handoff, no negative feedback, no return "
    "within 72 h after the last activity); 'pending' = the 72 h have not passed yet",
    "automation rate": "involvement x resolution",
    "handoff rate": "share of conversations handed to a person, by the handoff_reason slot",
    "clarification rate": "share of conversations in which the agent asked a clarifying question",
    "abandonment": "share of closed conversations that ended on an unanswered clarification or "
    "an unanswered visitor message (handoffs excluded)",
    "billable": "per_conversation = conversations with at least one AI answer (once each); "
    "per_resolution = those of them resolved (confirmed or assumed)",
    "answer latency": "visitor message -> next AI message, from the tracker timestamps",
}


@dataclass
class Report:
    since: float
    now: float
    channel: str | None
    billing_unit: str
    conversations: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    by_language: dict[str, int] = field(default_factory=dict)
    involvement: float = 0.0
    resolution: dict[str, int] = field(default_factory=dict)
    resolution_rate: float = 0.0
    automation_rate: float = 0.0
    handoff_rate: float = 0.0
    handoff_reasons: dict[str, int] = field(default_factory=dict)
    clarification_rate: float = 0.0
    abandonment_rate: float = 0.0
    billable: dict[str, int] = field(default_factory=dict)
    email_reopened: int = 0
    latency_ms: dict[str, float | None] = field(default_factory=dict)
    funnel: dict[str, int] = field(default_factory=dict)
    feedback: dict[str, int] = field(default_factory=dict)
    top_sources: list[tuple[str, int]] = field(default_factory=list)
    daily: list[dict[str, Any]] = field(default_factory=list)
    top_gaps: list[dict[str, Any]] = field(default_factory=list)  # set by the CLI (grouped)

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["top_sources"] = [{"source": s, "citations": n} for s, n in self.top_sources]
        out["definitions"] = DEFINITIONS
        return out


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of `values`, None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil
    return ordered[int(min(rank, len(ordered))) - 1]


def _day(ts: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(ts))


def build_report(
    convs: Iterable[Conversation],
    *,
    now: float,
    since: float = 0.0,
    channel: str | None = None,
    billing_unit: str = "per_conversation",
    top: int = 10,
) -> Report:
    """The report over the conversations that started in [since, now] (on `channel` if given)."""
    chosen = [
        c for c in convs if since <= c.started <= now and (channel is None or c.channel == channel)
    ]
    report = Report(since=since, now=now, channel=channel, billing_unit=billing_unit)
    total = report.conversations = len(chosen)
    report.by_channel = dict(Counter(c.channel or "unknown" for c in chosen).most_common())
    report.by_language = dict(Counter(c.language or "unknown" for c in chosen).most_common())
    outcomes = Counter(c.resolution(now) for c in chosen if c.billable)
    report.resolution = {
        k: outcomes.get(k, 0) for k in ("confirmed", "assumed", "unresolved", "pending")
    }
    answered = sum(1 for c in chosen if c.billable)
    known = answered - outcomes.get("pending", 0)
    resolved = outcomes.get("confirmed", 0) + outcomes.get("assumed", 0)
    report.involvement = _rate(answered, total)
    report.resolution_rate = _rate(resolved, known)
    report.automation_rate = round(report.involvement * report.resolution_rate, 4)
    handed = [c for c in chosen if c.handed_off]
    report.handoff_rate = _rate(len(handed), total)
    report.handoff_reasons = dict(Counter(r for c in handed for r in c.handoff_reasons))
    report.clarification_rate = _rate(sum(1 for c in chosen if c.clarifications), total)
    closed = [c for c in chosen if c.closed(now)]
    report.abandonment_rate = _rate(sum(1 for c in closed if c.abandoned(now)), len(closed))
    charge = bill(chosen, now=now, unit=billing_unit)
    report.billable = {
        "per_conversation": charge.per_conversation,
        "per_resolution": charge.per_resolution,
        "charged_units": charge.units,
    }
    report.email_reopened = sum(1 for c in chosen if c.reopened)
    latencies = [lat for c in chosen for lat in c.latencies]
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    report.latency_ms = {
        "p50": None if p50 is None else round(p50 * 1000, 1),
        "p95": None if p95 is None else round(p95 * 1000, 1),
        "samples": float(len(latencies)),
    }
    report.funnel = {
        "new": total,
        "involved": sum(1 for c in chosen if c.ai_replies),
        "answered": answered,
        "resolved": resolved,
    }
    votes = [v for c in chosen for _, v, _ in c.feedback]
    report.feedback = {"positive": votes.count(1), "negative": votes.count(-1)}
    report.top_sources = Counter(s for c in chosen for s in c.sources).most_common(top)
    report.daily = _daily(chosen, now)
    return report


def _daily(convs: list[Conversation], now: float) -> list[dict[str, Any]]:
    days: dict[str, Counter[str]] = defaultdict(Counter)
    for c in convs:
        day = days[_day(c.started)]
        outcome = c.resolution(now)
        day["conversations"] += 1
        if outcome in ("confirmed", "assumed"):
            day["resolved"] += 1
        elif c.handed_off:
            day["handed_off"] += 1
        else:
            day["other"] += 1
        if c.billable and outcome != "pending":
            day["known"] += 1
        for _, vote, _ in c.feedback:
            day["positive" if vote > 0 else "negative"] += 1
    return [
        {
            "day": d,
            "conversations": n["conversations"],
            "resolved": n["resolved"],
            "handed_off": n["handed_off"],
            "other": n["other"],
            "resolution_rate": _rate(n["resolved"], n["known"]),
            "feedback_positive": n["positive"],
            "feedback_negative": n["negative"],
        }
        for d, n in sorted(days.items())
    ]


def render_text(report: Report) -> str:
    """The report as an admin reads it in a terminal, definitions last."""
    lat = report.latency_ms

    def pct(x: float) -> str:
        return f"{x * 100:.1f}%"

    lines = [
        f"Performance report {_day(report.since)} .. {_day(report.now)}"
        + (f" (channel {report.channel})" if report.channel else ""),
        f"conversations:       {report.conversations}",
        "  by channel:        " + _pairs(report.by_channel),
        "  by language:       " + _pairs(report.by_language),
        f"involvement:         {pct(report.involvement)}",
        f"resolution:          {pct(report.resolution_rate)}  ({_pairs(report.resolution)})",
        f"automation rate:     {pct(report.automation_rate)}",
        f"handoff rate:        {pct(report.handoff_rate)}  ({_pairs(report.handoff_reasons)})",
        f"clarification rate:  {pct(report.clarification_rate)}",
        f"abandonment:         {pct(report.abandonment_rate)}",
        f"billable:            per_conversation {report.billable['per_conversation']}, "
        f"per_resolution {report.billable['per_resolution']}  "
        f"(charged: {report.billable['charged_units']} x {report.billing_unit}; "
        f"{report.email_reopened} email conversations reopened at no charge)",
        f"answer latency:      p50 {lat['p50']} ms, p95 {lat['p95']} ms "
        f"({int(lat['samples'] or 0)} replies)",
        f"feedback:            {_pairs(report.feedback)}",
        "funnel:              " + " -> ".join(f"{k} {v}" for k, v in report.funnel.items()),
        "top cited sources:",
        *[f"  {n:5d}  {s}" for s, n in report.top_sources],
    ]
    if report.top_gaps:
        lines.append("top gaps:")
        lines += [
            f"  {g['count']:5d}  add content about: {g['topic']}  ({_pairs(g.get('reasons', {}))})"
            for g in report.top_gaps
        ]
    lines.append("definitions:")
    lines += [f"  {k}: {v}" for k, v in DEFINITIONS.items()]
    return "\n".join(lines)


def _pairs(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "-"
