"""The performance report as one self-contained HTML page (plotly, its JS inlined).

Nothing is fetched when the page opens: plotly.js is embedded once, the other charts reuse it,
so the file can be mailed or opened offline. Every text that comes from conversations (gap
topics, source URLs) is escaped.
"""

from __future__ import annotations

import html
import time
from typing import Any

from knowledge.operations.metrics import DEFINITIONS, Report

_CSS = """
body{font-family:system-ui,sans-serif;margin:24px;color:#1f2933;background:#f7f8fa}
h1{font-size:22px;margin:0 0 4px} .sub{color:#52606d;margin-bottom:16px}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:12px}
.tile{background:#fff;border-radius:8px;padding:12px 14px;box-shadow:0 1px 2px #0002}
.tile .v{font-size:26px;font-weight:600} .tile .k{color:#52606d;font-size:13px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:12px;
margin-top:16px} .chart{background:#fff;border-radius:8px;box-shadow:0 1px 2px #0002}
table{border-collapse:collapse;background:#fff;margin-top:8px} td,th{padding:4px 10px;
border-bottom:1px solid #e4e7eb;text-align:left;font-size:13px} h2{font-size:16px;margin-top:20px}
dl{font-size:13px} dt{font-weight:600} dd{margin:0 0 6px 0;color:#52606d}
"""


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def _pct_or_dash(x: float | None) -> str:
    return "-" if x is None else _pct(x)


def _tiles(r: Report) -> list[tuple[str, str]]:
    lat = r.latency_ms
    return [
        ("conversations", str(r.conversations)),
        ("involvement", _pct(r.involvement)),
        ("resolution", _pct(r.resolution_rate)),
        ("automation rate", _pct(r.automation_rate)),
        ("handoff rate", _pct(r.handoff_rate)),
        ("clarification rate", _pct(r.clarification_rate)),
        ("abandonment", _pct(r.abandonment_rate)),
        ("billable / conversation", str(r.billable.get("per_conversation", 0))),
        ("billable / resolution", str(r.billable.get("per_resolution", 0))),
        ("latency p50 / p95", f"{lat.get('p50') or '-'} / {lat.get('p95') or '-'} ms"),
        (
            "helpful (feedback)",
            _pct_or_dash(_share(r.feedback.get("positive", 0), r.feedback.get("negative", 0))),
        ),
    ]


def _share(positive: int, negative: int) -> float | None:
    """Share of votes that said "helpful"; None without votes."""
    votes = positive + negative
    return positive / votes if votes else None


def _figures(r: Report) -> list[Any]:
    import plotly.graph_objects as go

    days = [d["day"] for d in r.daily]
    margin = {"l": 40, "r": 10, "t": 40, "b": 40}
    layout = {"margin": margin, "height": 320}
    per_day = go.Figure(
        [
            go.Bar(
                name="resolved", marker_color="#2ca02c", x=days, y=[d["resolved"] for d in r.daily]
            ),
            go.Bar(
                name="handed off",
                marker_color="#ff7f0e",
                x=days,
                y=[d["handed_off"] for d in r.daily],
            ),
            go.Bar(name="other", marker_color="#9aa5b1", x=days, y=[d["other"] for d in r.daily]),
        ],
        layout={**layout, "barmode": "stack", "title": "Conversations per day"},
    )
    channels = go.Figure(
        [go.Bar(x=list(r.by_channel), y=list(r.by_channel.values()))],
        layout={**layout, "title": "By channel"},
    )
    trend = go.Figure(
        [
            go.Scatter(
                name="resolution rate",
                x=days,
                y=[d["resolution_rate"] for d in r.daily],
                mode="lines+markers",
            )
        ],
        layout={
            **layout,
            "title": "Resolution over time",
            "yaxis": {"tickformat": ".0%", "range": [0, 1]},
        },
    )
    feedback = go.Figure(
        [
            go.Bar(
                name="helpful",
                marker_color="#2ca02c",
                x=days,
                y=[d["feedback_positive"] for d in r.daily],
            ),
            go.Bar(
                name="not helpful",
                marker_color="#d62728",
                x=days,
                y=[d["feedback_negative"] for d in r.daily],
            ),
            go.Scatter(
                name="helpful share",
                x=days,
                y=[_share(d["feedback_positive"], d["feedback_negative"]) for d in r.daily],
                mode="lines+markers",
                yaxis="y2",
                connectgaps=True,
                cliponaxis=False,  # a day at 100% keeps its whole marker
            ),
        ],
        layout={
            **layout,
            # a legend at the right would sit on the share axis' labels: one row below instead
            "margin": {**margin, "r": 50, "b": 80},
            "legend": {"orientation": "h", "x": 0.5, "xanchor": "center", "y": -0.2},
            "barmode": "stack",
            "title": "Feedback per day (votes on answers)",
            "yaxis2": {
                "overlaying": "y",
                "side": "right",
                "showgrid": False,
                "tickformat": ".0%",
                "range": [0, 1],
                # round labels: plotly would place them on the vote axis' ticks (24%, 47%, ...)
                "tickmode": "linear",
                "tick0": 0,
                "dtick": 0.25,
            },
        },
    )
    funnel = go.Figure(
        [go.Funnel(y=list(r.funnel), x=list(r.funnel.values()), textinfo="value+percent initial")],
        layout={**layout, "title": "Funnel: new -> involved -> answered -> resolved"},
    )
    return [per_day, channels, trend, feedback, funnel]


def render_html(report: Report) -> str:
    """The whole page; plotly.js is inlined in the first chart only."""
    import plotly.io as pio

    charts = [
        pio.to_html(fig, full_html=False, include_plotlyjs=(i == 0), config={"responsive": True})
        for i, fig in enumerate(_figures(report))
    ]
    esc = html.escape
    period = (
        time.strftime("%Y-%m-%d", time.gmtime(report.since))
        + " .. "
        + time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(report.now))
    )
    tiles = "".join(
        f'<div class="tile"><div class="v">{esc(v)}</div><div class="k">{esc(k)}</div></div>'
        for k, v in _tiles(report)
    )
    sources = (
        "".join(f"<tr><td>{n}</td><td>{esc(s)}</td></tr>" for s, n in report.top_sources)
        or "<tr><td colspan=2>none cited</td></tr>"
    )
    gaps = (
        "".join(
            f"<tr><td>{g['count']}</td><td>add content about: {esc(str(g['topic']))}</td>"
            f"<td>{esc(', '.join(g.get('languages') or []))}</td></tr>"
            for g in report.top_gaps
        )
        or "<tr><td colspan=3>none recorded</td></tr>"
    )
    reasons = ", ".join(f"{esc(k)} {v}" for k, v in report.handoff_reasons.items()) or "none"
    definitions = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in DEFINITIONS.items())
    channel = f" &middot; channel {esc(report.channel)}" if report.channel else ""
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Performance report</title>"
        f"<style>{_CSS}</style></head><body>"
        f"<h1>Performance report</h1><div class='sub'>{esc(period)}{channel} &middot; billing "
        f"unit {esc(report.billing_unit)} &middot; handoffs by reason: {reasons}</div>"
        f"<div class='tiles'>{tiles}</div>"
        f"<div class='charts'>{''.join(f'<div class=chart>{c}</div>' for c in charts)}</div>"
        f"<h2>Top cited sources</h2><table><tr><th>citations</th><th>source</th></tr>{sources}"
        f"</table><h2>Top gaps</h2><table><tr><th>questions</th><th>gap</th><th>languages</th>"
        f"</tr>{gaps}</table><h2>Definitions</h2><dl>{definitions}</dl></body></html>"
    )
