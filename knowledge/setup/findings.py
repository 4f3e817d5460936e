"""What a check found, and the environment the checks read.

A `Finding` is one printed line: `ok` for a pass, `off` for something not configured (a closed
channel, an embedded default), `FAIL` for a problem, always with the fix after " -> ". The
environment is the project's `.env` overlaid with the process environment (the variables win,
as for the servers: scripts/run.sh exports `.env` before starting them).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Status = Literal["ok", "off", "FAIL"]
PLACEHOLDERS = {"changeme", "change-me", "your-key-here", "xxx", "todo", "sk-..."}


@dataclass(frozen=True)
class Finding:
    status: Status
    subject: str  # what was checked: a variable, "profile", "index", "tracker store", ...
    text: str
    fix: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "FAIL"

    def line(self) -> str:
        fix = f" -> {self.fix}" if self.fix else ""
        return f"{self.status:<4} {self.subject}: {self.text}{fix}"


def ok(subject: str, text: str) -> Finding:
    return Finding("ok", subject, text)


def off(subject: str, text: str) -> Finding:
    return Finding("off", subject, text)


def fail(subject: str, text: str, fix: str) -> Finding:
    return Finding("FAIL", subject, text, fix)


def load_env(env_file: Path | None, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """`.env` (when it exists) overlaid with the process environment."""
    from dotenv import dotenv_values

    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
    values.update(os.environ if environ is None else environ)
    return values


def secret(env: Mapping[str, str], name: str) -> str:
    """The variable's value, "" when unset, blank or a placeholder."""
    value = (env.get(name) or "").strip()
    return "" if not value or value.lower() in PLACEHOLDERS or "${" in value else value
