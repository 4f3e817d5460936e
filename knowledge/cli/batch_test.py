"""`customer-agent test CASES.yml`: the admin's regression suite for their own content.

Exit codes: 0 every case passed, 1 a case failed, 2 the cases file has mistakes (one line
each, nothing is run) or no source is registered (every case would only hand off).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("test", help="run a cases file through the answer chain: pass/fail table")
    p.add_argument("cases", type=Path, help="YAML cases file (see bot/test_cases.yml)")
    p.add_argument("--json", action="store_true", help="one JSON document with every result")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=run)


def _no_sources() -> bool:
    from knowledge.sources.registry import get_registry

    registry = get_registry()
    try:
        return not registry.list()
    finally:
        registry.close()


def run(args: argparse.Namespace) -> int:
    from connectors.common.cases import CasesError
    from knowledge.operations.cases import load_cases, render_table, run_cases

    try:
        cases = load_cases(args.cases)
    except CasesError as error:
        for line in error.problems:
            print(f"{args.cases}: {line}", file=sys.stderr)
        return 2
    if _no_sources():
        print(
            "no sources registered: add content first (customer-agent sources add PATH|URL;"
            " `make run` indexes the sample help centre)",
            file=sys.stderr,
        )
        return 2
    progress = not args.quiet and sys.stderr.isatty()
    outcomes = run_cases(cases, progress=progress)
    failed = sum(1 for o in outcomes if not o.passed)
    if args.json:
        body = {
            "passed": len(outcomes) - failed,
            "failed": failed,
            "cases": [o.to_dict() for o in outcomes],
        }
        print(json.dumps(body, ensure_ascii=False))
    else:
        print(render_table(outcomes))
    return 1 if failed else 0
