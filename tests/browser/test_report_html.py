"""The HTML performance report renders in headless Chromium with no network: tiles and charts.

The report is over fixture trackers in Rasa's SQL schema, with visitors' feedback votes, so the
screenshot shows every chart filled. It goes to test-artifacts/ like every browser test's; with
CUSTOMER_AGENT_UPDATE_DOCS=1 it replaces docs/report.png (README) instead, so an ordinary test run
never leaves the tracked picture changed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from knowledge.cli import main
from tests.knowledge.operations.trackers import (
    HOUR,
    answered,
    bot,
    feedback,
    handoff,
    user,
    write_tracker,
)

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
NOW = 1_700_000_000.0


def vote(day: int, i: int) -> str | None:
    """About half the answers voted helpful, a quarter not, a quarter left without a vote."""
    return {0: "up", 1: "up", 2: "down"}.get((day + i) % 4)


def write_week(db: Path) -> None:
    """A week of conversations: answered (some with a vote), handed off, email, small talk."""
    for day in range(7):
        t = NOW - (10 - day) * 24 * HOUR
        for i in range(3 + day % 3):
            answer_id = f"ans{day:02d}{i:02d}"
            events = answered(t + i * 60, answer_id=answer_id)
            helpful = vote(day, i)
            if helpful is not None:
                events += [
                    feedback(t + i * 60 + 9, helpful, answer_id),
                    bot(t + i * 60 + 9.5, "Thanks for your feedback!", "feedback"),
                ]
            write_tracker(db, f"w{day}-{i}", events)
        write_tracker(db, f"h{day}", handoff(t, "Do you sell gift cards?", "no_answer", "whatsapp"))
        write_tracker(db, f"e{day}", answered(t, channel="email"))
        write_tracker(db, f"c{day}", [user(t, "hi", "messenger")])


def screenshot_path(artifacts: Path) -> Path:
    """docs/report.png only when asked for (CUSTOMER_AGENT_UPDATE_DOCS=1), else an artefact."""
    if os.environ.get("CUSTOMER_AGENT_UPDATE_DOCS") == "1":
        return ROOT / "docs" / "report.png"
    return artifacts / "report.png"


# The tick labels a chart's legend box intersects: text, both boxes as (x, y, width, height).
_OVERLAPS = """plot => {
  const box = e => { const r = e.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; };
  const hit = (a, b) => a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3]
    && b[1] < a[1] + a[3];
  const legend = box(plot.querySelector(".legend"));
  return [...plot.querySelectorAll(".xtick text, .ytick text, .y2tick text")]
    .map(t => [t.textContent, box(t)]).filter(([, b]) => hit(legend, b))
    .map(([text, b]) => ({text, tick: b, legend}));
}"""


def overlaps(plot: Any) -> list[dict[str, Any]]:
    """The axis labels the chart's legend covers: none, or a reader cannot read them."""
    return list(plot.evaluate(_OVERLAPS))


def test_report_page_renders_offline(
    launch: Any, artifacts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "tracker.db"
    write_week(db)
    monkeypatch.setenv("CUSTOMER_AGENT_TRACKER_DB", str(db))
    page_file = tmp_path / "report.html"
    assert (
        main(["report", "--no-gaps", "--since", "14d", "--now", str(NOW), "--html", str(page_file)])
        == 0
    )
    context = launch("en").new_context(viewport={"width": 1100, "height": 1400})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(page_file.as_uri())
    page.wait_for_selector(".js-plotly-plot .main-svg")
    assert page.locator(".js-plotly-plot").count() == 5
    assert page.locator(".tile").count() >= 8
    assert page.locator(".tile .k", has_text="automation rate").count() == 1
    helpful = page.locator(".tile", has=page.locator(".k", has_text="helpful (feedback)"))
    assert helpful.locator(".v").inner_text().endswith("%")
    feedback_bars = page.locator(".js-plotly-plot", has_text="Feedback per day").locator(
        ".barlayer .point path"
    )  # Plotly draws a day without votes as a bar of height 0
    drawn = feedback_bars.evaluate_all("bars => bars.filter(b => b.getBBox().height > 0).length")
    assert drawn >= 7  # every day has votes
    assert overlaps(page.locator(".js-plotly-plot", has_text="Feedback per day")) == []
    assert [u for u in requests if not u.startswith("file:")] == []
    page.screenshot(path=str(screenshot_path(artifacts)), full_page=False)
    context.close()
