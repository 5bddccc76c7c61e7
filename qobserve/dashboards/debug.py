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
from qobserve.dashboards import events_sql
from qobserve.dashboards import exprs as X
from qobserve.dashboards.panels import (
    DASHBOARDS,
    TRACING_PLUGIN,
    Section,
    dashboard,
    datasource_variable,
    filter_variables,
    link,
    organize,
    steps,
    table,
    timeseries,
)
from qobserve.dashboards.queries import POSTGRES_PLUGIN, PromAnnotation, PromTarget, q
from qobserve.slo.model import SLO

_BY_BACKEND = ("backend",)
_PCT = "p50, p95 and p99 from the histogram; the dots are exemplars that open a job's trace."
_PERCENTILES = (0.5, 0.95, 0.99)
_CALIBRATION = PromAnnotation(
    name="Calibrations",
    expr=f"max by (backend) (changes({X.sel(C.BACKEND_CALIBRATION_TIMESTAMP)}[{X.RATE}])) > 0",
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
                   unit="s", links=[_BACKEND_TRACES], legend_table=True,
                   description=f"How long until a job's result is there? {_PCT}"),
        timeseries("Queue vs execution (mean per job)", split, unit="s", stacked=True,
                   description="Where does a job's time go: waiting in the provider's queue "
                               "or executing?"),
        timeseries("Queue wait", percentiles(C.JOB_QUEUE, _BY_BACKEND), unit="s", w=8,
                   links=[_BACKEND_TRACES],
                   description=f"How long do jobs wait before they execute? {_PCT}"),
        timeseries("Execution", percentiles(C.JOB_EXECUTION, _BY_BACKEND), unit="s", w=8,
                   links=[_BACKEND_TRACES],
                   description=f"How long do jobs execute? {_PCT}"),
        timeseries("Transpilation", percentiles(C.TRANSPILE_DURATION, _BY_BACKEND), unit="s",
                   w=8, links=[_BACKEND_TRACES],
                   description=f"How long does transpiling for a backend take? {_PCT}"),
        timeseries("Experiment run time", percentiles(C.EXPERIMENT_DURATION, ("experiment",)),
                   unit="s", w=24, legend_table=True,
                   links=[trace_link("quantum.experiment.name", "experiment")],
                   description=f"How long does a decorated experiment run take? {_PCT}"),
    ]  # fmt: skip


def _throughput() -> Section:
    return "Throughput", [
        timeseries("Jobs by backend and outcome",
                   [q(X.rate(C.JOBS_TOTAL, by=("backend", "outcome")),
                      "{{backend}} {{outcome}}")], unit="ops", w=8, stacked=True,
                   description="Which backend runs how many jobs, and how do they end? Jobs "
                               "per second."),
        timeseries("Shots",
                   [q(X.rate(C.SHOTS_TOTAL, by=_BY_BACKEND), "{{backend}}")], unit="ops", w=8,
                   description="How many shots does each backend execute per second?"),
        timeseries("Jobs in flight",
                   [q(f"sum by (backend) ({X.sel(C.JOBS_IN_FLIGHT)})", "{{backend}}")],
                   unit="short", w=8,
                   description="How many jobs are submitted and not finished, per backend?"),
    ]  # fmt: skip


def _calibration() -> Section:
    def quantiles(metric: C.MetricSpec, title: str, unit: str, extra: str = "") -> G.TimeSeries:
        return timeseries(
            title,
            [q(X.replicas("max", metric), f"{{{{backend}}}}{extra} {{{{stat}}}}")],
            unit=unit,
            w=12,
            legend_table=True,
            description=f"How good are the backend's qubits? {title}: 10th, 50th and 90th "
            "percentiles across its qubits (or the gate's qubit pairs); calibration changes "
            "are annotations.",
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
              transformations=[organize({"Value": "Qubits"})],
              description="Which backends are there: provider, processor, version, qubits?"),
        table("Worst qubits by readout error",
              [q(f"topk(10, {X.replicas('max', C.QUBIT_READOUT_ERROR)})", table=True)],
              unit="percentunit", w=12, h=6, sort_by="Readout error",
              transformations=[organize({"Value": "Readout error", "backend": "Backend",
                                         "qubit": "Qubit"})],
              description="Which qubits read out worst? Per-qubit detail, when the exporter's "
                          "per-qubit metrics are on."),
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
                   max_value=1,
                   description="How close are results to their reference? Median and worst "
                               "10 % of checked results' fidelity."),
        timeseries("Divergence from reference", [q(X.ratio(diverged, checks), "{{backend}}")],
                   unit="percentunit", w=8, threshold_style="line" if budgets else "off",
                   thresholds=steps("green", (min(budgets), "red")) if budgets else (),
                   description="What share of checked results diverged? The line is the "
                               "divergence SLO's budget."),
        timeseries("Result checks by verdict",
                   [q(X.rate(C.RESULT_CHECKS_TOTAL, by=("verdict",)), "{{verdict}}")],
                   unit="ops", w=8, stacked=True,
                   description="How many results are checked per second, and with what verdict?"),
    ]  # fmt: skip


def _telemetry() -> Section:
    def total(metric: C.MetricSpec, by: str, legend: str, why: str = "") -> PromTarget:
        return q(X.increase(metric, by=(by,), window=X.STEP), legend, expect_data=not why,
                 empty_reason=why)  # fmt: skip

    return "Telemetry health", [
        timeseries("Telemetry failures", [
            total(C.TELEMETRY_INCOMPLETE_TOTAL, "reason", "incomplete: {{reason}}",
                  why="only remote (IBM Runtime) jobs whose metrics() request fails, or jobs "
                      "unfinished at exit, are incomplete; local jobs never are"),
            total(C.INTERNAL_ERRORS_TOTAL, "component", "internal error: {{component}}"),
            total(C.LABEL_OVERFLOW_TOTAL, "label", "label overflow: {{label}}"),
            q(X.increase(C.EVENTS_DROPPED_TOTAL, window=X.STEP), "events dropped"),
        ], unit="short", w=24, bars=True,
            description="Can the telemetry be trusted? Per step: jobs whose telemetry is "
                        "incomplete, failures inside qobserve (never raised into user code), "
                        "label values folded into __other__, events dropped by a full store "
                        "queue."),
    ]  # fmt: skip


def _backend_types() -> Section:
    by = ("backend_type",)
    failed = X.rate(C.JOBS_TOTAL, 'outcome!="success"', by=by)
    return "Simulator, emulator and QPU", [
        timeseries("Job duration p95 by backend type",
                   [q(X.quantile(0.95, C.JOB_DURATION, by=by), "{{backend_type}}", exemplar=True)],
                   unit="s", links=[_BACKEND_TRACES],
                   description="Are QPUs slower than their emulators, and by how much? p95 of "
                               "submit-to-result time per backend type."),
        timeseries("Job failure ratio by backend type",
                   [q(X.ratio(failed, X.rate(C.JOBS_TOTAL, by=by)), "{{backend_type}}")],
                   unit="percentunit", max_value=1,
                   description="Do failures come from the hardware or from our code? Share of "
                               "jobs that did not succeed, per backend type."),
    ]  # fmt: skip


def build(slos: Sequence[SLO]) -> G.Dashboard:
    """The debug dashboard; ``slos`` supplies the thresholds drawn on result panels."""
    uid, title = DASHBOARDS["debug"]
    variables = filter_variables()
    variables.insert(1, datasource_variable("tracing", TRACING_PLUGIN, "Traces"))
    variables.insert(2, datasource_variable("events", POSTGRES_PLUGIN, "Job events"))
    return dashboard(
        uid=uid, title=title, tags=["quantum", "debug"], time_from="now-6h",
        refresh="1m", variables=variables,
        sections=[_latency(), _backend_types(), _throughput(), _calibration(), _results(slos),
                  _telemetry(), events_sql.section()],
        annotations=[_CALIBRATION],
        description="Per backend and experiment: latency percentiles with exemplars, queue "
                    "vs execution, calibration quantiles, fidelity and divergence.",
    )  # fmt: skip
