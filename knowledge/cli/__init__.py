"""`customer-agent`: the admin CLI.

Each sub-command group lives in its own module exposing `register(subparsers)`; modules are
imported only when the CLI starts, and heavy imports (models, stores) happen inside handlers.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

COMMAND_MODULES = (
    "knowledge.cli.sources",  # sources add|list|remove, sync
    "knowledge.cli.search",  # search
    "knowledge.cli.ask",  # ask
    "knowledge.cli.insights",  # gaps, report
    "knowledge.cli.consume_events",  # consume-events (RabbitMQ -> PostgreSQL analytics)
    "knowledge.cli.setup",  # init, check
    "knowledge.cli.batch_test",  # test CASES.yml
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="customer-agent", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue  # feature not built yet
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from knowledge.logs import configure_logging

    configure_logging(verbose=args.verbose)
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # an admin sees one line, not a traceback
        if args.verbose:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
