"""The on-call dashboard: what is burning, what is firing and has fired, and the state of every
backend and of the exporter.

Example::

    board = build(slos)      # a grafanalib Dashboard, uid "qobserve-oncall"
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import grafanalib.core as G

from qobserve import contract as C
from qobserve.dashboards import exprs as X
from qobserve.dashboards.alerts import alert_history, alert_table
from qobserve.dashboards.panels import (
    DASHBOARDS,
    Section,
    dashboard,
    filter_variables,
    stat,
    steps,
    text,
    timeseries,
    value_map,
)
from qobserve.dashboards.queries import PromAnnotation, q
from qobserve.dashboards.slo_list import BURN_UNIT, burn_steps, slo_table
from qobserve.rules.alerts import runbook_url
from qobserve.slo.model import CURRENT_BURN_RECORD, SLO

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


def _now(slos: Sequence[SLO]) -> Section:
    def firing(severity: str) -> str:
        matcher = f'severity="{severity}"'
        return X.or_zero(f"count({X.alerts(X.FIRING, matcher)})")

    up = X.replicas("max", C.BACKEND_UP)
    collector_up = X.replicas("min", C.COLLECTOR_UP)
    down = X.or_zero(f"count({up} == 0)")
    failing = X.or_zero(f"count({collector_up} == 0)")
    failed = X.increase(C.JOBS_TOTAL, 'outcome!="success"')
    queued = f"sum({X.replicas('max', C.BACKEND_PENDING_JOBS)})"
    in_flight = f"sum({X.sel(C.JOBS_IN_FLIGHT)})"
    legend = X.catalog_legend(slos)
    return None, [
        stat("Page alerts firing", [q(firing("page"), instant=True)], unit="none", decimals=0,
             w=3, thresholds=steps("green", (1, "red")), color_mode="background",
             description="Does anything need a human now? SLO alerts of severity page."),
        stat("Ticket alerts firing", [q(firing("ticket"), instant=True)], unit="none",
             decimals=0, w=3, thresholds=steps("green", (1, "orange")), color_mode="background",
             description="What needs attention today? Alerts of severity ticket."),
        stat("Backends down", [q(down, instant=True)], unit="none", decimals=0, w=3,
             thresholds=steps("green", (1, "red")), color_mode="background",
             description="How many backends does the provider report as not operational?"),
        stat("Collectors failing", [q(failing, instant=True)], unit="none", decimals=0, w=3,
             thresholds=steps("green", (1, "orange")), color_mode="background",
             description="Is the exporter blind somewhere? Collectors whose last poll failed "
                         "(on any replica)."),
        stat("Jobs in flight", [q(X.or_zero(in_flight), instant=True)], unit="none",
             decimals=0, w=3, graph=True,
             description="How many jobs are submitted and not finished, right now?"),
        stat("Provider queue depth", [q(X.or_zero(queued), instant=True)], unit="none",
             decimals=0, w=3, graph=True,
             description="How many jobs wait in the providers' queues of the selected "
                         "backends, right now?"),
        stat("Failed jobs", [q(X.or_zero(failed), instant=True)], unit="none", decimals=0,
             w=6, thresholds=steps("green", (1, "orange")),
             description="How many jobs did not succeed in the time range?"),
        alert_table(h=7),
        alert_history(h=7),
        slo_table(slos, w=14),
        timeseries("Current burn rate by SLO", [q(X.slo_records(CURRENT_BURN_RECORD), legend)],
                   unit=BURN_UNIT, w=10, h=9, thresholds=_common_burn_steps(slos),
                   threshold_style="line", legend_table=True,
                   description="Which SLO burns fastest? Error ratio over the last 5 minutes in "
                               "units of each SLO's error budget; lines at the alert factors "
                               "when every SLO has the same period."),
    ]  # fmt: skip


def _backends(slos: Sequence[SLO]) -> Section:
    freshness = catalog_param(slos, "freshness", "max_age_seconds") or 86400.0
    queue_limit = catalog_param(slos, "queue_wait", "threshold_seconds")
    age = f"time() - {X.replicas('max', C.BACKEND_CALIBRATION_TIMESTAMP)}"
    failures = X.increase(C.JOBS_TOTAL, 'outcome!="success"', by=("error_type",),
                          window=X.STEP)  # fmt: skip
    return "Backends and queues", [
        stat("Backend status", [q(X.replicas("max", C.BACKEND_UP), "{{backend}}",
                                  instant=True)],
             unit="none", decimals=0, w=12, mappings=[_UP_DOWN], color_mode="background",
             thresholds=steps("red", (1, "green")),
             description="Which backends are operational? UP when any exporter replica sees "
                         "them operational."),
        stat("Calibration age", [q(age, "{{backend}}", instant=True)], unit="s", w=12,
             thresholds=steps("green", (freshness, "red")),
             description=f"How old is each backend's calibration? Red when older than "
                         f"{freshness / 3600:g} h, the freshness SLO's threshold."),
        timeseries("Provider queue depth",
                   [q(X.replicas("max", C.BACKEND_PENDING_JOBS), "{{backend}}")],
                   unit="short", w=8,
                   description="Are the providers' queues growing? Jobs waiting per backend."),
        timeseries("Queue wait p95",
                   [q(X.quantile(0.95, C.JOB_QUEUE, by=("backend",)), "{{backend}}")],
                   unit="s", w=8, threshold_style="line" if queue_limit else "off",
                   thresholds=steps("green", (queue_limit, "red")) if queue_limit else (),
                   description="How long do jobs wait before they execute? The line is the "
                               "queue-wait SLO's threshold."),
        timeseries("Jobs in flight",
                   [q(f"sum by (backend) ({X.sel(C.JOBS_IN_FLIGHT)})", "{{backend}}")],
                   unit="short", w=8,
                   description="Where are jobs running or queued now, per backend?"),
        timeseries("Recent failures by error type", [q(failures, "{{error_type}}")],
                   unit="short", w=12, bars=True, stacked=True,
                   description="What is failing, and since when? Failed jobs per step by error "
                               "type; the bars add up to the failures of the time range."),
        timeseries("Jobs by outcome",
                   [q(X.rate(C.JOBS_TOTAL, by=("outcome",)), "{{outcome}}")], unit="ops",
                   w=12, stacked=True,
                   description="Is the job rate normal, and how much of it fails? Jobs per "
                               "second by outcome."),
    ]  # fmt: skip


def _collectors() -> Section:
    by = "{{collector}} {{backend}}"
    # each replica polls on its own: count the failures of the replica that saw the most
    errors = (f"sum by (collector) (max by (collector, backend) "
              f"({X.delta(C.COLLECTOR_ERRORS_TOTAL, window=X.STEP)}))")  # fmt: skip
    return "Exporter and collectors", [
        stat("Collector status", [q(X.replicas("min", C.COLLECTOR_UP), by, instant=True)],
             unit="none", decimals=0, w=6, h=8, mappings=[_UP_DOWN], color_mode="background",
             thresholds=steps("red", (1, "green")),
             description="Which collector polls fail? DOWN when the last poll of any exporter "
                         "replica failed."),
        timeseries("Time since last successful poll",
                   [q(f"time() - {X.replicas('min', C.COLLECTOR_LAST_SUCCESS)}", by)],
                   unit="s", w=6,
                   description="How stale is what the exporter reports? Seconds since the last "
                               "successful poll, of the stalest replica."),
        timeseries("Collector errors",
                   [q(errors, "{{collector}}")],
                   unit="short", w=6, bars=True,
                   description="How often do polls fail? Failed polls per step and collector, "
                               "of the replica that saw the most."),
        timeseries("Poll duration", [q(X.replicas("max", C.COLLECTOR_DURATION), by)], unit="s",
                   w=6, description="Is a provider API slow? Duration of the last poll, of the "
                                    "slowest replica."),
    ]  # fmt: skip


def _runbooks(slos: Sequence[SLO]) -> Section:
    lines = ["| SLO | objective | runbook |", "|---|---|---|"]
    for s in slos:
        url = runbook_url(s)
        book = f"[{url}]({url})" if "://" in url else f"`{url}`"
        lines.append(f"| {s.name} | {s.objective * 100:g}% over {s.period_str} | {book} |")
    return "Runbooks", [
        text(
            "SLO runbooks",
            "\n".join(lines),
            h=3 + len(slos),
            description="What to do when an SLO alert fires: each SLO's "
            "runbook, as its alerts link to it.",
        )
    ]


def build(slos: Sequence[SLO]) -> G.Dashboard:
    """The on-call dashboard for the SLO catalog ``slos``."""
    uid, title = DASHBOARDS["oncall"]
    alerts = PromAnnotation(
        name="Firing alerts", expr=X.alerts(X.FIRING), title="{{alertname}} ({{severity}})",
        text="{{slo}} {{backend}}", tag_keys="severity,slo", color="red",
    )  # fmt: skip
    sections = [_now(slos), _backends(slos), _collectors(), _runbooks(slos)]
    return dashboard(
        uid=uid, title=title, tags=["quantum", "slo", "on-call"], time_from="now-6h",
        refresh="1m", sections=sections, annotations=[alerts],
        description="What fires and has fired, SLO burn against the page and ticket "
                    "thresholds, backend and exporter health.",
        variables=filter_variables(slo=True),
    )  # fmt: skip
