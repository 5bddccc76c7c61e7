"""The debug dashboard: per backend and experiment drill-down into latency, throughput,
calibration, result quality and the telemetry's own health.

Latency panels show exemplars (the trace id of an observed job) and link to the traces of the
selected backends in the ``$tracing`` data source; calibration changes are annotations.

Example::

    board = build(slos)      # a grafanalib Dashboard, uid "qobserve-debug"
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import grafanalib.core as G

from qobserve import contract as C
from qobserve.dashboards import exprs as X
from qobserve.dashboards.panels import (
    DASHBOARDS,
    TRACING_PLUGIN,
    Section,
    dashboard,
    datasource_variable,
    filter_variables,
    link,
    nav_links,
    organize,
    steps,
    table,
    timeseries,
)
from qobserve.dashboards.queries import PromAnnotation, PromTarget, q
from qobserve.slo.model import SLO

_BY_BACKEND = ("backend",)
_PERCENTILES = (0.5, 0.95, 0.99)
_CALIBRATION = PromAnnotation(
    name="Calibrations",
    expr=f"changes({X.sel(C.BACKEND_CALIBRATION_TIMESTAMP)}[{X.RATE}]) > 0",
    title="Calibration: {{backend}}", text="The backend published new calibration data.",
    tag_keys="backend",
)  # fmt: skip


def trace_link(attribute: str, variable: str) -> G.DashboardLink:
    """A link to Explore on ``$tracing`` searching the spans whose ``attribute`` matches the
    selected values of ``$variable`` in the panel's time range."""
    traceql = f'{{ span.{attribute} =~ "${{{variable}:regex}}" }}'
    state = {
        "datasource": "${tracing}",
        "range": {"from": "${__from}", "to": "${__to}"},
        "queries": [
            {
                "refId": "A",
                "queryType": "traceql",
                "query": traceql,
                "datasource": {"type": TRACING_PLUGIN, "uid": "${tracing}"},
            }
        ],
    }
    return link(
        f"Traces of the selected {variable}s",
        "/explore?left=" + json.dumps(state, separators=(",", ":")),
        keep=False,
        new_tab=True,
        tooltip="Opens the tracing data source; exemplar dots link to single traces.",
    )


_BACKEND_TRACES = trace_link("quantum.backend.name", "backend")


def percentiles(metric: C.MetricSpec, by: Sequence[str]) -> list[PromTarget]:
    """p50, p95 and p99 of a histogram per ``by``; exemplars on the p95 query only, so each
    observed job shows once."""
    return [q(X.quantile(phi, metric, by=by), f"{X.legend(*by)} p{phi * 100:g}",
              exemplar=phi == 0.95)
            for phi in _PERCENTILES]  # fmt: skip


def _latency() -> Section:
    split = [
        q(X.mean(m, by=_BY_BACKEND), f"{{{{backend}}}} {what}")
        for m, what in ((C.JOB_QUEUE, "queue"), (C.JOB_EXECUTION, "execution"))
    ]
    return "Latency", [
        timeseries("Job duration (submit to result)", percentiles(C.JOB_DURATION, _BY_BACKEND),
                   unit="s", links=[_BACKEND_TRACES], legend_table=True),
        timeseries("Queue vs execution (mean per job)", split, unit="s", stacked=True,
                   description="Where a job's time goes: waiting in the provider's queue or "
                               "executing."),
        timeseries("Queue wait", percentiles(C.JOB_QUEUE, _BY_BACKEND), unit="s", w=8,
                   links=[_BACKEND_TRACES]),
        timeseries("Execution", percentiles(C.JOB_EXECUTION, _BY_BACKEND), unit="s", w=8,
                   links=[_BACKEND_TRACES]),
        timeseries("Transpilation", percentiles(C.TRANSPILE_DURATION, _BY_BACKEND), unit="s",
                   w=8, links=[_BACKEND_TRACES]),
        timeseries("Experiment run time", percentiles(C.EXPERIMENT_DURATION, ("experiment",)),
                   unit="s", w=24, legend_table=True,
                   links=[trace_link("quantum.experiment.name", "experiment")]),
    ]  # fmt: skip


def _throughput() -> Section:
    return "Throughput", [
        timeseries("Jobs by backend and outcome",
                   [q(X.rate(C.JOBS_TOTAL, by=("backend", "outcome")),
                      "{{backend}} {{outcome}}")], unit="ops", w=8, stacked=True),
        timeseries("Shots",
                   [q(X.rate(C.SHOTS_TOTAL, by=_BY_BACKEND), "{{backend}}")], unit="ops", w=8,
                   description="Shots executed per second."),
        timeseries("Jobs in flight",
                   [q(f"sum by (backend) ({X.sel(C.JOBS_IN_FLIGHT)})", "{{backend}}")],
                   unit="short", w=8),
    ]  # fmt: skip


def _calibration() -> Section:
    def quantiles(metric: C.MetricSpec, title: str, unit: str, extra: str = "") -> G.TimeSeries:
        return timeseries(
            title,
            [q(X.sel(metric), f"{{{{backend}}}}{extra} q{{{{quantile}}}}")],
            unit=unit,
            w=12,
            legend_table=True,
            description="Quantiles across the backend's qubits (or the gate's "
            "qubit pairs); calibration changes are annotations.",
        )

    # max by: one row per backend even when several exporters (or replicas) report it
    described = ", ".join(C.BACKEND_INFO.labels)
    qubits = f"max by (backend) ({X.sel(C.BACKEND_QUBITS)})"
    info = f"max by ({described}) ({X.sel(C.BACKEND_INFO)})\n* on (backend) group_left () {qubits}"
    return "Calibration", [
        quantiles(C.BACKEND_T1, "T1", "s"),
        quantiles(C.BACKEND_T2, "T2", "s"),
        quantiles(C.BACKEND_READOUT_ERROR, "Readout error", "percentunit"),
        quantiles(C.BACKEND_GATE_ERROR, "Gate error", "percentunit", " {{gate}}"),
        table("Backends", [q(info, table=True)], w=12, h=6,
              transformations=[organize({"Value": "Qubits"})]),
        table("Worst qubits by readout error",
              [q(f"topk(10, {X.sel(C.QUBIT_READOUT_ERROR)})", table=True)],
              unit="percentunit", w=12, h=6, sort_by="Readout error",
              transformations=[organize({"Value": "Readout error"},
                                        hide=("Time", "__name__"))],
              description="Per-qubit detail, when the exporter's per-qubit metrics are on."),
    ]  # fmt: skip


def _results(slos: Sequence[SLO]) -> Section:
    budgets = [s.error_budget for s in slos if s.sli.kind == "divergence"]
    checks = X.rate(C.RESULT_CHECKS_TOTAL, by=_BY_BACKEND)
    diverged = X.rate(C.RESULT_CHECKS_TOTAL, 'verdict="diverged"', by=_BY_BACKEND)
    fidelity = [
        q(X.quantile(phi, C.RESULT_FIDELITY, by=_BY_BACKEND), f"{{{{backend}}}} {name}")
        for phi, name in ((0.5, "median"), (0.1, "worst 10%"))
    ]
    return "Result quality", [
        timeseries("Fidelity against reference", fidelity, unit="percentunit", w=8,
                   max_value=1),
        timeseries("Divergence from reference", [q(X.ratio(diverged, checks), "{{backend}}")],
                   unit="percentunit", w=8, threshold_style="line" if budgets else "off",
                   thresholds=steps("green", (min(budgets), "red")) if budgets else (),
                   description="Share of checked results that diverged; the line is the "
                               "divergence SLO's budget."),
        timeseries("Result checks by verdict",
                   [q(X.rate(C.RESULT_CHECKS_TOTAL, by=("verdict",)), "{{verdict}}")],
                   unit="ops", w=8, stacked=True),
    ]  # fmt: skip


def _telemetry() -> Section:
    def total(metric: C.MetricSpec, by: str, legend: str, why: str = "") -> PromTarget:
        return q(X.rate(metric, by=(by,), fn="increase"), legend, expect_data=not why,
                 empty_reason=why)  # fmt: skip

    return "Telemetry health", [
        timeseries("Telemetry failures", [
            total(C.TELEMETRY_INCOMPLETE_TOTAL, "reason", "incomplete: {{reason}}",
                  why="only remote (IBM Runtime) jobs whose metrics() request fails, or jobs "
                      "unfinished at exit, are incomplete; local jobs never are"),
            total(C.INTERNAL_ERRORS_TOTAL, "component", "internal error: {{component}}"),
            total(C.LABEL_OVERFLOW_TOTAL, "label", "label overflow: {{label}}"),
            q(X.rate(C.EVENTS_DROPPED_TOTAL, fn="increase"), "events dropped"),
        ], unit="short", w=24, bars=True,
            description="Jobs whose telemetry is incomplete, failures inside qobserve (never "
                        "raised into user code), label values folded into __other__ and "
                        "events dropped by a full store queue."),
    ]  # fmt: skip


def build(slos: Sequence[SLO]) -> G.Dashboard:
    """The debug dashboard; ``slos`` supplies the thresholds drawn on result panels."""
    uid, title, _ = DASHBOARDS["debug"]
    variables = filter_variables()
    variables.insert(1, datasource_variable("tracing", TRACING_PLUGIN, "Traces"))
    return dashboard(
        uid=uid, title=title, tags=["qobserve", "quantum", "debug"], time_from="now-6h",
        refresh="1m", links=nav_links("debug"), variables=variables,
        sections=[_latency(), _throughput(), _calibration(), _results(slos), _telemetry()],
        annotations=[_CALIBRATION],
        description="Per backend and experiment: latency percentiles with exemplars, queue "
                    "vs execution, calibration quantiles, fidelity and divergence.",
    )  # fmt: skip
