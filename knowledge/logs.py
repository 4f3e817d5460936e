"""Structured, quiet-by-default logging for the agent env (key=value lines on stderr)."""

from __future__ import annotations

import logging
import os


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        base = f"level={record.levelname.lower()} logger={record.name} msg={record.getMessage()!r}"
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            base += "".join(f" {k}={v!r}" for k, v in extra.items())
        if record.exc_info:
            base += "\n" + self.formatException(record.exc_info)
        return base


def configure_logging(*, verbose: bool = False) -> None:
    """Warnings only unless asked; `CUSTOMER_AGENT_LOG_LEVEL` overrides."""
    level = os.environ.get("CUSTOMER_AGENT_LOG_LEVEL", "DEBUG" if verbose else "WARNING")
    handler = logging.StreamHandler()
    handler.setFormatter(KeyValueFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "urllib3", "trafilatura", "pypdf"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
