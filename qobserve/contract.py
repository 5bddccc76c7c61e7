"""The telemetry contract: every metric name, help text, label set and bucket layout.

This module is the single source of the names of the contract (``docs/architecture.md``).
Instrumentation, the exporter, rule and dashboard generators and the report all import names
from here, so a rename happens in one place.

Example::

    from qobserve.contract import JOBS_TOTAL, DURATION_BUCKETS
    JOBS_TOTAL.name        # 'quantum_jobs_total'
    JOBS_TOTAL.labels      # ('backend', 'provider', 'backend_type', 'experiment', 'outcome',
                           #  'error_type')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from qobserve import events as _events

MetricType = Literal["counter", "gauge", "histogram"]

#: Buckets for every duration histogram, in seconds. A latency SLO threshold must be one of
#: them, because Prometheus can only count "jobs faster than X" at a bucket boundary.
DURATION_BUCKETS: tuple[float, ...] = (
    0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400,
)  # fmt: skip
#: Buckets for fidelity, a ratio from 0 to 1.
RATIO_BUCKETS: tuple[float, ...] = (0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97, 0.99, 1.0)

#: Values of the ``outcome`` label.
OUTCOMES: tuple[str, ...] = ("success", "error", "cancelled", "invalid")
#: Values of the ``error_type`` label; ``none`` on success.
ERROR_TYPES: tuple[str, ...] = (
    "none", "auth", "rate_limited", "quota_exceeded", "backend_unavailable", "timeout",
    "job_failed", "cancelled", "invalid_input", "network", "invalid_result", "internal",
)  # fmt: skip
#: (outcome, error_type) of every ``quantum_jobs_total`` series a job can land in: all exist,
#: at 0, from the first job of a backend x experiment, so that the first failure of a
#: low-volume workload is an increase every rate window sees (``rate()`` never sees the first
#: sample of a series).
JOB_OUTCOME_SERIES: tuple[tuple[str, str], ...] = (
    ("success", "none"),
    ("cancelled", "cancelled"),
    *(("error", e) for e in ERROR_TYPES if e not in ("none", "cancelled")),
)
#: Values of the ``backend_type`` label.
BACKEND_TYPES: tuple[str, ...] = ("qpu", "emulator", "simulator")
#: Values of the ``verdict`` label of result checks.
VERDICTS: tuple[str, ...] = ("pass", "diverged")
#: Label value that absorbs values past the cardinality cap.
OVERFLOW_VALUE = "__other__"


@dataclass(frozen=True)
class MetricSpec:
    """One metric of the contract: what it is called, what it means and how it is labelled."""

    name: str
    type: MetricType
    help: str
    labels: tuple[str, ...] = ()
    buckets: tuple[float, ...] | None = None
    #: OpenTelemetry instrument name and UCUM unit (see :attr:`otel`)
    otel_name: str = ""
    unit: str = ""

    @property
    def otel(self) -> tuple[str, str]:
        """(instrument name, unit) on the OTel metrics path.

        Chosen so that the OTel-to-Prometheus translation of the specification (dots to
        underscores, the unit as suffix, ``_total`` on monotonic sums; what
        ``opentelemetry-exporter-prometheus`` and the Collector do) gives back :attr:`name`,
        so rules and dashboards work on either path. A spec without one gets ``name`` with
        dots, no unit, which translates back the same way.
        """
        if self.otel_name:
            return self.otel_name, self.unit
        return self.base_name.replace("_", "."), ""

    @property
    def base_name(self) -> str:
        """The name prometheus_client wants: counters without their ``_total`` suffix."""
        if self.type == "counter" and self.name.endswith("_total"):
            return self.name[: -len("_total")]
        return self.name


def _m(
    name: str,
    type_: MetricType,
    help_: str,
    labels: tuple[str, ...] = (),
    buckets: tuple[float, ...] | None = None,
    otel: tuple[str, str] = ("", ""),
) -> MetricSpec:
    if type_ == "histogram" and buckets is None:
        buckets = DURATION_BUCKETS
    return MetricSpec(name, type_, help_, labels, buckets, *otel)


_B, _BT, _E = "backend", "backend_type", "experiment"
#: ``provider`` (who runs the backend) follows ``backend`` on every job metric: it is a function
#: of the backend, so it adds no series (see :func:`qobserve.instrument.backends.provider`)
_P = "provider"

# --- emitted in-process by instrumentation -----------------------------------------------------
JOBS_TOTAL = _m(
    "quantum_jobs_total",
    "counter",
    "Quantum jobs finished, by outcome and error type.",
    (_B, _P, _BT, _E, "outcome", "error_type"),
    otel=("quantum.jobs", "{job}"),
)
JOB_DURATION = _m(
    "quantum_job_duration_seconds",
    "histogram",
    "Time from job submission until its result was available.",
    (_B, _P, _BT, _E),
    otel=("quantum.job.duration", "s"),
)
JOB_QUEUE = _m(
    "quantum_job_queue_seconds",
    "histogram",
    "Time a job waited before execution started.",
    (_B, _P, _BT),
    otel=("quantum.job.queue", "s"),
)
JOB_EXECUTION = _m(
    "quantum_job_execution_seconds",
    "histogram",
    "Time a job spent executing.",
    (_B, _P, _BT),
    otel=("quantum.job.execution", "s"),
)
TRANSPILE_DURATION = _m(
    "quantum_transpile_duration_seconds",
    "histogram",
    "Time spent transpiling circuits for a backend.",
    (_B,),
    otel=("quantum.transpile.duration", "s"),
)
JOBS_IN_FLIGHT = _m(
    "quantum_jobs_in_flight",
    "gauge",
    "Jobs submitted and not yet finished.",
    (_B, _P),
    otel=("quantum.jobs.in_flight", "{job}"),
)
SHOTS_TOTAL = _m(
    "quantum_shots_total",
    "counter",
    "Shots executed.",
    (_B, _P, _BT, _E),
    otel=("quantum.shots", "{shot}"),
)
QPU_SECONDS_TOTAL = _m(
    "quantum_qpu_seconds_total",
    "counter",
    "Billed QPU time in seconds.",
    (_B, _P, _E),
    otel=("quantum.qpu", "s"),
)
COST_USD_TOTAL = _m(
    "quantum_cost_usd_total",
    "counter",
    "Cost in US dollars from the configured price model.",
    (_B, _P, _E),
    otel=("quantum.cost", "usd"),
)
JOB_DUPLICATES_TOTAL = _m(
    "quantum_job_duplicates_total",
    "counter",
    "Submissions whose idempotency key matches a job that succeeded or is in flight.",
    (_B, _P, _E),
    otel=("quantum.job.duplicates", "{job}"),
)
JOB_RETRIES_TOTAL = _m(
    "quantum_job_retries_total",
    "counter",
    "Resubmissions after a failed or cancelled job with the same idempotency key.",
    (_B, _P, _E),
    otel=("quantum.job.retries", "{job}"),
)
RESULT_CHECKS_TOTAL = _m(
    "quantum_result_checks_total",
    "counter",
    "Results compared with a reference, by verdict.",
    (_B, _BT, _E, "verdict"),
    otel=("quantum.result.checks", "{check}"),
)
RESULT_FIDELITY = _m(
    "quantum_result_fidelity_ratio",
    "histogram",
    "Fidelity of a result against its reference, 0 to 1.",
    (_B, _E),
    RATIO_BUCKETS,
    otel=("quantum.result.fidelity_ratio", "1"),
)
EXPERIMENTS_TOTAL = _m(
    "quantum_experiments_total",
    "counter",
    "Decorated experiment runs, by outcome.",
    (_E, "outcome"),
    otel=("quantum.experiments", "{run}"),
)
EXPERIMENT_DURATION = _m(
    "quantum_experiment_duration_seconds",
    "histogram",
    "Wall time of decorated experiment runs.",
    (_E,),
    otel=("quantum.experiment.duration", "s"),
)
TELEMETRY_INCOMPLETE_TOTAL = _m(
    "quantum_telemetry_incomplete_total",
    "counter",
    "Jobs whose telemetry could not be completed.",
    ("reason",),
    otel=("quantum.telemetry.incomplete", "{job}"),
)
BUDGET_DECISIONS_TOTAL = _m(
    "quantum_budget_decisions_total",
    "counter",
    "Budget checks before submission, by budget and decision: allow, warn, deny.",
    ("budget", "decision"),
    otel=("quantum.budget.decisions", "{decision}"),
)
# --- the library's own health ------------------------------------------------------------------
INTERNAL_ERRORS_TOTAL = _m(
    "qobserve_internal_errors_total",
    "counter",
    "Failures inside qobserve, swallowed so user code never sees them.",
    ("component",),
    otel=("qobserve.internal.errors", "{error}"),
)
LABEL_OVERFLOW_TOTAL = _m(
    "qobserve_label_overflow_total",
    "counter",
    "Label values folded into __other__ by the cardinality guard.",
    ("label",),
    otel=("qobserve.label.overflow", "{value}"),
)
#: why the event store did not write an event: the ``reason`` values of EVENTS_DROPPED_TOTAL
EVENT_DROP_REASONS = ("queue_full", "closed", "unwritten_at_exit")
EVENTS_DROPPED_TOTAL = _m(
    "qobserve_events_dropped_total",
    "counter",
    "Events the event store did not write, by reason: queue_full, closed, unwritten_at_exit.",
    ("reason",),
    otel=("qobserve.events.dropped", "{event}"),
)

#: Everything instrumentation registers in a process, in exposition order.
INSTRUMENTATION_METRICS: tuple[MetricSpec, ...] = (
    JOBS_TOTAL, JOB_DURATION, JOB_QUEUE, JOB_EXECUTION, TRANSPILE_DURATION, JOBS_IN_FLIGHT,
    SHOTS_TOTAL, QPU_SECONDS_TOTAL, COST_USD_TOTAL, JOB_DUPLICATES_TOTAL, JOB_RETRIES_TOTAL,
    RESULT_CHECKS_TOTAL, RESULT_FIDELITY, EXPERIMENTS_TOTAL, EXPERIMENT_DURATION,
    TELEMETRY_INCOMPLETE_TOTAL, BUDGET_DECISIONS_TOTAL,
    INTERNAL_ERRORS_TOTAL, LABEL_OVERFLOW_TOTAL, EVENTS_DROPPED_TOTAL,
)  # fmt: skip

# --- emitted by the exporter (collectors) ------------------------------------------------------
_Q = "quantum_backend_"
BACKEND_UP = _m(_Q + "up", "gauge", "1 when the backend is operational, 0 when not.", (_B,))
BACKEND_PENDING_JOBS = _m(_Q + "pending_jobs", "gauge", "Provider queue length.", (_B,))
BACKEND_CALIBRATION_TIMESTAMP = _m(
    _Q + "calibration_timestamp_seconds",
    "gauge",
    "Unix time of the backend's last calibration.",
    (_B,),
)
BACKEND_QUBITS = _m(_Q + "qubits", "gauge", "Number of qubits.", (_B,))
#: Values of the ``stat`` label of the calibration gauges: percentiles across the qubits. Not
#: ``quantile``: that label belongs to summaries, and promtool and OpenMetrics parsers refuse it
#: on a gauge; ``stat`` can also hold other statistics (min, max) without a rename.
CALIBRATION_STATS: tuple[str, ...] = ("p10", "p50", "p90")
_S = "stat"
BACKEND_T1 = _m(_Q + "t1_seconds", "gauge", "T1 across the backend's qubits.", (_B, _S))
BACKEND_T2 = _m(_Q + "t2_seconds", "gauge", "T2 across the backend's qubits.", (_B, _S))
BACKEND_READOUT_ERROR = _m(
    _Q + "readout_error_ratio",
    "gauge",
    "Readout error across the backend's qubits.",
    (_B, _S),
)
BACKEND_GATE_ERROR = _m(
    _Q + "gate_error_ratio",
    "gauge",
    "Gate error across the gate's qubit sets.",
    (_B, "gate", _S),
)
QUBIT_T1 = _m("quantum_qubit_t1_seconds", "gauge", "T1 of one qubit.", (_B, "qubit"))
QUBIT_T2 = _m("quantum_qubit_t2_seconds", "gauge", "T2 of one qubit.", (_B, "qubit"))
QUBIT_READOUT_ERROR = _m(
    "quantum_qubit_readout_error_ratio", "gauge", "Readout error of one qubit.", (_B, "qubit")
)
#: The provider account's instance (an IBM Cloud CRN, ``hub/group/project``): not
#: ``instance``, which Prometheus sets to the scrape target (keeping it needs honor_labels).
_ACCOUNT = "account_instance"
USAGE_CONSUMED = _m(
    "quantum_usage_consumed_seconds",
    "gauge",
    "Provider usage consumed in the current period.",
    (_ACCOUNT,),
)
USAGE_LIMIT = _m(
    "quantum_usage_limit_seconds",
    "gauge",
    "Provider usage limit for the current period.",
    (_ACCOUNT,),
)
BACKEND_INFO = _m(
    _Q + "info",
    "gauge",
    "Backend description; the value is always 1.",
    (_B, "provider", "processor_type", "version"),
)
EXPORTER_BUILD_INFO = _m(
    "qobserve_exporter_build_info",
    "gauge",
    "The exporter's qobserve and Python versions; the value is always 1.",
    ("version", "python_version"),
)
COLLECTOR_UP = _m(
    "qobserve_collector_up",
    "gauge",
    "1 when the collector's last poll of the backend succeeded.",
    ("collector", _B),
)
COLLECTOR_ERRORS_TOTAL = _m(
    "qobserve_collector_errors_total",
    "counter",
    "Failed collector polls, plus provider values dropped as invalid.",
    ("collector", _B),
)
COLLECTOR_DURATION = _m(
    "qobserve_collector_duration_seconds",
    "gauge",
    "Duration of the collector's last poll.",
    ("collector", _B),
)
COLLECTOR_LAST_SUCCESS = _m(
    "qobserve_collector_last_success_timestamp_seconds",
    "gauge",
    "Unix time of the collector's last successful poll.",
    ("collector", _B),
)

# --- budgets, computed by the exporter from the event store (``--events STORE --budgets``) ---
BUDGET_SPENT_USD = _m(
    "quantum_budget_spent_usd", "gauge", "Spend of the budget's current period.", ("budget",)
)
BUDGET_LIMIT_USD = _m(
    "quantum_budget_limit_usd", "gauge", "The budget's limit per period.", ("budget", "action")
)
BUDGET_SPENT_QPU = _m(
    "quantum_budget_spent_qpu_seconds",
    "gauge",
    "QPU seconds of the budget's current period.",
    ("budget",),
)
BUDGET_LIMIT_QPU = _m(
    "quantum_budget_limit_qpu_seconds",
    "gauge",
    "The budget's limit of QPU seconds per period.",
    ("budget", "action"),
)
BUDGET_PERIOD_END = _m(
    "quantum_budget_period_end_timestamp_seconds",
    "gauge",
    "Unix time the budget's current period ends.",
    ("budget", "action"),
)

EXPORTER_METRICS: tuple[MetricSpec, ...] = (
    BACKEND_UP, BACKEND_PENDING_JOBS, BACKEND_CALIBRATION_TIMESTAMP, BACKEND_QUBITS, BACKEND_T1,
    BACKEND_T2, BACKEND_READOUT_ERROR, BACKEND_GATE_ERROR, QUBIT_T1, QUBIT_T2, QUBIT_READOUT_ERROR,
    USAGE_CONSUMED, USAGE_LIMIT, BACKEND_INFO, EXPORTER_BUILD_INFO, COLLECTOR_UP,
    COLLECTOR_ERRORS_TOTAL, COLLECTOR_DURATION, COLLECTOR_LAST_SUCCESS, BUDGET_SPENT_USD,
    BUDGET_LIMIT_USD, BUDGET_SPENT_QPU, BUDGET_LIMIT_QPU, BUDGET_PERIOD_END,
)  # fmt: skip

ALL_METRICS: tuple[MetricSpec, ...] = INSTRUMENTATION_METRICS + EXPORTER_METRICS

#: Columns of a job event, in order: the fields of :class:`qobserve.events.JobEvent`, which
#: defines them once (see "The contract" in docs/architecture.md).
JOB_EVENT_COLUMNS: tuple[str, ...] = _events.JOB_EVENT_COLUMNS
