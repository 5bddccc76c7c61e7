"""The report as Markdown (GitHub-flavoured tables) for chat and wikis.

Example::

    Path("reports/slo-report-2026-W47.md").write_text(render_markdown(report))
"""

from __future__ import annotations

from qobserve.report.fmt import DASH, format_cell
from qobserve.report.model import Report, Table
from qobserve.report.sections import slo_tables, summary_table, unit

_STATUS = {
    "met": "✅ met",
    "at risk": "⚠️ at risk",
    "breached": "❌ breached",
    "no data": "… no data",
    "unavailable": f"{DASH} unavailable",
}


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table_md(t: Table) -> str:
    """A GitHub-flavoured table; its note (if any) below it in italics."""
    if not t.columns:
        return f"_{_escape(t.note)}_\n" if t.note else ""
    formats = t.formats or [""] * len(t.columns)
    lines = [
        "| " + " | ".join(_escape(c) for c in t.columns) + " |",
        "|" + "|".join("---" if f in ("", "text") else "--:" for f in formats) + "|",
    ]
    for row in t.rows:
        cells = [
            _STATUS.get(str(v), str(v)) if c == "status" else format_cell(v, f)
            for v, f, c in zip(row, formats, t.columns, strict=True)
        ]
        lines.append("| " + " | ".join(_escape(c) for c in cells) + " |")
    if not t.rows:
        lines.append("| " + " | ".join([DASH] * len(t.columns)) + " |")
    if t.note:
        lines.append(f"\n_{_escape(t.note)}_")
    return "\n".join(lines) + "\n"


def render_markdown(report: Report) -> str:
    """The whole report: summary first, then each SLO, then operations."""
    w = report.window
    start, end = w.local(w.start), w.local(w.end)
    out = [
        f"# SLO report {w.label}",
        "",
        f"{start:%a %d %b %Y %H:%M} to {end:%a %d %b %Y %H:%M} ({w.tz.key}, "
        f"{w.length}) · source: {report.source} · generated "
        f"{report.generated_at:%Y-%m-%d %H:%M UTC}",
        "",
        "## Summary",
        "",
        table_md(summary_table(report)),
    ]
    if report.notes:
        out += ["**Notes**", "", *(f"- {n}" for n in report.notes), ""]
    for r in report.slos:
        out += [f"## {r.name}", ""]
        head = (
            f"{_STATUS[r.status]} · objective {format_cell(r.objective, 'pct')} of "
            f"{unit(r)} · {r.kind}"
        )
        out += [head, ""]
        if r.description:
            out += [r.description, ""]
        if not r.available:
            out += [f"_{r.note}_", ""]
            continue
        for t in slo_tables(r, report):
            out += [f"### {t.title}", "", table_md(t)]
    out += ["## Operations", ""]
    for t in report.operations.tables:
        out += [f"### {t.title}", "", table_md(t)]
    return "\n".join(out).rstrip() + "\n"
