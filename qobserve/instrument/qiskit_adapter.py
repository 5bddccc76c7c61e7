"""The Qiskit adapter: how Qiskit's job handles are read by the vendor-neutral core.

Handles: ``RuntimeJobV2`` (IBM cloud: remote, timings from ``job.metrics()``), qiskit-aer's
``AerJob`` and qiskit's ``PrimitiveJob`` (local: a ``concurrent.futures.Future``), and any
``JobV1`` with ``job_id()``, ``result()``, ``status()`` and ``cancel()``.

Example::

    QISKIT.job_id(job)            # 'd1x...'
    QISKIT.final_status(job.status())   # 'DONE' once finished
"""

from __future__ import annotations

import concurrent.futures
from typing import Any, ClassVar

from qobserve.instrument.adapter import Adapter, Work
from qobserve.instrument.inputs import Inputs
from qobserve.instrument.results import executed_shots, failure_of
from qobserve.instrument.timing import Timing, server_timing

# errors of RuntimeJobV2.result() that mean the job itself ended (others are the client's)
_FINAL_ERRORS = frozenset(
    {"RuntimeJobFailureError", "RuntimeJobMaxTimeoutError", "RuntimeInvalidStateError"}
)


class QiskitAdapter(Adapter):
    """See the module docstring."""

    sdk: ClassVar[str] = "qiskit"

    def job_id(self, handle: Any) -> str:
        get_id = getattr(handle, "job_id", None)
        return str(get_id() if callable(get_id) else get_id or "")

    def future(self, handle: Any) -> concurrent.futures.Future[Any] | None:
        future = getattr(handle, "_future", None)
        return future if isinstance(future, concurrent.futures.Future) else None

    def is_remote(self, handle: Any) -> bool:
        return callable(getattr(handle, "metrics", None))

    def status_failure(self, handle: Any) -> BaseException:
        reason = getattr(handle, "_reason", None) or getattr(handle, "_error_message", None)
        return _sdk_failure(str(reason or ""), getattr(handle, "_reason_code", None))

    def ends_job(self, exc: BaseException) -> bool:
        return any(cls.__name__ in _FINAL_ERRORS for cls in type(exc).__mro__)

    def result_failure(self, handle: Any, result: Any) -> BaseException | None:  # noqa: ARG002 - Adapter's signature
        return failure_of(result)

    def executed_shots(self, result: Any, work: Work) -> int | None:
        sets = work.parameter_sets() if isinstance(work, Inputs) else None
        return executed_shots(result, sets)

    def server_timing(self, handle: Any) -> Timing:
        return server_timing(handle.metrics())


QISKIT = QiskitAdapter()


def _sdk_failure(reason: str, code: Any) -> BaseException:
    """The exception ``RuntimeJobV2.result()`` raises for a job in state ERROR."""
    try:
        from qiskit_ibm_runtime.exceptions import RuntimeJobFailureError, RuntimeJobMaxTimeoutError
    except ImportError:
        return RuntimeError(reason or "job failed")
    error: BaseException
    if code == 1305:
        error = RuntimeJobMaxTimeoutError(reason)
    else:
        error = RuntimeJobFailureError(f"Unable to retrieve job result. {reason}")
    return error
