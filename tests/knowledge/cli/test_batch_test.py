"""`customer-agent test CASES.yml` end to end: the shipped bot/test_cases.yml passes over the
indexed sample help centre (real chunker, LanceDB, bundled embeddings, shipped thresholds),
a failing case exits 1 and says what happened, a file with mistakes exits 2 with one line
each and runs nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.bootstrap import SAMPLE_DIR
from knowledge.cli import main
from knowledge.settings import PROJECT_ROOT, get_settings
from knowledge.stores import reset_store

SHIPPED = PROJECT_ROOT / "bot" / "test_cases.yml"
CACHE = PROJECT_ROOT / "var" / "test-cache" / "embeddings.sqlite"

FAILING = """
cases:
  - question: How do I reset my password?
    language: en
    expect:
      kind: answer
      cites: https://help.fennoway.example/en/shipping-costs-and-times
      contains: [Forgot password, warp drive]
      excludes: password
  - name: gift cards are not in the help centre
    question: Do you sell gift cards?
    language: en
"""


def _use(data: Path, mp: pytest.MonkeyPatch) -> None:
    mp.setenv("CUSTOMER_AGENT_DATA", str(data))
    # embeddings are keyed by model + exact text: sharing them across runs only saves time
    mp.setenv("CUSTOMER_AGENT_EMBEDDING_CACHE", str(CACHE))
    get_settings.cache_clear()
    reset_store()


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data directory with the sample help centre indexed (once for this module)."""
    data = tmp_path_factory.mktemp("batch") / "data"
    with pytest.MonkeyPatch.context() as mp:
        _use(data, mp)
        assert main(["sources", "add", str(SAMPLE_DIR), "--name", "sample", "-q"]) == 0
    reset_store()
    get_settings.cache_clear()
    yield data


@pytest.fixture
def indexed(sample: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    _use(sample, monkeypatch)
    yield sample
    reset_store()
    get_settings.cache_clear()


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_shipped_cases_pass_on_the_sample(indexed: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = cli(capsys, "test", str(SHIPPED), "-q")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["RESULT", "CASE", "EXPECTED", "HAPPENED"]
    assert lines[-1] == f"{len(lines) - 2} passed, 0 failed"
    assert all(line.startswith("pass ") for line in lines[1:-1])
    assert any("clarify" in line for line in lines) and any("handoff" in line for line in lines)


def test_failures_exit_1_and_say_what_happened(
    indexed: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    cases = tmp_path / "cases.yml"
    cases.write_text(FAILING)
    code, out, _ = cli(capsys, "test", str(cases), "-q")
    assert code == 1
    assert "does not cite https://help.fennoway.example/en/shipping-costs-and-times" in out
    assert "missing 'warp drive'" in out and "contains 'password'" in out
    assert "missing 'Forgot password'" not in out
    assert "expected answer, got handoff" in out
    assert out.splitlines()[-1] == "0 passed, 2 failed"

    code, out, _ = cli(capsys, "test", str(cases), "--json")
    body = json.loads(out)
    assert code == 1 and (body["passed"], body["failed"]) == (0, 2)
    first, second = body["cases"]
    assert first["kind"] == "answer" and first["passed"] is False
    assert first["sources"][0].startswith("https://help.fennoway.example/en/account-and-password")
    assert second["name"] == "gift cards are not in the help centre"
    assert second["failures"] == ["expected answer, got handoff"]


def test_mistakes_are_one_line_each_and_nothing_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    _use(tmp_path / "empty", monkeypatch)
    cases = tmp_path / "bad.yml"
    cases.write_text(
        "cases:\n"
        "  - question: ''\n"
        "  - question: Hi\n    expect: {kind: answered, cite: x}\n"
        "  - question: Hi\n    history: [{role: bot, text: x}]\n    lang: en\n"
        "  - just a string\n"
    )
    code, out, err = cli(capsys, "test", str(cases))
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"{cases}: case 1: `question` is missing or empty",
        f"{cases}: case 2.expect: unknown key 'cite'",
        f"{cases}: case 2.expect.kind: 'answered' is not one of answer, clarify, handoff",
        f"{cases}: case 3: unknown key 'lang'",
        f"{cases}: case 3.history[1]: expected {{role: user|agent, text: ...}}",
        f"{cases}: case 4: expected a mapping with at least `question`",
    ]
    cases.write_text("cases: [question: x\n")
    code, _, err = cli(capsys, "test", str(cases))
    assert code == 2 and err.startswith(f"{cases}: line ") and "not valid YAML" in err
    code, _, err = cli(capsys, "test", str(tmp_path / "missing.yml"))
    assert code == 2 and "cannot read" in err
    # a valid file with no content indexed: one line saying what to do, nothing run
    cases.write_text("cases:\n  - question: Do you sell gift cards?\n")
    code, out, err = cli(capsys, "test", str(cases))
    assert code == 2 and out == "" and "no sources registered" in err
