"""The report's tables, built once from the model and printed by every human-facing renderer.

Example::

    for table in slo_tables(report.slos[0], report):
        print(table.title, table.columns)
"""

from __future__ import annotations

from datetime import timedelta

from qobserve.report.model import (
    STATUS_AT_RISK,
    STATUS_BREACHED,
    STATUS_MET,
    STATUS_NO_DATA,
    STATUS_UNAVAILABLE,
    Breakdown,
    Report,
    SLOResult,
    Table,
)
from qobserve.slo.model import duration_str

#: summary order: what needs attention first
STATUS_ORDER = (STATUS_BREACHED, STATUS_AT_RISK, STATUS_MET, STATUS_NO_DATA, STATUS_UNAVAILABLE)


def unit(r: SLOResult) -> str:
    return "time slices" if r.time_slices else "events"


def summary_table(report: Report) -> Table:
    """One row per SLO, worst status first: attainment vs objective, budget, burn, trend."""
    rows: list[list[object]] = []
    for r in sorted(report.slos, key=lambda r: STATUS_ORDER.index(r.status)):
        rows.append(
            [
                r.name,
                r.status,
                r.sli_measurement,
                r.objective,
                r.error_budget_burn_rate,
                r.budget_consumed,
                r.budget_remaining,
                r.trend,
                r.week.total,
            ]
        )
    return Table(
        "summary",
        "Summary",
        [
            "SLO",
            "status",
            "attainment",
            "objective",
            "burn rate",
            f"budget used {report.window.this}",
            "budget left (period)",
            "trend",
            "events",
        ],
        rows,
        formats=["text", "text", "pct", "pct", "rate", "pct", "pct", "points", "num"],
    )


def slo_tables(r: SLOResult, report: Report) -> list[Table]:
    """Counts by window, worst days, failure causes and breakdowns of one SLO."""
    if not r.available:
        return []
    counts = Table(
        "counts",
        "Good and bad " + unit(r),
        ["window", "good", "bad", "total", "attainment", "burn rate"],
        [
            [
                f"week {report.window.label}",
                r.week.good,
                r.week.bad,
                r.week.total,
                r.week.sli,
                r.error_budget_burn_rate,
            ],
            [
                f"previous {report.previous.label}",
                r.previous.good,
                r.previous.bad,
                r.previous.total,
                r.previous.sli,
                r.previous_burn_rate,
            ],
            [
                f"SLO period ({_period_label(r, report)}) to {report.window.end_name}",
                r.period_counts.good,
                r.period_counts.bad,
                r.period_counts.total,
                r.period_counts.sli,
                None,
            ],
        ],
        formats=["text", "num", "num", "num", "pct", "rate"],
    )
    out = [counts]
    worst = r.worst_days()
    if worst:
        out.append(
            Table(
                "worst_days",
                "Worst days",
                ["day", "bad", "total", "attainment"],
                [[d.date, d.counts.bad, d.counts.total, d.counts.sli] for d in worst],
                formats=["text", "num", "num", "pct"],
            )
        )
    # a slow or duplicate job that succeeded is bad without a failure cause: "none" is no cause
    causes = [(n, c) for n, c in r.error_types if n != "none"]
    if causes:
        bad = sum(c for _, c in r.error_types)
        out.append(
            Table(
                "error_types",
                "Top failure causes",
                ["error type", "bad", "share of bad"],
                [[n, c, c / bad] for n, c in causes[:5]],
                formats=["text", "num", "pct"],
            )
        )
    for key, title, rows in (
        ("backends", "Per backend", r.backends),
        ("experiments", "Per experiment", r.experiments),
    ):
        if rows:
            out.append(_breakdown(key, title, rows))
    return out


def _period_label(r: SLOResult, report: Report) -> str:
    """``28d``, or ``28d, data for 20.0 d`` when only part of the period has data."""
    share = r.period_coverage(report.window.end)
    if share is None or share >= 0.99:
        return duration_str(r.period)
    return f"{duration_str(r.period)}, data for {share * r.period / timedelta(days=1):.1f} d"


def _breakdown(key: str, title: str, rows: list[Breakdown]) -> Table:
    return Table(
        key,
        title,
        [key[:-1], "good", "bad", "total", "attainment"],
        [[b.name, b.counts.good, b.counts.bad, b.counts.total, b.counts.sli] for b in rows],
        formats=["text", "num", "num", "num", "pct"],
    )
