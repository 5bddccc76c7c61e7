"""Layouts of the operations tables, shared by the events and Prometheus builders.

Both sources fill the same columns, so renderers and readers see one table whatever the
source. Example::

    table = make("duplicates", [["bell", 200, 1, 0.005]])
    table.columns   # ['experiment', 'jobs', 'duplicates', 'ratio']
"""

from __future__ import annotations

from qobserve.report.model import Table

#: the provider of jobs recorded without one (events of a store older than schema 4)
UNKNOWN_PROVIDER = "unknown"
#: key -> (title, [(column, format), ...])
LAYOUTS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "volume": ("Job volume", [("backend type", "text"), ("jobs", "num"),
                              ("previous window", "num"), ("change", "pct"),
                              ("success ratio", "pct")]),
    "providers": ("Providers compared: success, latency, cost", [
        ("provider", "text"), ("jobs", "num"), ("success", "num"), ("success ratio", "pct"),
        ("p50", "s"), ("p95", "s"), ("queue p50", "s"), ("USD per job", "usd"),
        ("mean fidelity", "ratio")]),
    "backends": ("Backends compared: success, latency, queue wait, cost, fidelity", [
        ("backend", "text"), ("type", "text"), ("jobs", "num"), ("success", "num"),
        ("success ratio", "pct"), ("p50", "s"), ("p95", "s"), ("p99", "s"),
        ("queue p50", "s"), ("queue p95", "s"), ("USD per job", "usd"),
        ("mean fidelity", "ratio")]),
    "error_types": ("Failures by error type", [("error type", "text"), ("jobs", "num"),
                                               ("share of failures", "pct")]),
    "cost_types": ("Cost per job by backend type", [
        ("backend type", "text"), ("jobs", "num"), ("QPU s", "num"), ("cost USD", "usd"),
        ("USD per job", "usd")]),
    "cost": ("QPU time and cost per experiment", [
        ("experiment", "text"), ("jobs", "num"), ("successful", "num"), ("QPU s", "num"),
        ("cost USD", "usd"), ("USD per job", "usd"), ("USD per successful job", "usd")]),
    "divergence": ("Simulator-vs-hardware divergence", [
        ("backend", "text"), ("checks", "num"), ("diverged", "num"),
        ("mean fidelity", "ratio"), ("min fidelity", "ratio")]),
    "duplicates": ("Duplicate submissions", [("experiment", "text"), ("jobs", "num"),
                                             ("duplicates", "num"), ("ratio", "pct")]),
    "calibration": ("Calibration freshness per backend", [
        ("backend", "text"), ("age at window end", "s"), ("oldest in the window", "s")]),
    "calibration_context": ("Failures and divergence by calibration age at submission", [
        ("calibration age", "text"), ("jobs", "num"), ("failure ratio", "pct"),
        ("checks", "num"), ("diverged", "num"), ("mean fidelity", "ratio")]),
    "coverage": ("Observability coverage", [
        ("reason", "text"), ("jobs with incomplete telemetry", "num"),
        ("share of jobs", "pct")]),
    "alerts": ("Alerts that fired", [
        ("alert", "text"), ("slo", "text"), ("severity", "text"), ("backend", "text"),
        ("first firing", "text"), ("last firing", "text"), ("firing for", "s")]),
}  # fmt: skip


#: the one definition of a success ratio in the report, the job-success SLOs' own
SUCCESS_RATIO_NOTE = (
    "success ratio: successful jobs over jobs not cancelled (a cancelled job is no failure, "
    "as the job-success SLOs count)"
)


def make(key: str, rows: list[list[object]], note: str = "") -> Table:
    """The ``key`` table with ``rows`` in its layout's column order."""
    title, cols = LAYOUTS[key]
    return Table(key, title, [c for c, _ in cols], rows, note, [f for _, f in cols])


def unavailable(key: str, note: str) -> Table:
    """The ``key`` table's title with no columns: only ``note`` is printed."""
    return Table(key, LAYOUTS[key][0], [], note=note)
