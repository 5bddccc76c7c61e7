"""The report as one self-contained HTML file: inline CSS and SVG charts, nothing fetched.

Reads on screen (cards, colour-coded status) and on paper (print stylesheet: black on white,
no page break inside a table or chart, each SLO starting on a fresh page when long).

Example::

    Path("reports/slo-report-2026-W47.html").write_text(render_html(report))
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from qobserve.report.charts import Fmt, bar_chart, line_chart
from qobserve.report.fmt import format_cell, pct, points, rate, seconds, usd
from qobserve.report.model import DailyOps, DayPoint, Report, SLOResult, Table
from qobserve.report.sections import slo_tables, summary_table, unit
from qobserve.slo.model import duration_str

CSS = """
:root { --ok: #1a7f37; --warn: #b35900; --bad: #c62828; --muted: #667085; --line: #d0d5dd;
        --s0: #2458c6; --s1: #d9480f; --s2: #2f9e44; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #101828;
       max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; } h2 { margin-top: 36px; border-bottom: 1px solid
  var(--line); padding-bottom: 4px; } h3 { font-size: 16px; margin: 20px 0 6px; }
.meta, .note { color: var(--muted); } .note { font-style: italic; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: 14px; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: left; }
th { background: #f2f4f7; font-weight: 600; }
th.num, td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.status { font-weight: 600; white-space: nowrap; }
.status-met { color: var(--ok); } .status-at-risk { color: var(--warn); }
.status-breached { color: var(--bad); }
.status-no-data, .status-unavailable { color: var(--muted); }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; min-width: 150px; }
.card b { display: block; font-size: 22px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
svg.chart { width: 100%; height: auto; font-size: 12px; }
.chart-title { font-weight: 600; font-size: 13px; } .tick { fill: var(--muted); font-size: 11px; }
.grid { stroke: var(--line); stroke-width: 1; }
.threshold { stroke: var(--bad); stroke-dasharray: 5 4; stroke-width: 1.5; }
.line { fill: none; stroke-width: 2.5; }
.series-0 { fill: var(--s0); } .line.series-0 { stroke: var(--s0); fill: none; }
.series-1 { fill: var(--s1); } .line.series-1 { stroke: var(--s1); fill: none; }
.series-2 { fill: var(--s2); } .line.series-2 { stroke: var(--s2); fill: none; }
.bar { opacity: .85; }
section.slo { break-before: auto; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; color: #000; }
  h2 { break-after: avoid; } table, svg.chart, .card { break-inside: avoid; }
  section.slo { break-before: page; }
  th { background: #eee !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .charts { display: block; } svg.chart { max-height: 7cm; margin-bottom: 8pt; }
  a { color: #000; text-decoration: none; }
}
"""


def _status(s: str) -> str:
    return f'<span class="status status-{s.replace(" ", "-")}">{escape(s)}</span>'


def _num_class(fmt: str) -> str:
    return ' class="num"' if fmt not in ("", "text") else ""


def table_html(t: Table) -> str:
    """A table (numbers right-aligned, status coloured); its note underneath."""
    if not t.columns:
        return f'<p class="note">{escape(t.note)}</p>' if t.note else ""
    formats = t.formats or [""] * len(t.columns)
    head = "".join(
        f"<th{_num_class(f)}>{escape(c)}</th>" for c, f in zip(t.columns, formats, strict=True)
    )
    rows = []
    for row in t.rows:
        cells = []
        for v, f, c in zip(row, formats, t.columns, strict=True):
            if c == "status":
                cells.append(f"<td>{_status(str(v))}</td>")
            elif t.key == "summary" and c == "SLO":
                name = escape(str(v))
                cells.append(f'<td><a href="#slo-{name}">{name}</a></td>')
            else:
                cells.append(f"<td{_num_class(f)}>{escape(format_cell(v, f))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    note = f'<p class="note">{escape(t.note)}</p>' if t.note else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{note}"


def _overview_charts(report: Report) -> str:
    daily = report.operations.daily
    if not daily:
        return ""
    labels = [d.date.strftime("%a %d") for d in daily]
    charts = [
        line_chart(
            "Daily job success",
            labels,
            {"success": [d.success_ratio for d in daily]},
            y_format=lambda v: pct(v, 0),
        ),
        bar_chart("Jobs per day", labels, [d.jobs for d in daily], y_format=lambda v: f"{v:g}"),
        *_latency_charts(labels, daily),
        bar_chart("Cost per day (USD)", labels, [d.cost_usd for d in daily], y_format=usd),
    ]
    cost = report.operations.table("cost")
    if cost and cost.rows:
        per_exp = [r for r in cost.rows if r[0] != "all"][:10]
        charts.append(
            bar_chart(
                "Cost per experiment (USD)",
                [str(r[0]) for r in per_exp],
                [r[4] for r in per_exp],  # type: ignore[misc]
                y_format=usd,
            )
        )
    return '<div class="charts">' + "".join(charts) + "</div>"


def _latency_charts(labels: list[str], daily: list[DailyOps]) -> list[str]:
    """One latency chart per backend type: a QPU's hours and a simulator's milliseconds on
    one axis hide both (and a p50 of all jobs says neither)."""
    types = sorted({t for d in daily for t in d.latency_by_type})
    if not types:
        both: dict[str, Sequence[float | None]] = {
            "p50": [d.duration_p50 for d in daily],
            "p95": [d.duration_p95 for d in daily],
        }
        return [line_chart("Daily job latency", labels, both, y_format=seconds, log=True)]
    return [
        line_chart(
            f"Daily job latency: {t}",
            labels,
            {
                "p50": [d.latency_by_type.get(t, (None, None))[0] for d in daily],
                "p95": [d.latency_by_type.get(t, (None, None))[1] for d in daily],
            },
            y_format=seconds,
            log=True,
        )
        for t in types
    ]


def _burn_down(r: SLOResult, report: Report) -> str:
    if not r.burn_down:
        return ""
    labels = [report.window.local(p.at).strftime("%a %d") for p in r.burn_down]
    return line_chart(
        f"{r.name}: error budget left for the {duration_str(r.period)} period",
        labels,
        {"budget left": [p.remaining for p in r.burn_down]},
        y_format=lambda v: pct(v, 0),
        thresholds={"budget exhausted": 0.0},
    )


def daily_sli_chart(title: str, days: Sequence[DayPoint], objective: float, y_format: Fmt) -> str:
    """Daily attainment against the objective, the axis zoomed on both: a 96-99 % week under
    a 99 % objective must not look like a flat line at the top of a 0-100 % axis."""
    return line_chart(
        title,
        [d.date.strftime("%a %d") for d in days],
        {"attainment": [d.counts.sli for d in days]},
        y_format=y_format,
        thresholds={"objective": objective},
        zero=False,
        ceiling=1.0,
    )


def _daily_sli(r: SLOResult) -> str:
    if not r.daily:
        return ""
    return daily_sli_chart(f"{r.name}: daily attainment", r.daily, r.objective, lambda v: pct(v, 1))


def _slo_section(r: SLOResult, report: Report) -> str:
    parts = [
        f'<section class="slo" id="slo-{escape(r.name)}"><h2>{escape(r.name)}</h2>',
        f"<p>{_status(r.status)} · objective {pct(r.objective)} of {unit(r)} over "
        f"{duration_str(r.period)} · {escape(r.kind)}</p>",
    ]
    if r.description:
        parts.append(f"<p>{escape(r.description)}</p>")
    if not r.available:
        parts.append(f'<p class="note">{escape(r.note)}</p></section>')
        return "".join(parts)
    parts.append(
        '<div class="cards">'
        + "".join(
            f'<div class="card"><span class="meta">{escape(k)}</span><b>{escape(v)}</b></div>'
            for k, v in (
                ("attainment", pct(r.sli_measurement)),
                ("burn rate", rate(r.error_budget_burn_rate)),
                (f"budget used {report.window.this}", pct(r.budget_consumed, 1)),
                ("budget left", pct(r.budget_remaining, 1)),
                ("trend", points(r.trend)),
            )
        )
        + "</div>"
    )
    parts.append('<div class="charts">' + _burn_down(r, report) + _daily_sli(r) + "</div>")
    for t in slo_tables(r, report):
        parts.append(f"<h3>{escape(t.title)}</h3>{table_html(t)}")
    parts.append("</section>")
    return "".join(parts)


def render_html(report: Report) -> str:
    """The whole report as a standalone HTML document."""
    w = report.window
    start, end = w.local(w.start), w.local(w.end)
    notes = "".join(f"<li>{escape(n)}</li>" for n in report.notes)
    body = [
        f"<h1>SLO report {escape(w.label)}</h1>",
        f'<p class="meta">{start:%a %d %b %Y %H:%M} to {end:%a %d %b %Y %H:%M} '
        f"({escape(w.tz.key)}, {w.length}) · source: {escape(report.source)} · generated "
        f"{report.generated_at:%Y-%m-%d %H:%M UTC}</p>",
        "<h2>Summary</h2>",
        table_html(summary_table(report)),
        f"<h3>Notes</h3><ul>{notes}</ul>" if notes else "",
        _overview_charts(report),
        *(_slo_section(r, report) for r in report.slos),
        '<section class="slo"><h2>Operations</h2>',
        *(f"<h3>{escape(t.title)}</h3>{table_html(t)}" for t in report.operations.tables),
        "</section>",
    ]
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>SLO report {escape(w.label)}</title><style>{CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )
