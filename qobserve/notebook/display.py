"""Rich display of qobserve objects in Jupyter: the ``_repr_html_`` / ``_repr_markdown_``
bodies of the report, an SLO result, a run and :func:`qobserve.testing.capture`.

The report shows as its own standalone HTML inside an ``iframe``, so its stylesheet cannot
restyle the notebook; the smaller objects are plain tables that take the notebook's style.

Example::

    from qobserve.notebook.display import table_html
    table_html([["bell", 3]], ["experiment", "jobs"])
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qobserve.context import RunContext
    from qobserve.report.model import Report, SLOResult
    from qobserve.testing import Capture

_SUMMARY = (["backend", "outcome", "jobs", "cost"], ["text", "text", "num", "usd"])
#: iframe height before its content has loaded and resized it
_FRAME_HEIGHT = 720


def table_html(
    rows: Sequence[Sequence[object]], columns: Sequence[str], formats: Sequence[str] = ()
) -> str:
    """A plain HTML table: cells printed by their column's format (``usd``, ``s``, ``pct``:
    see :func:`~qobserve.report.fmt.format_cell`), numbers right-aligned, text escaped."""
    from qobserve.report.fmt import format_cell

    kinds = list(formats) or [""] * len(columns)
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td style="text-align:{_align(v)}">{escape(format_cell(v, k))}</td>'
            for v, k in zip(row, kinds, strict=True)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _align(value: object) -> str:
    return "right" if isinstance(value, int | float) and not isinstance(value, bool) else "left"


def report_html(report: Report) -> str:
    """The report's HTML document in a self-sizing ``iframe``."""
    from qobserve.report.render_html import render_html

    doc = escape(render_html(report), quote=True)
    grow = "this.style.height=(this.contentDocument.documentElement.scrollHeight+16)+'px'"
    return (
        f'<iframe class="qobserve-report" title="SLO report {escape(report.window.label)}" '
        f'srcdoc="{doc}" onload="{grow}" '
        f'style="width:100%;height:{_FRAME_HEIGHT}px;border:1px solid #d0d5dd"></iframe>'
    )


def report_markdown(report: Report) -> str:
    from qobserve.report.render_markdown import render_markdown

    return render_markdown(report)


def _slo_rows(r: SLOResult) -> tuple[str, list[list[object]], list[str]]:
    from qobserve.report.fmt import pct, points, rate
    from qobserve.report.sections import unit
    from qobserve.slo.model import duration_str

    head = (
        f"{r.name}: {r.status} · objective {pct(r.objective)} of {unit(r)} over "
        f"{duration_str(r.period)} · {r.kind}"
    )
    figures = [
        ("attainment", pct(r.sli_measurement)),
        ("burn rate", rate(r.error_budget_burn_rate)),
        ("good", r.week.good),
        ("bad", r.week.bad),
        ("budget left (period)", pct(r.budget_remaining, 1)),
        ("trend", points(r.trend)),
    ]
    return head, [[v for _, v in figures]], [k for k, _ in figures]


def slo_html(r: SLOResult) -> str:
    """Status line, the week's figures and, when known, the daily attainment."""
    from qobserve.report.fmt import pct

    head, rows, columns = _slo_rows(r)
    parts = [f"<p><b>{escape(head)}</b></p>"]
    if not r.available:
        return parts[0] + f"<p><i>{escape(r.note)}</i></p>"
    parts.append(table_html(rows, columns))
    if r.daily:
        daily = [[d.date, d.counts.good, d.counts.bad, pct(d.counts.sli)] for d in r.daily]
        parts.append(table_html(daily, ["day", "good", "bad", "attainment"]))
    return "".join(parts)


def slo_markdown(r: SLOResult) -> str:
    from qobserve.report.fmt import cell

    head, rows, columns = _slo_rows(r)
    if not r.available:
        return f"**{head}**\n\n_{r.note}_\n"
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return f"**{head}**\n\n" + "\n".join(lines) + "\n"


def _summary(jobs: Sequence[dict[str, Any]]) -> list[list[object]]:
    """Jobs per (backend, outcome), with their total cost."""
    count: Counter[tuple[str, str]] = Counter()
    cost: dict[tuple[str, str], float] = {}
    for j in jobs:
        key = (j["backend"] or "—", j["outcome"] or "—")
        count[key] += 1
        cost[key] = cost.get(key, 0.0) + (j["cost_usd"] or 0.0)
    return [[b, o, n, cost[(b, o)]] for (b, o), n in sorted(count.items())]


def run_html(run: RunContext) -> str:
    """The run's name and id, and its jobs recorded so far (when a store is configured)."""
    from qobserve.telemetry import get_telemetry

    head = f"<b>experiment {escape(run.experiment)}</b> · run <code>{escape(run.run_id)}</code>"
    parts = [f"<p>{head}</p>"]
    store = get_telemetry().store
    if store is None:
        return parts[0]
    store.flush(10.0)
    rows = store.query(
        "SELECT backend, outcome, cost_usd FROM job_events WHERE run_id = ?", (run.run_id,)
    )
    jobs = [{"backend": b, "outcome": o, "cost_usd": c} for b, o, c in rows]
    if not jobs:
        return parts[0] + "<p><i>no jobs recorded for this run yet</i></p>"
    parts.append(table_html(_summary(jobs), *_SUMMARY))
    return "".join(parts)


def capture_html(cap: Capture) -> str:
    """What a capture block recorded: runs, jobs by backend and outcome, spans."""
    runs = cap.experiment_runs()
    jobs = cap.job_events()
    spans = cap.spans()
    parts = [
        f"<p><b>qobserve capture</b>: {len(runs)} experiment runs, {len(jobs)} jobs, "
        f"{len(spans)} spans</p>"
    ]
    if runs:
        parts.append(
            table_html(
                [
                    [r["experiment"], r["outcome"], r["error_type"], r["duration_seconds"]]
                    for r in runs
                ],
                ["experiment", "outcome", "error type", "seconds"],
            )
        )
    if jobs:
        parts.append(table_html(_summary(jobs), *_SUMMARY))
    if spans:
        names = Counter(s.name for s in spans)
        parts.append(table_html(sorted(names.items()), ["span", "count"]))
    return "".join(parts)
