"""The shared case checks (connectors/common/cases.py), as both the CLI and the test-chat batch
use them: a page URL matches its sections, words are case-insensitive, every miss is a line."""

from __future__ import annotations

import pytest

from connectors.common.cases import CasesError, check, parse_cases


def test_a_page_matches_its_sections_and_each_miss_is_one_line() -> None:
    [case] = parse_cases(
        [
            {
                "question": "How do I reset my password?",
                "expect": {"cites": "https://x/account", "contains": "forgot", "excludes": "PIN"},
            }
        ]
    )
    ok = check(
        case, kind="answer", text="Click Forgot password.", sources=[{"url": "https://x/account#r"}]
    )
    assert ok.passed and ok.happened() == "answer citing https://x/account#r"
    bad = check(case, kind="clarify", text="Your pin?", sources=["https://x/account-old"])
    assert bad.failures == (
        "expected answer, got clarify",
        "does not cite https://x/account",
        "missing 'forgot'",
        "contains 'PIN'",
    )
    [exact] = parse_cases({"cases": [{"question": "q", "expect": {"cites": "https://x/a#b"}}]})
    assert not check(exact, kind="answer", text="", sources=["https://x/a#c"]).passed


def test_top_level_mistakes() -> None:
    with pytest.raises(CasesError, match="expected `cases:`"):
        parse_cases({"cases": []})
    with pytest.raises(CasesError, match="unknown key 'case'"):
        parse_cases({"case": [{"question": "q"}]})
