"""The on-call dashboard: what is burning, what is firing, and the state of every backend.

Example::

    board = build(slos)      # a grafanalib Dashboard, uid "qobserve-oncall"
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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
    stat,
    steps,
    table,
    text,
    timeseries,
    value_map,
)
from qobserve.dashboards.queries import q
from qobserve.dashboards.slo_rows import (
    BURN_UNIT,
    budget_steps,
    burn_steps,
    oncall_row,
)
from qobserve.rules.alerts import runbook_url
from qobserve.slo.model import BUDGET_REMAINING_RECORD, CURRENT_BURN_RECORD, SLO

_UP_DOWN = value_map(("1", "UP", "green"), ("0", "DOWN", "red"))


def catalog_param(slos: Sequence[SLO], kind: str, key: str) -> float | None:
    """The tightest numeric SLI parameter ``key`` (``threshold_seconds``,
    ``max_age_seconds``) among the catalog's SLOs of ``kind``, if any."""
    values = [float(v) for s in slos if s.sli.kind == kind
              for v in [s.sli.params.get(key)] if isinstance(v, int | float)]  # fmt: skip
    return min(values) if values else None


def _common_burn_steps(slos: Sequence[SLO]) -> list[Any]:
    """Burn thresholds shared by every SLO (same period, so same factors), else none."""
    unique = {repr(burn_steps(s)) for s in slos}
    return burn_steps(slos[0]) if len(unique) == 1 else []


def _alerts(slos: Sequence[SLO]) -> Section:
    def firing(severity: str) -> str:
        alerts = f'ALERTS{{alertstate="firing",severity="{severity}",{X.SLO_VARIABLE}}}'
        return X.or_zero(f"count({alerts})")

    down = X.or_zero(f"count({X.sel(C.BACKEND_UP)} == 0)")
    failing = X.or_zero(f"count({X.sel(C.COLLECTOR_UP)} == 0)")
    failed = X.rate(C.JOBS_TOTAL, 'outcome!="success"', fn="increase", window=X.RANGE)
    legend = X.catalog_legend(slos)
    by_slo = f"{{{X.SLO_VARIABLE}}}"
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
        table("Firing and pending alerts", [q(f"sort_desc(ALERTS{by_slo})", table=True)],
              w=24, h=6,
              transformations=[organize({"alertname": "Alert", "alertstate": "State"},
                                        hide=("Time", "Value", "__name__"))],
              description="Prometheus' ALERTS series: SLO burn-rate and operational alerts "
                          "that are pending or firing now."),
        timeseries("Current burn rate by SLO", [q(CURRENT_BURN_RECORD + by_slo, legend)],
                   unit=BURN_UNIT, w=16, thresholds=_common_burn_steps(slos),
                   threshold_style="line", legend_table=True,
                   description="Error ratio over the last 5 minutes in units of each SLO's "
                               "error budget; lines at the alert factors."),
        stat("Error budget remaining by SLO",
             [q(BUDGET_REMAINING_RECORD + by_slo, legend, instant=True)], unit="percentunit",
             decimals=1, w=8, h=8, thresholds=budget_steps(), color_mode="background"),
    ]  # fmt: skip


def _backends(slos: Sequence[SLO]) -> Section:
    freshness = catalog_param(slos, "freshness", "max_age_seconds") or 86400.0
    queue_limit = catalog_param(slos, "queue_wait", "threshold_seconds")
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
        url = runbook_url(s)
        book = f"[{url}]({url})" if "://" in url else f"`{url}`"
        lines.append(f"| {s.name} | {s.objective * 100:g}% over {s.period_str} | {book} |")
    return "Runbooks", [text("SLO runbooks", "\n".join(lines), h=3 + len(slos))]


def build(slos: Sequence[SLO]) -> G.Dashboard:
    """The on-call dashboard for the SLO catalog ``slos``."""
    uid, title, _ = DASHBOARDS["oncall"]
    sections = [
        _alerts(slos),
        _backends(slos),
        *(oncall_row(s) for s in slos),
        _collectors(),
        _runbooks(slos),
    ]
    return dashboard(
        uid=uid, title=title, tags=["qobserve", "quantum", "slo", "on-call"],
        time_from="now-6h", refresh="1m", sections=sections, links=nav_links("oncall"),
        description="Burn rates against the page and ticket thresholds, firing alerts, "
                    "backend and exporter health.",
        variables=filter_variables(slo=True),
    )  # fmt: skip
