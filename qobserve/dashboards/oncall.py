"""The on-call dashboard: what is burning, what is firing, and the state of every backend.

Example::

    board = build(slos)      # a grafanalib Dashboard, uid "qobserve-oncall"
"""

from __future__ import annotations

from collections.abc import Sequence

import grafanalib.core as G

from qobserve import contract as C
from qobserve.dashboards import exprs as X
from qobserve.dashboards.panels import (
    DASHBOARDS,
    Section,
    dashboard,
    filter_variables,
    nav_links,
    organize,
    q,
    stat,
    steps,
    table,
    text,
    timeseries,
    value_map,
)
from qobserve.dashboards.slo_rows import oncall_row
from qobserve.slo.model import SLO

_UP_DOWN = value_map(("1", "UP", "green"), ("0", "DOWN", "red"))


def threshold_seconds(slos: Sequence[SLO], kind: str) -> float | None:
    """The tightest ``threshold_seconds`` among the catalog's SLOs of ``kind``, if any."""
    values = [
        float(v)
        for s in slos
        if s.sli.kind == kind
        for v in [s.sli.params.get("threshold_seconds")]
        if isinstance(v, int | float)
    ]
    return min(values) if values else None


def _alerts() -> Section:
    def firing(severity: str) -> str:
        return X.or_zero(f'count(ALERTS{{alertstate="firing",severity="{severity}"}})')

    down = X.or_zero(f"count({X.sel(C.BACKEND_UP)} == 0)")
    failing = X.or_zero(f"count({X.sel(C.COLLECTOR_UP)} == 0)")
    failed = X.rate(C.JOBS_TOTAL, 'outcome!="success"', fn="increase", window=X.RANGE)
    return None, [
        stat("Page alerts firing", [q(firing("page"), instant=True)], unit="none",
             thresholds=steps("green", (1, "red")), color_mode="background"),
        stat("Ticket alerts firing", [q(firing("ticket"), instant=True)], unit="none",
             thresholds=steps("green", (1, "orange")), color_mode="background"),
        stat("Backends down", [q(down, instant=True)], unit="none",
             thresholds=steps("green", (1, "red")), color_mode="background"),
        stat("Collectors failing", [q(failing, instant=True)], unit="none",
             thresholds=steps("green", (1, "orange")), color_mode="background",
             description="Exporter collectors whose last poll failed."),
        stat("Jobs in flight", [q(X.or_zero(f"sum({X.sel(C.JOBS_IN_FLIGHT)})"), instant=True)],
             unit="none"),
        stat("Failed jobs", [q(X.or_zero(failed), instant=True)], unit="none",
             thresholds=steps("green", (1, "orange")),
             description="Jobs that did not succeed in the time range."),
        table("Firing and pending alerts", [q("sort_desc(ALERTS)", table=True)], w=24, h=6,
              transformations=[organize({"alertname": "Alert", "alertstate": "State"},
                                        hide=("Time", "Value", "__name__"))],
              description="Prometheus' ALERTS series: SLO burn-rate and operational alerts "
                          "that are pending or firing now."),
    ]  # fmt: skip


def _backends(slos: Sequence[SLO]) -> Section:
    freshness = threshold_seconds(slos, "freshness") or 86400.0
    queue_limit = threshold_seconds(slos, "queue_wait")
    age = f"time() - {X.sel(C.BACKEND_CALIBRATION_TIMESTAMP)}"
    failures = X.rate(C.JOBS_TOTAL, 'outcome!="success"', by=("error_type",), fn="increase")
    return "Backends and queues", [
        stat("Backend status", [q(X.sel(C.BACKEND_UP), "{{backend}}", instant=True)],
             unit="none", w=12, mappings=[_UP_DOWN], color_mode="background",
             thresholds=steps("red", (1, "green"))),
        stat("Calibration age", [q(age, "{{backend}}", instant=True)], unit="s", w=12,
             thresholds=steps("green", (freshness, "red")),
             description=f"Red when older than {freshness / 3600:g} h, the freshness SLO's "
                         "threshold."),
        timeseries("Provider queue depth",
                   [q(f"max by (backend) ({X.sel(C.BACKEND_PENDING_JOBS)})", "{{backend}}")],
                   unit="short", w=8),
        timeseries("Queue wait p95",
                   [q(X.quantile(0.95, C.JOB_QUEUE, by=("backend",)), "{{backend}}")],
                   unit="s", w=8, threshold_style="line" if queue_limit else "off",
                   thresholds=steps("green", (queue_limit, "red")) if queue_limit else (),
                   description="Time jobs waited before execution; the line is the queue-wait "
                               "SLO's threshold."),
        timeseries("Jobs in flight",
                   [q(f"sum by (backend) ({X.sel(C.JOBS_IN_FLIGHT)})", "{{backend}}")],
                   unit="short", w=8),
        timeseries("Recent failures by error type", [q(failures, "{{error_type}}")],
                   unit="short", w=12, bars=True, stacked=True),
        timeseries("Jobs by outcome",
                   [q(X.rate(C.JOBS_TOTAL, by=("outcome",)), "{{outcome}}")], unit="ops",
                   w=12, stacked=True),
    ]  # fmt: skip


def _collectors() -> Section:
    by = "{{collector}} {{backend}}"
    return "Exporter and collectors", [
        stat("Collector status", [q(X.sel(C.COLLECTOR_UP), by, instant=True)], unit="none",
             w=6, h=8, mappings=[_UP_DOWN], color_mode="background",
             thresholds=steps("red", (1, "green"))),
        timeseries("Time since last successful poll",
                   [q(f"time() - {X.sel(C.COLLECTOR_LAST_SUCCESS)}", by)], unit="s", w=6),
        timeseries("Collector errors",
                   [q(X.rate(C.COLLECTOR_ERRORS_TOTAL, by=("collector",), fn="increase"),
                      "{{collector}}")], unit="short", w=6, bars=True),
        timeseries("Poll duration", [q(X.sel(C.COLLECTOR_DURATION), by)], unit="s", w=6),
    ]  # fmt: skip


def _runbooks(slos: Sequence[SLO]) -> Section:
    lines = ["| SLO | objective | runbook |", "|---|---|---|"]
    for s in slos:
        book = f"[runbook]({s.runbook_url})" if s.runbook_url else "none"
        lines.append(f"| {s.name} | {s.objective * 100:g}% over {s.period_str} | {book} |")
    return "Runbooks", [text("SLO runbooks", "\n".join(lines), h=3 + len(slos))]


def build(slos: Sequence[SLO]) -> G.Dashboard:
    """The on-call dashboard for the SLO catalog ``slos``."""
    uid, title, _ = DASHBOARDS["oncall"]
    sections = [
        _alerts(),
        *(oncall_row(s) for s in slos),
        _backends(slos),
        _collectors(),
        _runbooks(slos),
    ]
    return dashboard(
        uid=uid, title=title, tags=["qobserve", "quantum", "slo", "on-call"],
        time_from="now-6h", refresh="1m", sections=sections, links=nav_links("oncall"),
        description="Burn rates against the page and ticket thresholds, firing alerts, "
                    "backend and exporter health.",
        variables=filter_variables(),
    )  # fmt: skip
