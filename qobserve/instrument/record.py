"""Turning a job's outcome into its event, metrics and spans.

Called once per job by :class:`qobserve.instrument.jobs.TrackedJob` (under its lock, or from
the finisher thread for remote jobs): classifies the outcome, reads shots from the result,
takes queue and execution times from the server's timestamps or the local measurement, decides
the idempotency key and whether it is a duplicate, prices the job, ends the spans and calls
``Telemetry.record_job``.

Example::

    write(tracked, result=job_result, exc=None, metrics=job.metrics(), submitted=True)
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from qobserve.errors import classify
from qobserve.events import JobEvent
from qobserve.instrument import spans
from qobserve.instrument.idempotency import AUTO_PREFIX, DuplicateTracker
from qobserve.instrument.pricing import price_model_for
from qobserve.instrument.results import JobResultError, executed_shots, failure_of
from qobserve.instrument.timing import Timing, server_timing
from qobserve.tracing import mark_span_failed

if TYPE_CHECKING:
    from qobserve.instrument.jobs import TrackedJob

NO_RESULT: Any = object()  # "no result object" (None is a possible result)
#: per-process scope of automatic keys outside any experiment run
_PROCESS_SCOPE = "process"


class Settings:
    """Options of the running instrumentation (see ``QiskitInstrumentor.instrument``)."""

    auto_scope = "run"


settings = Settings()
duplicates = DuplicateTracker()
# orders "the event is queued" against "a fidelity arrives" (both rare, both short)
_fidelity_lock = threading.Lock()


def write(
    tracked: TrackedJob, result: Any, exc: BaseException | None, metrics: Any, submitted: bool
) -> None:
    """Record one job: ``result`` or ``exc`` is its outcome, ``metrics`` the answer of
    ``job.metrics()`` (remote jobs), ``submitted`` False when the SDK rejected it."""
    tel = tracked.tel
    error_type = "none"
    if exc is None and result is not NO_RESULT:
        tracked.remember_origin(result)
        exc = failure_of(result)
    if exc is not None:
        error_type = "job_failed" if isinstance(exc, JobResultError) else classify(exc)
    outcome = "success" if exc is None else "error"
    if error_type == "cancelled":
        outcome = "cancelled"

    shots = executed_shots(result) if result is not NO_RESULT and exc is None else None
    if shots is None and submitted and exc is None:
        shots = tracked.inputs.requested_shots() or _program_shots(tracked.job)
    started, finished, queue, execution, qpu, source = _timing(tracked, metrics, submitted)
    key, duplicate = _idempotency(tracked, submitted)
    cost = None
    if tel.config.price_model and submitted:
        prices = price_model_for(tel.config.price_model, lambda e: tel.internal_error("prices", e))
        cost = prices.cost(tracked.backend, qpu_seconds=qpu, shots=shots)
    trace_id, exemplar = "", None
    submit = tracked.submit_span
    if submit is not None:
        trace_id, exemplar = spans.trace_ids(submit)
    event = build_event(tracked, outcome, error_type, shots, (started, finished),
                        (queue, execution), qpu, cost, key, duplicate, trace_id)  # fmt: skip
    tracer = tel.tracer
    if submit is not None and tracer is not None:
        if not submitted:  # no job was created: the submit span carries the failure
            submit.set_attributes(
                {"quantum.backend.name": tracked.backend, "quantum.primitive": tracked.primitive}
            )
            if exc is not None:
                mark_span_failed(submit, exc, error_type)
            submit.end()
        else:
            attrs = {"qobserve.timing.source": source}
            spans.end_job(tracer, submit, event, attrs, exc, tracked.notes, tracked.finished_at)
    with _fidelity_lock:  # see set_fidelity
        event.fidelity = tracked.fidelity
        tel.record_job(event, exemplar)
        tracked.written = True


def set_fidelity(tracked: TrackedJob, fidelity: float) -> None:
    """Attach a result check's fidelity to the job's event: in the event when it is not yet
    written (a remote job's record waits for its metrics request), else as an update queued
    after it."""
    with _fidelity_lock:
        if not tracked.written:
            tracked.fidelity = fidelity
            return
    store = tracked.tel.store
    if store is not None and tracked.job_id:
        store.set_fidelity(tracked.job_id, fidelity)


def build_event(
    tracked: TrackedJob, outcome: str, error_type: str, shots: int | None = None,
    times: tuple[float | None, float | None] | None = None,
    seconds: tuple[float | None, float | None] | None = None,
    qpu: float | None = None, cost: float | None = None, key: str = "",
    duplicate: bool = False, trace_id: str = "",
) -> JobEvent:  # fmt: skip
    """The job's event; ``times`` are (started, finished), ``seconds`` (queue, execution)."""
    started, finished = times or (None, tracked.finished_at)
    queue, execution = seconds or (None, None)
    num_qubits, depth = tracked.inputs.shape()
    return JobEvent(
        job_id=tracked.job_id,
        experiment=tracked.experiment,
        run_id=tracked.run_id,
        backend=tracked.backend,
        backend_type=tracked.backend_type,
        primitive=tracked.primitive,
        outcome=outcome,
        error_type=error_type,
        submitted_at=tracked.submitted_at,
        started_at=started,
        finished_at=finished,
        queue_seconds=queue,
        execution_seconds=execution,
        duration_seconds=tracked.t_end - tracked.t0,
        shots=shots,
        num_circuits=tracked.inputs.num_circuits,
        num_qubits=num_qubits,
        depth=depth,
        qpu_seconds=qpu,
        cost_usd=cost,
        duplicate=duplicate,
        trace_id=trace_id,
        idempotency_key=key,
    )


def _timing(
    tracked: TrackedJob, metrics: Any, submitted: bool
) -> tuple[float | None, float, float | None, float | None, float | None, str]:
    """(started, finished, queue s, execution s, qpu s, timing source)."""
    finished = tracked.finished_at
    if not submitted:
        return None, finished, None, None, None, "none"
    if tracked.remote:
        t = server_timing(metrics) if metrics is not None else Timing(None, None, None, None)
        if t.started is None:
            return None, finished, None, None, t.qpu_seconds, "none"
        queue = t.started - t.created if t.created is not None else None
        end = t.finished if t.finished is not None else finished
        return (t.started, end, _positive(queue), _positive(end - t.started), t.qpu_seconds,
                "server")  # fmt: skip
    started = tracked.started_at
    if started is None:
        return None, finished, None, None, None, "none"
    return (started, finished, _positive(started - tracked.submitted_at),
            _positive(finished - started), None, "local")  # fmt: skip


def _idempotency(tracked: TrackedJob, submitted: bool) -> tuple[str, bool]:
    if not submitted:
        return "", False  # a rejected submission is not a resubmission target
    key = tracked.key
    store = tracked.tel.store
    if key is not None:
        return key, duplicates.check_and_add(key, "", store)
    scope = settings.auto_scope
    if scope == "off":
        return "", False
    key = AUTO_PREFIX + tracked.inputs.fingerprint(tracked.primitive, tracked.backend)
    scoped = "" if scope == "global" else tracked.run_id or _PROCESS_SCOPE
    return key, duplicates.check_and_add(key, scoped, store)


def _program_shots(job: Any) -> int | None:
    """Shots of a local executor job, from the QuantumProgram it ran."""
    program = getattr(job, "inputs", None)
    shots = getattr(program, "shots", None)
    items = getattr(program, "items", None)
    if isinstance(shots, int) and items is not None:
        return shots * len(items)
    return None


def _positive(value: float | None) -> float | None:
    return None if value is None else max(value, 0.0)
