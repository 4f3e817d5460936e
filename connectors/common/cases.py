"""Admin test cases: what a cases file may say, and whether one reply meets its expectations.

One implementation for the two places that run cases: `customer-agent test CASES.yml` (agent
env, each case through the answer chain in-process) and the test-chat page's sample batch (bot
env, each sample question through the web chat's Rasa turn). Stdlib only, so both environments
import it (docs/architecture.md, "Processes and environments"); loading YAML is the caller's.

A case (YAML mapping):

    question: How long does delivery to Belgium take?   # required
    name: delivery to Belgium                            # optional, defaults to the question
    language: en                                         # optional (else detected / the page's)
    channel: webchat                                     # optional, shown in the results
    history:                                             # optional earlier turns, oldest first
      - {role: user, text: ...}
      - {role: agent, text: ...}
    expect:
      kind: answer            # answer | clarify | handoff (default: answer)
      cites: https://...      # a URL (or list) the reply must cite; a page matches its #sections
      contains: [words]       # each must appear in the reply text (case-insensitive)
      excludes: [words]       # none may appear
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

KINDS = ("answer", "clarify", "handoff")
# sender ids of the test-chat page's batch conversations (connectors/webchat_batch.py): a test
# run, not a visitor, so `customer-agent gaps` leaves them out
BATCH_SENDER_PREFIX = "testbatch-"
_CASE_KEYS = frozenset({"name", "question", "language", "channel", "history", "expect"})
_EXPECT_KEYS = frozenset({"kind", "cites", "contains", "excludes"})
_ROLES = ("user", "agent")


@dataclass(frozen=True)
class Case:
    """One question and what its reply must be."""

    name: str
    question: str
    language: str | None = None
    channel: str | None = None
    history: tuple[tuple[str, str], ...] = ()  # (role, text)
    kind: str = "answer"
    cites: tuple[str, ...] = ()
    contains: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()

    def expected(self) -> str:
        """The expectations in one short line, for the results table."""
        parts = [self.kind]
        parts += [f"cites {url}" for url in self.cites]
        parts += [f"has {word!r}" for word in self.contains]
        parts += [f"not {word!r}" for word in self.excludes]
        return ", ".join(parts)


@dataclass(frozen=True)
class Outcome:
    """What a case's reply was and which expectations it missed (none: passed)."""

    case: Case
    kind: str
    text: str
    sources: tuple[str, ...]
    failures: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return not self.failures

    def happened(self) -> str:
        cited = f" citing {', '.join(self.sources)}" if self.sources else ""
        return f"{self.kind}{cited}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.case.name,
            "question": self.case.question,
            "language": self.case.language,
            "channel": self.case.channel,
            "passed": self.passed,
            "expected": self.case.expected(),
            "happened": self.happened(),
            "kind": self.kind,
            "sources": list(self.sources),
            "text": self.text,
            "failures": list(self.failures),
        }


class CasesError(ValueError):
    """A cases file with mistakes: `problems` holds one line per mistake."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


def _words(value: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    words = [str(w).strip() if isinstance(w, str | int | float) else "" for w in items]
    if not words or not all(words) or any(isinstance(w, bool) for w in items):
        problems.append(f"{where}: expected a text or a list of texts")
        return ()
    return tuple(words)


def _history(value: Any, where: str, problems: list[str]) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        problems.append(f"{where}: expected a list of {{role: user|agent, text: ...}}")
        return ()
    turns = []
    for n, item in enumerate(value, 1):
        ok = isinstance(item, Mapping) and item.get("role") in _ROLES
        if not ok or not isinstance(item.get("text"), str):
            problems.append(f"{where}[{n}]: expected {{role: user|agent, text: ...}}")
            continue
        turns.append((str(item["role"]), str(item["text"])))
    return tuple(turns)


def parse_case(raw: Any, where: str, problems: list[str]) -> Case | None:
    """One case from its mapping; each mistake appends a line to `problems`."""
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: expected a mapping with at least `question`")
        return None
    before = len(problems)
    problems += [f"{where}: unknown key {key!r}" for key in raw if key not in _CASE_KEYS]
    question = raw.get("question")
    if not isinstance(question, str) or not question.strip():
        problems.append(f"{where}: `question` is missing or empty")
    for key in ("name", "language", "channel"):
        if key in raw and not (isinstance(raw[key], str) and raw[key].strip()):
            problems.append(f"{where}: `{key}` must be a non-empty text")
    history = _history(raw["history"], f"{where}.history", problems) if "history" in raw else ()
    expect = raw.get("expect") or {}
    if not isinstance(expect, Mapping):
        problems.append(f"{where}.expect: expected a mapping (kind, cites, contains, excludes)")
        expect = {}
    problems += [f"{where}.expect: unknown key {k!r}" for k in expect if k not in _EXPECT_KEYS]
    kind = expect.get("kind", "answer")
    if kind not in KINDS:
        problems.append(f"{where}.expect.kind: {kind!r} is not one of {', '.join(KINDS)}")
    lists = {
        key: _words(expect[key], f"{where}.expect.{key}", problems) if key in expect else ()
        for key in ("cites", "contains", "excludes")
    }
    if len(problems) > before:
        return None
    text = str(question).strip()
    return Case(
        name=str(raw.get("name") or text).strip(),
        question=text,
        language=str(raw["language"]).strip().lower() if raw.get("language") else None,
        channel=str(raw["channel"]).strip() if raw.get("channel") else None,
        history=history,
        kind=str(kind),
        **lists,
    )


def parse_cases(document: Any) -> list[Case]:
    """All cases of a loaded file (`cases:` list, or a bare list); raises `CasesError`."""
    items = document.get("cases") if isinstance(document, Mapping) else document
    if isinstance(document, Mapping):
        extra = [k for k in document if k != "cases"]
        if extra:
            raise CasesError([f"top level: unknown key {k!r} (expected `cases:`)" for k in extra])
    if not isinstance(items, list) or not items:
        raise CasesError(["top level: expected `cases:` with a list of cases"])
    problems: list[str] = []
    cases = [parse_case(raw, f"case {n}", problems) for n, raw in enumerate(items, 1)]
    if problems:
        raise CasesError(problems)
    return [c for c in cases if c is not None]


def _urls(sources: Iterable[Any]) -> tuple[str, ...]:
    out = []
    for s in sources:
        url = s.get("url") if isinstance(s, Mapping) else s
        if url:
            out.append(str(url))
    return tuple(out)


def _cited(expected: str, urls: Sequence[str]) -> bool:
    """A page URL matches a citation of any of its sections (`page#section`); a URL with a
    fragment must match exactly."""
    return any(url == expected or url.split("#", 1)[0] == expected for url in urls)


def check(case: Case, *, kind: str, text: str, sources: Iterable[Any]) -> Outcome:
    """The reply (kind, the text the visitor reads, cited sources as URLs or {url} mappings)
    against the case's expectations; every miss is one line in `failures`."""
    urls = _urls(sources)
    lowered = text.casefold()
    failures = []
    if kind != case.kind:
        failures.append(f"expected {case.kind}, got {kind}")
    failures += [f"does not cite {url}" for url in case.cites if not _cited(url, urls)]
    failures += [f"missing {w!r}" for w in case.contains if w.casefold() not in lowered]
    failures += [f"contains {w!r}" for w in case.excludes if w.casefold() in lowered]
    return Outcome(case, kind, text, urls, tuple(failures))
