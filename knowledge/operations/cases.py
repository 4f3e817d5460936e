"""The admins' batch test: run a cases file through the answer chain and report pass / fail.

Why in-process through `knowledge.answer.chain.run_turn`: it is the decision a visitor gets
(the same retrieval, rules and composer as the action server), without a running Rasa server,
so an admin can keep a regression suite for their own content and run it after every sync.
What a cases file may say and how a reply is checked: `connectors/common/cases.py` (shared
with the test-chat page's sample batch). A handoff is checked against the text the visitor
would read (the domain response `action_handoff` utters).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from connectors.common.cases import Case, CasesError, Outcome, check, parse_cases

Ask = Callable[[Case], dict[str, Any]]


def load_cases(path: Path) -> list[Case]:
    """The cases of a YAML file; every mistake is one line of the raised `CasesError`."""
    import yaml

    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CasesError([f"cannot read ({error.strerror or error})"]) from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(error, "problem", None) or "syntax error"
        raise CasesError([f"{where}not valid YAML ({problem})"]) from error
    return parse_cases(document)


def ask_case(case: Case) -> dict[str, Any]:
    """One case through the chain as `customer-agent ask` runs it (language detected when the
    case names none)."""
    from knowledge.cli.ask import ask_one, parse_history

    history = parse_history([{"role": r, "text": t} for r, t in case.history])
    return ask_one(case.question, case.language, history)


def run_cases(
    cases: Iterable[Case], ask: Ask = ask_case, *, progress: bool = False
) -> list[Outcome]:
    """Each case asked and checked, in order; a case whose run raises fails with the error."""
    from tqdm import tqdm

    items = list(cases)
    out = []
    for case in tqdm(items, desc="test", disable=not progress):
        try:
            reply = ask(case)
        except Exception as error:  # one broken case must not hide the others' results
            out.append(Outcome(case, "error", "", (), (f"{type(error).__name__}: {error}",)))
            continue
        out.append(
            check(
                case,
                kind=str(reply.get("kind") or ""),
                text=str(reply.get("text") or ""),
                sources=reply.get("sources") or [],
            )
        )
    return out


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def render_table(outcomes: Sequence[Outcome], *, width: int = 72) -> str:
    """One line per case (result, case, expected, happened), each miss under it, a total."""
    rows = [("RESULT", "CASE", "EXPECTED", "HAPPENED")]
    rows += [
        (
            "pass" if o.passed else "FAIL",
            _clip(o.case.name, width),
            _clip(o.case.expected(), width),
            _clip(o.happened(), width),
        )
        for o in outcomes
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = []
    for n, row in enumerate(rows):
        cells = [cell.ljust(w) for cell, w in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[3]]))
        if n and not outcomes[n - 1].passed:
            lines += [f"      - {failure}" for failure in outcomes[n - 1].failures]
    failed = sum(1 for o in outcomes if not o.passed)
    lines.append(f"{len(outcomes) - failed} passed, {failed} failed")
    return "\n".join(line.rstrip() for line in lines)
