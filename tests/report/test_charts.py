"""Inline SVG charts: valid XML, gaps for missing values, escaped text, sensible axes."""

from __future__ import annotations

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
