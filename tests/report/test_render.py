"""Renderers: Markdown, self-contained HTML with SVG charts, JSON with slo-generator names, CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

from qobserve.exceptions import InputError
from qobserve.report import write_report
from qobserve.report.render_data import render_csv, render_daily_csv, render_json
from qobserve.report.render_html import render_html
from qobserve.report.render_markdown import render_markdown

from .helpers import freshness_slo, latency_slo, success_slo
from .test_sli import build

SLOS = [
    success_slo(selectors={"backend_type": "qpu|emulator"}),
    latency_slo(),
    freshness_slo(),
    success_slo("empty", selectors={"backend": "nowhere"}),
]


@pytest.fixture(scope="module")
def report():  # type: ignore[no-untyped-def]
    return build(SLOS)


def test_json_uses_slo_generator_names_and_values(report) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(render_json(report))
    s = doc["slos"][0]
    # figures of test_sli.test_job_success_by_hand: 5 good, 3 bad, 90 % over 168 h
    assert (s["good_events_count"], s["bad_events_count"], s["events_count"]) == (5, 3, 8)
    assert s["sli_measurement"] == pytest.approx(0.625)
    assert s["goal"] == 0.9 and s["error_budget_target"] == pytest.approx(0.1)
    assert s["gap"] == pytest.approx(0.625 - 0.9)
    assert s["error_budget_burn_rate"] == pytest.approx(3.75)
    assert s["window"] == 7 * 86400
    # slo-generator: budget minutes = window minutes * target; error minutes = * (1 - sli)
    assert s["error_budget_minutes"] == pytest.approx(10080 * 0.1)
    assert s["error_minutes"] == pytest.approx(10080 * 0.375)
    assert s["error_budget_remaining_minutes"] == pytest.approx(1008 - 3780)
    assert s["status"] == "breached"
    assert s["period"]["events_count"] == 10 and s["previous"]["events_count"] == 2
    # no events and not computable: null, not 0 or 100 %
    empty = doc["slos"][3]
    assert empty["sli_measurement"] is None and empty["error_budget_burn_rate"] is None
    assert empty["status"] == "no data"
    assert doc["slos"][2]["available"] is False
    assert doc["window"]["hours"] == 168 and doc["window"]["label"] == "2026-W46"


def test_csv_has_one_row_per_slo(report) -> None:  # type: ignore[no-untyped-def]
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    assert [r["name"] for r in rows] == ["qpu-success", "latency", "calibration-fresh", "empty"]
    assert rows[0]["good_events_count"] == "5" and rows[0]["status"] == "breached"
    assert rows[3]["sli_measurement"] == ""  # missing, not 0
    daily = list(csv.DictReader(io.StringIO(render_daily_csv(report))))
    assert len(daily) == 4 * 7 - 7  # the unavailable SLO has no days
    assert daily[0] | {} == {
        "name": "qpu-success",
        "date": "2026-11-09",
        "sli_measurement": "0.5",
        "events_count": "2",
        "good_events_count": "1",
        "bad_events_count": "1",
    }


def test_markdown_summary_first(report) -> None:  # type: ignore[no-untyped-def]
    md = render_markdown(report)
    assert md.startswith("# SLO report 2026-W46\n")
    assert md.index("## Summary") < md.index("## qpu-success") < md.index("## Operations")
    assert "| qpu-success | ❌ breached | 62.50% | 90.00% | 3.75x |" in md
    assert "needs Prometheus" in md


def test_html_is_self_contained_and_valid(report) -> None:  # type: ignore[no-untyped-def]
    html = render_html(report)
    # nothing fetched: no scripts, no external stylesheets or images
    assert "<script" not in html and "<link" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "@media print" in html
    # every SVG parses as XML and has a title for screen readers
    svgs = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    assert len(svgs) >= 5
    for svg in svgs:
        root = ElementTree.fromstring(svg)
        assert root.find("{http://www.w3.org/2000/svg}title") is not None
    # burn-down of the breached SLO draws the zero line
    assert "qpu-success: error budget left for the 14d period" in html


def test_write_report_writes_the_default_formats(report, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    files = write_report(report, tmp_path / "out")
    assert sorted(p.name for p in files) == sorted(
        [
            "slo-report-2026-W46.md",
            "slo-report-2026-W46.html",
            "slo-report-2026-W46.json",
            "slo-report-2026-W46.csv",
            "slo-report-2026-W46-daily.csv",
        ]
    )
    assert write_report(report, tmp_path / "j", ["json"])[0].suffix == ".json"
    with pytest.raises(InputError):
        write_report(report, tmp_path, ["docx"])
