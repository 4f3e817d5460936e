"""`customer-agent gaps` and `report`: what content is missing, and how the agent did.

`report` reads the conversations from Rasa's tracker store (knowledge/operations/); `gaps`
groups the gap questions it holds by meaning with the index's embedding model, keeps what an
admin or a re-check decided about each (knowledge/operations/gap_state.py) and re-asks the
open ones through the answer chain on `--recheck` and after every `customer-agent sync`, at
most `CUSTOMER_AGENT_GAP_RECHECK_LIMIT` gaps a run (default 50; `--recheck-limit` and sync's
`--gap-recheck-limit` win; the rest on later runs, or all with `--recheck --all`).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from knowledge.operations.gap_state import RecheckRun

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


def recheck_limit(text: str) -> int:
    """A `--recheck-limit` / `--gap-recheck-limit` value: a whole number of gaps, at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number of gaps, at least 1")
    return value


def register(sub: Any) -> None:
    from knowledge.operations.gap_state import RECHECK_LIMIT

    gaps = sub.add_parser(
        "gaps",
        help="knowledge gaps grouped by meaning: what content to add",
        description="Open gaps by default; `gaps dismiss ID` hides one until new questions "
        "join it; `--recheck` re-asks the open gaps (at most --recheck-limit: the most asked, "
        "then the rest in turn; with --all every one) and marks the answered ones addressed.",
    )
    gaps.add_argument("--since", type=parse_period, default=parse_period("30d"), help="e.g. 7d")
    gaps.add_argument("--limit", type=int, default=20)
    gaps.add_argument("--no-search", action="store_true", help="skip the closest-source search")
    gaps.add_argument(
        "--all",
        action="store_true",
        help="also list addressed and dismissed gaps; with --recheck, re-ask every open gap",
    )
    gaps.add_argument(
        "--recheck", action="store_true", help="re-ask open gaps now (also done after `sync`)"
    )
    gaps.add_argument(
        "--recheck-limit",
        type=recheck_limit,
        metavar="N",
        help="open gaps re-asked per --recheck (default CUSTOMER_AGENT_GAP_RECHECK_LIMIT, else"
        f" {RECHECK_LIMIT}, as after a sync)",
    )
    gaps.add_argument("--json", action="store_true")
    gaps.set_defaults(handler=run_gaps)
    verbs = gaps.add_subparsers(dest="gaps_command")
    for verb, text in (("dismiss", "hide a gap until new questions join it"), ("reopen", "")):
        p = verbs.add_parser(verb, help=text or "undo dismiss / addressed: list it as open")
        p.add_argument("gap_id", help="the id `customer-agent gaps` shows")
        p.add_argument("--since", type=parse_period, default=parse_period("30d"))
        p.set_defaults(handler=run_gap_verb)
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


def _grouped(questions: list[Any], limit: int | None, *, with_search: bool) -> list[Any]:
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


def gap_questions(since: float, now: float) -> tuple[str, list[Any]]:
    """(where they came from, the gap questions since `since`): Rasa's tracker store, or the
    answer action's decision log when no tracker store exists yet (on the state database, so
    records kept in PostgreSQL or a `sqlite:///` file are found: knowledge/insights/store.py)."""
    from knowledge.operations.events import read_events, tracker_source
    from knowledge.operations.gap_questions import tracker_gap_questions
    from knowledge.operations.lifecycle import CHAT_CLOSE_S

    source = tracker_source()
    if source.dialect == "sqlite" and (source.path is None or not source.path.exists()):
        return decision_log_gap_questions(since)
    # a clarification asked up to 24 h before `since` counts once it has gone unanswered
    events = read_events(source, since=since - CHAT_CLOSE_S)
    return source.describe(), tracker_gap_questions(events, now=now, since=since)


def decision_log_gap_questions(since: float) -> tuple[str, list[Any]]:
    """(where, the gap handoffs the answer action recorded since `since`)."""
    from urllib.parse import urlsplit

    from knowledge.insights.store import get_insights_store
    from knowledge.operations.gaps import GapQuestion
    from knowledge.settings import get_settings

    url = get_settings().state_db
    if url.startswith("sqlite:///"):
        where = url
    elif url:
        parts = urlsplit(url)  # no user or password in the output
        where = f"{parts.scheme}://{parts.hostname}:{parts.port or 5432}{parts.path}"
    else:
        where = str(get_settings().data_dir / "insights.sqlite3")
    rows = get_insights_store().gap_rows(since=since)
    return f"decision log {where}", [GapQuestion(ts, q, lang, r) for ts, q, lang, r in rows]


def current_gaps(since_s: float) -> tuple[str, list[Any], Any]:
    """(source, every gap of the period with its id and state, the state store)."""
    from knowledge.operations.gap_state import GapStateStore, apply_states

    now = time.time()
    where, questions = gap_questions(now - since_s, now)
    store = GapStateStore.from_env()
    groups = _grouped(questions, None, with_search=False)
    return where, apply_states(groups, store.all()) if groups else [], store


def recheck_line(run: RecheckRun, limit: int | None, later: str = "later syncs") -> str:
    """What a re-check did, saying when the limit left open gaps for `later`."""
    asked = len(run.asked)
    if not run.waiting:
        return f"re-asked {asked} open, {len(run.addressed)} now addressed"
    return (
        f"re-asked {asked} of {asked + run.waiting} open (at most {limit} a run: the most"
        f" asked, then the rest in turn), {len(run.addressed)} now addressed; the other"
        f" {run.waiting} on {later}, or now: customer-agent gaps --recheck --all"
    )


def recheck_gaps(since_s: float = 30 * 86400.0, limit: int | None = None) -> str:
    """Re-ask the open gaps (after a sync), at most `limit` (None: the configured
    `CUSTOMER_AGENT_GAP_RECHECK_LIMIT`); one line saying what changed, "" when no gap is open."""
    from knowledge.operations.gap_state import recheck
    from knowledge.settings import get_settings

    limit = get_settings().gap_recheck_limit if limit is None else limit
    _, groups, store = current_gaps(since_s)
    if not any(g.status == "open" for g in groups):
        return ""
    run = recheck(groups, store, limit=limit)
    line = "gaps: " + recheck_line(run, limit)
    return line + "".join(
        f"\n  {g.id} {g.topic}: {(g.state or {}).get('source')}" for g in run.addressed
    )


def recheck_after_sync(limit: int | None = None) -> None:
    """`customer-agent sync` calls this: new content may answer open gaps (`limit`: the
    sync's `--gap-recheck-limit`). A failure here is one line on stderr, never a failed sync."""
    try:
        line = recheck_gaps(limit=limit)
    except Exception as error:
        print(f"gaps: re-check failed ({type(error).__name__}: {error})", file=sys.stderr)
        return
    if line:
        print(line)


def _print_gap(g: Any) -> None:
    langs = ", ".join(g.languages) or "-"
    print(
        f"{g.id}  {g.count:4d}x  add content about: {g.topic}  ({langs}; last {_day(g.last_seen)})"
    )
    state = g.state or {}
    if g.status == "addressed":
        print(f"        addressed {_day(state['at'])} by {state['source']}")
    elif g.status == "dismissed":
        print(f"        dismissed {_day(state['at'])}")
    elif state.get("new_since"):
        print(f"        back: {state['new_since']} new since {state['status']} {_day(state['at'])}")
    for q in g.examples:
        print(f"        e.g. {q}")
    if g.status != "open":
        return
    if g.closest_source:
        src = g.closest_source
        print(f"        closest source: {src['title']} {src['url']} ({src['score']})")
    else:
        print("        closest source: none")


def run_gaps(args: argparse.Namespace) -> int:
    from knowledge.operations.gap_state import recheck
    from knowledge.settings import get_settings

    where, groups, store = current_gaps(args.since)
    if args.recheck:
        limit: int | None = None  # --all: every open gap
        if not args.all:  # the flag (at least 1) wins over the setting
            limit = args.recheck_limit or get_settings().gap_recheck_limit
        run = recheck(groups, store, limit=limit)
        print(f"gaps: {recheck_line(run, limit, 'later runs')}", file=sys.stderr)
    if not args.no_search:
        from knowledge.operations.gaps import attach_closest_sources
        from knowledge.retrieval import search

        attach_closest_sources([g for g in groups if g.status == "open"], search)
    shown = [g for g in groups if args.all or g.status == "open"][: args.limit]
    if args.json:
        print(json.dumps([g.to_dict() for g in shown], ensure_ascii=False))
        return 0
    print(f"source: {where}")
    if not groups:
        print("no knowledge gaps recorded")
    for status in ("open", "addressed", "dismissed"):
        part = [g for g in shown if g.status == status]
        if part and status != "open":
            print(f"{status}:")
        for g in part:
            _print_gap(g)
    hidden = Counter(g.status for g in groups if g.status != "open" and not args.all)
    if hidden:
        counts = ", ".join(f"{n} {status}" for status, n in sorted(hidden.items()))
        print(f"({counts} not shown: --all)")
    return 0


def run_gap_verb(args: argparse.Namespace) -> int:
    from knowledge.operations.gap_state import find

    _, groups, store = current_gaps(args.since)
    if args.gaps_command == "reopen":
        if not store.forget(args.gap_id):
            raise LookupError(f"gap {args.gap_id!r} is neither addressed nor dismissed")
        print(f"reopened {args.gap_id}")
        return 0
    group = find(groups, args.gap_id)
    store.save(group, "dismissed", at=time.time())
    print(f"dismissed {group.id} ({group.topic}): back when a new question joins it")
    return 0


def run_report(args: argparse.Namespace) -> int:
    from knowledge.operations.config import billing_unit
    from knowledge.operations.events import read_events, tracker_source
    from knowledge.operations.gap_questions import report_inputs
    from knowledge.operations.lifecycle import EMAIL_REOPEN_S
    from knowledge.operations.metrics import build_report, render_text
    from knowledge.settings import get_settings

    now = args.now if args.now is not None else time.time()
    since = now - args.since
    unit = args.billing_unit or billing_unit(get_settings().bot_dir)
    source = tracker_source()
    # read a lifecycle window earlier so a conversation is cut where the rules cut it
    events = read_events(source, since=since - EMAIL_REOPEN_S)
    convs, questions = report_inputs(events, now=now, channel=args.channel, gaps=not args.no_gaps)
    report = build_report(convs, now=now, since=since, channel=args.channel, billing_unit=unit)
    # the gap questions `gaps` lists (handoffs, unhelpful answers, unanswered clarifications),
    # grouped by meaning as `gaps` groups them
    latest = [q for q in questions if since <= q.ts <= now][:500]
    report.top_gaps = [
        {
            "topic": g.topic,
            "count": g.count,
            "languages": g.languages,
            "examples": g.examples,
            "reasons": g.reasons,
        }
        for g in _grouped(latest, 10, with_search=False)
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
