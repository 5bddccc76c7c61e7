"""The report's tables and wording, on the hand-worked events of test_sli."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from qobserve.report.period import Window
from qobserve.report.render_html import render_html
from qobserve.report.render_markdown import render_markdown
from qobserve.report.sections import slo_tables, summary_table

from .helpers import job, latency_slo, success_slo
from .test_sli import JOBS, build


def tables(report, r):  # type: ignore[no-untyped-def]
    return {t.key: t for t in slo_tables(r, report)}


def test_failure_causes_leave_out_bad_events_that_did_not_fail() -> None:
    report = build([latency_slo(objective=0.75, threshold=15)])
    r = report.slos[0]
    # W46 jobs slower than 15 s: 2 (700, timeout), 3 (600, none), 4 (1000, internal),
    # 7 (60, none), 8 (30, cancelled), 9 (20, none): 6 bad, 3 of them failed jobs
    assert r.week.bad == 6
    causes = tables(report, r)["error_types"]
    assert [row[0] for row in causes.rows] == ["cancelled", "internal", "timeout"]
    assert [row[1] for row in causes.rows] == [1, 1, 1]
    assert [row[2] for row in causes.rows] == pytest.approx([1 / 6] * 3)


def test_no_failure_causes_when_no_bad_event_failed() -> None:
    # only the successful jobs, threshold 65 s: the one bad event is job 3 (600 s)
    ok = [j for j in JOBS if j["outcome"] == "success"]
    report = build([latency_slo(objective=0.75, threshold=65)], rows=ok)
    r = report.slos[0]
    assert r.week.bad == 1  # job 3, 600 s, error_type none
    assert "error_types" not in tables(report, r)


RANGE = Window.between("2026-11-09T00:00", "2026-11-10T17:56")


def test_a_custom_range_is_not_called_a_week() -> None:
    report = build([success_slo(selectors={"backend_type": "qpu|emulator"})], window=RANGE)
    md = render_markdown(report)
    html = render_html(report)
    for text in (md, html):
        assert "this week" not in text and "week end" not in text
    assert "budget used in the range" in summary_table(report).columns
    counts = tables(report, report.slos[0])["counts"]
    assert str(counts.rows[2][0]).startswith("SLO period (14d")
    assert str(counts.rows[2][0]).endswith(") to the range's end")
    # 9 Nov 00:00 to 10 Nov 17:56 is 41 h 56 min, not "41.9333 h"
    assert "41 h 56 min" in md and "41.9333" not in md
    assert "41 h 56 min" in html


def test_a_window_ending_after_the_report_was_generated_says_so() -> None:
    rows = [*JOBS, job(finished_at="2026-11-10T17:00:00Z", outcome="success")]
    report = build([success_slo()], rows=rows, window=RANGE)
    assert report.generated_at == datetime(2026, 11, 21, tzinfo=UTC)
    assert not [n for n in report.notes if "after this report was generated" in n]
    from qobserve.report.build import report_from_events
    from qobserve.report.events import normalise

    from .helpers import events_table

    events = normalise(events_table(rows), path="jobs.parquet")
    early = report_from_events(
        events, [success_slo()], RANGE, now=datetime(2026, 11, 10, 17, 55, tzinfo=UTC)
    )
    assert (
        "The range ends at 2026-11-10 17:56, after this report was generated "
        "(2026-11-10 17:55): its last minute has no data yet." in early.notes
    )


def test_numeric_headers_align_with_their_numbers() -> None:
    report = build([success_slo(selectors={"backend_type": "qpu|emulator"})])
    html = render_html(report)
    summary = html[html.index("<h2>Summary</h2>") :]
    head = summary[summary.index("<thead>") : summary.index("</thead>")]
    # SLO and status are text; attainment .. events are numbers, right-aligned like their cells
    assert head.count('<th class="num">') == 7
    assert head.startswith("<thead><tr><th>SLO</th><th>status</th>")
    assert "th.num, td.num { text-align: right; white-space: nowrap;" in html


def test_summary_rows_link_to_their_slo_sections() -> None:
    report = build([success_slo(selectors={"backend_type": "qpu|emulator"}), latency_slo()])
    html = render_html(report)
    for name in ("qpu-success", "latency"):
        assert f'<td><a href="#slo-{name}">{name}</a></td>' in html
        assert f'<section class="slo" id="slo-{name}">' in html
