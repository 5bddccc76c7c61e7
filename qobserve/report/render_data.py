"""The report for machines: JSON (everything) and CSV (one row per SLO, one per SLO and day).

Field names follow google/slo-generator's report where the meaning is the same:
``window`` (seconds), ``goal``, ``sli_measurement``, ``events_count``,
``good_events_count``, ``bad_events_count``, ``gap``, ``error_budget_target``,
``error_budget_measurement``, ``error_budget_burn_rate``, ``error_budget_minutes``,
``error_minutes``, ``error_budget_remaining_minutes``, ``timestamp``, ``timestamp_human``.
The rest (``status``, ``error_budget_consumed_ratio``, ``period``, ``previous``, ...) are
qobserve's own. Missing values are ``null`` (JSON) or empty (CSV), never 0.

Example::

    doc = report_dict(report)
    doc["slos"][0]["sli_measurement"]
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from typing import Any

from qobserve.report.model import Counts, Report, SLOResult
from qobserve.report.period import Window

#: flat per-SLO fields, in CSV column order
CSV_FIELDS: tuple[str, ...] = (
    "name", "service", "sli_kind", "status", "goal", "window", "timestamp", "timestamp_human",
    "sli_measurement", "events_count", "good_events_count", "bad_events_count", "gap",
    "error_budget_target", "error_budget_measurement", "error_budget_burn_rate",
    "error_budget_minutes", "error_minutes", "error_budget_remaining_minutes",
    "error_budget_consumed_ratio", "error_budget_remaining_ratio", "period_sli_measurement",
    "period_events_count", "previous_sli_measurement", "previous_events_count", "trend",
)  # fmt: skip


def _n(x: float | None) -> float | int | None:
    """Counts that are whole numbers print as integers (Prometheus returns floats)."""
    if x is None:
        return None
    return int(x) if float(x).is_integer() else x


def _counts(c: Counts) -> dict[str, Any]:
    return {
        "sli_measurement": c.sli,
        "events_count": _n(c.total),
        "good_events_count": _n(c.good),
        "bad_events_count": _n(c.bad),
    }


def _window(w: Window) -> dict[str, Any]:
    return {
        "label": w.label,
        "start": w.start.isoformat(),
        "end": w.end.isoformat(),
        "start_local": w.local(w.start).isoformat(),
        "end_local": w.local(w.end).isoformat(),
        "timezone": w.tz.key,
        "seconds": int(w.seconds),
        "hours": w.hours,
    }


def slo_dict(r: SLOResult, report: Report) -> dict[str, Any]:
    """One SLO in slo-generator's vocabulary plus qobserve's breakdowns."""
    w = report.window
    minutes = w.seconds / 60
    sli = r.sli_measurement
    eb_minutes = minutes * r.error_budget_target
    error_minutes = None if sli is None else minutes * (1 - sli)
    d: dict[str, Any] = {
        "name": r.name,
        "service": r.service,
        "description": r.description,
        "sli_kind": r.kind,
        "unit": "time_slices" if r.time_slices else "events",
        "status": r.status,
        "available": r.available,
        "note": r.note,
        "goal": r.objective,
        "window": int(w.seconds),
        "timestamp": int(w.end.timestamp()),
        "timestamp_human": w.end.isoformat(),
        **_counts(r.week),
        "gap": r.gap,
        "error_budget_target": r.error_budget_target,
        "error_budget_measurement": None if sli is None else 1 - sli,
        "error_budget_burn_rate": r.error_budget_burn_rate,
        "error_budget_minutes": eb_minutes,
        "error_minutes": error_minutes,
        "error_budget_remaining_minutes": None
        if error_minutes is None
        else eb_minutes - error_minutes,
        "error_budget_consumed_ratio": r.budget_consumed,
        "error_budget_remaining_ratio": r.budget_remaining,
        "trend": r.trend,
        "period": {
            "window": int(r.period.total_seconds()),
            **_counts(r.period_counts),
            "data_coverage": r.period_coverage(report.window.end),
        },
        "previous": {
            "window": int(report.previous.seconds),
            **_counts(r.previous),
            "error_budget_burn_rate": r.previous_burn_rate,
        },
        "daily": [{"date": p.date.isoformat(), **_counts(p.counts)} for p in r.daily],
        "burn_down": [
            {"timestamp": p.at.isoformat(), "error_budget_remaining_ratio": p.remaining}
            for p in r.burn_down
        ],
        "error_types": [{"error_type": n, "bad_events_count": _n(c)} for n, c in r.error_types],
        "backends": [{"backend": b.name, **_counts(b.counts)} for b in r.backends],
        "experiments": [{"experiment": b.name, **_counts(b.counts)} for b in r.experiments],
    }
    return d


def report_dict(report: Report) -> dict[str, Any]:
    """The whole report as plain JSON-able data."""
    ops: dict[str, Any] = {
        t.key: {"title": t.title, "columns": t.columns, "rows": t.rows, "note": t.note}
        for t in report.operations.tables
    }
    ops["daily"] = [
        {
            "date": d.date.isoformat(),
            "jobs": _n(d.jobs),
            "success_ratio": d.success_ratio,
            "duration_p50_seconds": d.duration_p50,
            "duration_p95_seconds": d.duration_p95,
            "cost_usd": d.cost_usd,
            "duration_seconds_by_backend_type": {
                t: {"p50": p50, "p95": p95} for t, (p50, p95) in d.latency_by_type.items()
            },
        }
        for d in report.operations.daily
    ]
    return {
        "window": _window(report.window),
        "previous_window": _window(report.previous),
        "generated_at": report.generated_at.isoformat(),
        "source": report.source,
        "notes": report.notes,
        "slos": [slo_dict(r, report) for r in report.slos],
        "operations": ops,
    }


def _default(o: object) -> object:
    if isinstance(o, datetime | date):
        return o.isoformat()
    raise TypeError(type(o).__name__)


def render_json(report: Report) -> str:
    """Indented JSON, keys in a stable order."""
    return json.dumps(report_dict(report), indent=2, default=_default, allow_nan=False) + "\n"


def _flat(d: dict[str, Any]) -> dict[str, Any]:
    return {
        **{k: d.get(k) for k in CSV_FIELDS},
        "error_budget_remaining_ratio": d["error_budget_remaining_ratio"],
        "period_sli_measurement": d["period"]["sli_measurement"],
        "period_events_count": d["period"]["events_count"],
        "previous_sli_measurement": d["previous"]["sli_measurement"],
        "previous_events_count": d["previous"]["events_count"],
    }


def _csv(fields: list[str] | tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(fields), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def render_csv(report: Report) -> str:
    """One row per SLO with the flat fields of :data:`CSV_FIELDS`."""
    return _csv(CSV_FIELDS, [_flat(slo_dict(r, report)) for r in report.slos])


def render_daily_csv(report: Report) -> str:
    """One row per SLO and local day: ``name,date,good_events_count,...``."""
    fields = (
        "name",
        "date",
        "sli_measurement",
        "events_count",
        "good_events_count",
        "bad_events_count",
    )
    rows = [
        {"name": r.name, "date": p.date.isoformat(), **_counts(p.counts)}
        for r in report.slos
        for p in r.daily
    ]
    return _csv(fields, rows)
