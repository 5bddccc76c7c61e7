"""Inline SVG charts: valid XML, gaps for missing values, escaped text, sensible axes."""

from __future__ import annotations

from datetime import date
from xml.etree import ElementTree

from qobserve.report.charts import bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_missing_values_break_the_line() -> None:
    svg = line_chart("t", ["a", "b", "c", "d", "e"], {"s": [1.0, 2.0, None, 3.0, 4.0]})
    root = ElementTree.fromstring(svg)
    lines = root.findall(f"{SVG}polyline")
    # two segments of two points each, four dots: no invented value for "c"
    assert [len(p.get("points", "").split()) for p in lines] == [2, 2]
    assert len(root.findall(f"{SVG}circle")) == 4


def test_axis_covers_data_and_thresholds() -> None:
    svg = line_chart("t", ["a", "b"], {"s": [0.2, 0.5]}, y_format=lambda v: f"{v:.1f}",
                     thresholds={"zero": -0.4})  # fmt: skip
    ticks = [t.text for t in ElementTree.fromstring(svg).iter(f"{SVG}text")
             if t.get("text-anchor") == "end"]  # fmt: skip
    values = [float(t) for t in ticks if t]
    assert min(values) <= -0.4 and max(values) >= 0.5


def test_text_is_escaped() -> None:
    svg = bar_chart("<b>cost</b>", ["<script>", "x&y"], [1.0, -2.0])
    root = ElementTree.fromstring(svg)  # parses: nothing unescaped
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert len(root.findall(f"{SVG}rect")) == 2  # a negative bar is drawn below zero


def test_empty_chart_is_still_valid() -> None:
    ElementTree.fromstring(line_chart("t", [], {"s": []}))
    ElementTree.fromstring(bar_chart("t", ["a"], [None]))


def y_ticks(svg: str) -> list[float]:
    texts = [t.text for t in ElementTree.fromstring(svg).iter(f"{SVG}text")
             if t.get("text-anchor") == "end"]  # fmt: skip
    return [float(t) for t in texts if t]


def test_daily_attainment_zooms_to_the_objective() -> None:
    # a 96-99 % week against a 99 % objective: on a 0-100 % axis the breach is a flat line
    from qobserve.report.model import Counts, DayPoint
    from qobserve.report.render_html import daily_sli_chart

    days = [DayPoint(date(2026, 11, 9 + i), Counts(good=g, bad=100 - g))
            for i, g in enumerate([99, 98, 96, 99, 97, 99, 99])]  # fmt: skip
    svg = daily_sli_chart("x", days, objective=0.99, y_format=lambda v: f"{v:.3f}")
    ticks = y_ticks(svg)
    assert min(ticks) <= 0.96 and max(ticks) >= 0.99
    assert min(ticks) >= 0.9 and max(ticks) <= 1.0  # zoomed: the whole axis spans < 10 points
    root = ElementTree.fromstring(svg)
    objective = [ln for ln in root.iter(f"{SVG}line") if ln.get("class") == "threshold"]
    assert len(objective) == 1  # drawn, at the objective's height


def _ticks(svg: str) -> list[str]:
    import re

    return re.findall(
        r'<text class="tick" x="\d+(?:\.\d+)?" y="[\d.]+" text-anchor="end">([^<]*)<', svg
    )


def test_latency_spread_over_decades_is_drawn_on_a_log_axis() -> None:
    # a 20 ms simulator p50 beside a 2 h QPU p95: on a linear axis the first is at 0
    svg = line_chart("latency", ["Mon", "Tue"], {"p50": [0.02, 7200.0]}, y_format=str, log=True)
    assert _ticks(svg) == [str(10.0**e) for e in range(-2, 5)]
    near = line_chart("latency", ["Mon", "Tue"], {"p50": [20.0, 70.0]}, y_format=str, log=True)
    assert _ticks(near) == ["0", "20", "40", "60", "80"]  # within 100x: linear from 0
