"""The HTML performance report renders in headless Chromium with no network: tiles and charts.

Writes docs/report.png (README) from a report over fixture trackers in Rasa's SQL schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from knowledge.cli import main
from tests.knowledge.operations.trackers import HOUR, answered, handoff, slot, user, write_tracker

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
NOW = 1_700_000_000.0


def test_report_page_renders_offline(
    launch: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "tracker.db"
    for day in range(7):
        t = NOW - (10 - day) * 24 * HOUR
        for i in range(3 + day % 3):
            write_tracker(
                db,
                f"w{day}-{i}",
                [
                    *answered(t + i * 60),
                    slot(t + i * 60 + 9, "feedback", "up" if i % 2 else "down"),
                ],
            )
        write_tracker(db, f"h{day}", handoff(t, "Do you sell gift cards?", "no_answer", "whatsapp"))
        write_tracker(db, f"e{day}", answered(t, channel="email"))
        write_tracker(db, f"c{day}", [user(t, "hi", "messenger")])
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
    assert [u for u in requests if not u.startswith("file:")] == []
    page.screenshot(path=str(ROOT / "docs" / "report.png"), full_page=False)
    context.close()
