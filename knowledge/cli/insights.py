"""`customer-agent gaps` and `report`: what content is missing, and how the agent did.

`report` reads the conversations from Rasa's tracker store (knowledge/operations/); `gaps`
groups the recorded gap questions by meaning with the index's embedding model.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_PERIOD = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([dhm]?)\s*$")
_UNIT_S = {"d": 86400.0, "h": 3600.0, "m": 60.0, "": 86400.0}


def parse_period(text: str) -> float:
    """'7d', '36h', '90m' or a bare number of days -> seconds."""
    match = _PERIOD.match(text)
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r}: expected e.g. 7d, 36h or 90m")
    return float(match.group(1)) * _UNIT_S[match.group(2)]


def parse_now(text: str) -> float:
    """Epoch seconds or an ISO date/time (UTC when no zone is given)."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: expected epoch seconds or ISO time") from error
    if stamp.tzinfo is None:
        return stamp.replace(tzinfo=UTC).timestamp()
    return stamp.timestamp()


def register(sub: Any) -> None:
    gaps = sub.add_parser("gaps", help="knowledge gaps grouped by meaning: what content to add")
    gaps.add_argument("--since", type=parse_period, default=parse_period("30d"), help="e.g. 7d")
    gaps.add_argument("--limit", type=int, default=20)
    gaps.add_argument("--no-search", action="store_true", help="skip the closest-source search")
    gaps.add_argument("--json", action="store_true")
    gaps.set_defaults(handler=run_gaps)
    report = sub.add_parser("report", help="performance report from the tracker store")
    report.add_argument("--since", type=parse_period, default=parse_period("30d"), help="e.g. 7d")
    report.add_argument("--channel", help="only this channel (webchat, whatsapp, messenger, email)")
    report.add_argument(
        "--html", type=Path, metavar="FILE", help="also write a self-contained page"
    )
    report.add_argument("--json", action="store_true")
    report.add_argument("--billing-unit", choices=("per_conversation", "per_resolution"))
    report.add_argument("--now", type=parse_now, help="evaluate as of this time (default: now)")
    report.add_argument("--no-gaps", action="store_true", help="skip grouping the gap questions")
    report.set_defaults(handler=run_report)


def _grouped(questions: list[Any], limit: int, *, with_search: bool) -> list[Any]:
    from knowledge.embeddings import get_embeddings
    from knowledge.operations.gaps import attach_closest_sources, embedder, group_gaps

    if not questions:
        return []
    embed, threshold = embedder(get_embeddings())
    groups = group_gaps(questions, embed, threshold=threshold)[:limit]
    if with_search:
        from knowledge.retrieval import search

        attach_closest_sources(groups, search)
    return groups


def _day(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(ts))


def run_gaps(args: argparse.Namespace) -> int:
    from knowledge.operations.gaps import recorded_gap_questions
    from knowledge.settings import get_settings

    path = get_settings().data_dir / "insights.sqlite3"
    questions = recorded_gap_questions(path, since=time.time() - args.since)
    groups = _grouped(questions, args.limit, with_search=not args.no_search)
    if args.json:
        print(json.dumps([g.to_dict() for g in groups], ensure_ascii=False))
        return 0
    if not groups:
        print("no knowledge gaps recorded")
    for g in groups:
        langs = ", ".join(g.languages) or "-"
        print(f"{g.count:4d}x  add content about: {g.topic}  ({langs}; last {_day(g.last_seen)})")
        for q in g.examples:
            print(f"        e.g. {q}")
        if g.closest_source:
            src = g.closest_source
            print(f"        closest source: {src['title']} {src['url']} ({src['score']})")
        else:
            print("        closest source: none")
    return 0


def run_report(args: argparse.Namespace) -> int:
    from knowledge.operations.config import billing_unit
    from knowledge.operations.events import read_events, tracker_source
    from knowledge.operations.gaps import GapQuestion
    from knowledge.operations.lifecycle import EMAIL_REOPEN_S, conversations
    from knowledge.operations.metrics import build_report, render_text
    from knowledge.settings import get_settings

    now = args.now if args.now is not None else time.time()
    since = now - args.since
    unit = args.billing_unit or billing_unit(get_settings().bot_dir)
    source = tracker_source()
    # read a lifecycle window earlier so a conversation is cut where the rules cut it
    events = read_events(source, since=since - EMAIL_REOPEN_S)
    report = build_report(
        conversations(events), now=now, since=since, channel=args.channel, billing_unit=unit
    )
    if not args.no_gaps and report.gap_questions:
        latest = [GapQuestion(ts, q, lang, r) for ts, q, r, lang in report.gap_questions[:500]]
        groups = _grouped(latest, 10, with_search=False)
        report.top_gaps = [
            {"topic": g.topic, "count": g.count, "languages": g.languages, "examples": g.examples}
            for g in groups
        ]
    if args.html:
        from knowledge.operations.report_html import render_html

        args.html.write_text(render_html(report), encoding="utf-8")
        print(f"wrote {args.html}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        print(f"source: {source.describe()}")
        print(render_text(report))
    return 0
