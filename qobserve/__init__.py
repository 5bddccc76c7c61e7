"""qobserve: observability and SLOs for quantum workloads.

Example::

    import qobserve

    qobserve.configure(service_name="vqe-team")

    @qobserve.experiment("bell-state")
    def bell() -> dict[str, int]:
        ...

The public surface is what ``__all__`` lists; Qiskit instrumentation lives in
:mod:`qobserve.instrument` and is imported only when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qobserve.context import current_run
from qobserve.errors import classify
from qobserve.exceptions import BudgetExceeded, ErrorBudgetExhausted, InputError
from qobserve.experiment import experiment
from qobserve.telemetry import Telemetry, configure, get_telemetry, reset

if TYPE_CHECKING:
    from qobserve.instrument.compare import compare
    from qobserve.report.gate import require_error_budget

__version__ = "0.1.0"

__all__ = [
    "BudgetExceeded",
    "ErrorBudgetExhausted",
    "InputError",
    "Telemetry",
    "__version__",
    "classify",
    "compare",
    "configure",
    "current_run",
    "experiment",
    "flush",
    "get_telemetry",
    "push",
    "require_error_budget",
    "reset",
]


def flush(timeout: float = 30.0) -> bool:
    """Commit queued events and export finished spans now; True when all made it in time."""
    return get_telemetry().flush(timeout)


def push(job: str | None = None, grouping_key: dict[str, str] | None = None) -> bool:
    """Push this process's metrics to the Pushgateway set by ``configure(push_gateway=...)``.

    For batch jobs that end before Prometheus could scrape them; also done at exit. Returns
    False (and counts an internal error) when the push fails.
    """
    return get_telemetry().push(job, grouping_key)


def __getattr__(name: str) -> Any:
    # heavy, optional parts load on first use so ``import qobserve`` needs only the core deps
    if name == "compare":
        from qobserve.instrument.compare import compare

        return compare
    if name == "require_error_budget":  # the report's figures: pandas, the `report` extra
        from qobserve.report.gate import require_error_budget

        return require_error_budget
    if name in ("jobs", "live_jobs"):
        import qobserve.notebook

        return getattr(qobserve.notebook, name)
    if name == "report":  # the package, callable: qobserve.report("2026-W47")
        import qobserve.report

        return qobserve.report
    raise AttributeError(f"module 'qobserve' has no attribute {name!r}")
