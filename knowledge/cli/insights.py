"""`customer-agent gaps` and `report`: what the agent could not answer, and how it did."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any


def register(sub: Any) -> None:
    gaps = sub.add_parser("gaps", help="knowledge gaps: topics visitors asked that had no answer")
    gaps.add_argument("--days", type=float, default=30.0, help="look back this many days")
    gaps.add_argument("--limit", type=int, default=20)
    gaps.add_argument("--json", action="store_true")
    gaps.set_defaults(handler=run_gaps)
    report = sub.add_parser("report", help="answer / clarify / handoff counts and rates")
    report.add_argument("--days", type=float, default=30.0)
    report.add_argument("--json", action="store_true")
    report.set_defaults(handler=run_report)


def _since(days: float) -> float:
    return time.time() - days * 86400


def run_gaps(args: argparse.Namespace) -> int:
    from knowledge.insights.store import get_insights_store

    gaps = get_insights_store().gaps(limit=args.limit, since=_since(args.days))
    if args.json:
        print(json.dumps([g.__dict__ for g in gaps], ensure_ascii=False))
        return 0
    if not gaps:
        print("no knowledge gaps recorded")
    for g in gaps:
        print(f"{g.count:4d}x  add content about: {g.topic}  ({', '.join(g.languages)})")
        for q in g.examples:
            print(f"        e.g. {q}")
    return 0


def run_report(args: argparse.Namespace) -> int:
    from knowledge.insights.store import get_insights_store

    report = get_insights_store().report(since=_since(args.days))
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return 0
    for key, value in report.items():
        print(f"{key}: {value}")
    return 0
