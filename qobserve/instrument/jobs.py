"""One submitted job, from the submit call until its outcome is recorded, exactly once.

A :class:`TrackedJob` is created per instrumented submission. When the SDK returns the job
object, the tracker hooks *that instance* (not its class): ``result``, ``status`` and
``cancel`` become instance attributes that call the class's methods and report what they
saw. Local jobs (fake backends, Aer, local testing mode) also run on a
``concurrent.futures.Future``; a done-callback on it records the outcome as soon as the
worker finishes, even when nobody calls ``result()``. Whichever sees the outcome first
records it, under a lock, so a ``result()`` or ``status()`` that returns a final answer
returns after the job's metrics, span and event are written. Then the hooks are removed and
the job object is exactly as the SDK made it.

Outcomes: the exception of ``result()`` or of the future, a final ``status()`` (``ERROR`` is
classified from the job's failure reason), a successful ``cancel()``, or a ``Result`` whose
``success`` is false (``job_failed``). A client-side error while waiting (a ``result(timeout)``
that expired, a failed status poll) does not end the job: it is remembered and becomes the
outcome only if the job never finishes before the process exits. Jobs still unfinished then
count in ``quantum_telemetry_incomplete_total{reason="unfinished"}``.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import threading
import time
import weakref
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace

from qobserve import contract
from qobserve.context import NO_EXPERIMENT, current_run
from qobserve.errors import classify
from qobserve.events import JobEvent
from qobserve.experiment import _mark_failed
from qobserve.instrument import backends, finisher, spans
from qobserve.instrument.idempotency import AUTO_PREFIX, DuplicateTracker, explicit_key
from qobserve.instrument.inputs import Inputs
from qobserve.instrument.pricing import price_model_for
from qobserve.instrument.results import JobResultError, executed_shots, failure_of
from qobserve.instrument.timing import Timing, server_timing
from qobserve.telemetry import Telemetry

_FINAL = frozenset({"DONE", "ERROR", "CANCELLED"})
_NONE: Any = object()  # "no result" (None is a possible result)
# errors of RuntimeJobV2.result() that mean the job itself ended (others are the client's)
_FINAL_ERRORS = frozenset(
    {"RuntimeJobFailureError", "RuntimeJobMaxTimeoutError", "RuntimeInvalidStateError"}
)
#: set while a hooked ``result()`` runs: its own status polls are not separate observations
_IN_RESULT: ContextVar[bool] = ContextVar("qobserve_in_result", default=False)
#: per-process scope of automatic keys outside any experiment run
_PROCESS_SCOPE = "process"


class Settings:
    """Options of the running instrumentation (see ``QiskitInstrumentor.instrument``)."""

    auto_scope = "run"


settings = Settings()
duplicates = DuplicateTracker()
# set.add/discard and list(set) are atomic under the GIL: no lock on the submit path
_inflight: set[TrackedJob] = set()
# result object -> (backend name, backend type) of the job that produced it, for compare()
_origins: weakref.WeakKeyDictionary[Any, tuple[str, str]] = weakref.WeakKeyDictionary()


def origin_of(result: Any) -> tuple[str, str] | None:
    """(backend name, backend type) of the instrumented job that returned ``result``."""
    try:
        return _origins.get(result)
    except TypeError:  # not weak-referenceable
        return None


class TrackedJob:
    """The telemetry of one job; see the module docstring."""

    __slots__ = (
        "backend", "backend_type", "client_error", "done", "experiment", "finished_at",
        "future", "hooks", "inputs", "job", "job_id", "key", "lock", "notes", "primitive",
        "remote", "run_id", "started_at", "submit_span", "submitted_at", "t0", "t_end", "tel",
    )  # fmt: skip

    def __init__(
        self, tel: Telemetry, primitive: str, backend: Any, inputs: Inputs, tags: Any = None
    ) -> None:
        self.tel = tel
        self.primitive = primitive
        self.backend = name = backends.backend_name(backend)
        self.backend_type = kind = backends.backend_type(backend)
        backends.remember(name, kind)
        self.inputs = inputs
        run = current_run()
        self.experiment = run.experiment if run is not None else NO_EXPERIMENT
        self.run_id = run.run_id if run is not None else ""
        self.key = explicit_key(tags)
        self.job: Any = None
        self.job_id = ""
        self.future: concurrent.futures.Future[Any] | None = None
        self.remote = False
        self.done = False
        self.lock = threading.Lock()
        self.hooks: tuple[_Hook, ...] = ()
        self.client_error: BaseException | None = None
        self.started_at: float | None = None
        self.finished_at = 0.0
        self.t_end = 0.0
        self.notes: list[spans.Note] = []
        tracer = tel.tracer
        self.submit_span: Any = (
            tracer.start_span(f"submit {primitive} {name}", kind=spans.CLIENT)
            if tracer is not None
            else None
        )
        self.submitted_at = time.time()
        self.t0 = time.perf_counter()

    # -- submission ----------------------------------------------------------------------------
    def submitted(self, job: Any) -> None:
        """The SDK returned ``job``: hook it and wait for its outcome. Never raises."""
        try:
            self._submitted(job)
        except Exception as exc:
            self.tel.internal_error("instrument", exc)

    def _submitted(self, job: Any) -> None:
        self.job = job
        get_id = getattr(job, "job_id", None)
        self.job_id = job_id = str(get_id() if callable(get_id) else get_id or "")
        if self.submit_span is not None:
            spans.end_submit(self.submit_span, job_id)
        self.tel.metrics.inc(contract.JOBS_IN_FLIGHT, (self.backend,))
        _inflight.add(self)
        future = getattr(job, "_future", None)
        if isinstance(future, concurrent.futures.Future):
            self.future = future
        else:
            self.remote = callable(getattr(job, "metrics", None))
        hooks = []
        for kind in _HOOKED:
            original = getattr(job, kind, None)
            if callable(original):
                hook = _Hook(self, kind, original)
                setattr(job, kind, hook)
                hooks.append(hook)
        self.hooks = tuple(hooks)
        if self.future is not None:  # runs at once if the job is already done
            self.future.add_done_callback(self._future_done)

    def submit_failed(self, exc: BaseException) -> None:
        """The submit call raised ``exc``: record a failed job without an id. Never raises."""
        try:
            with self.lock:
                self.done = True
                self._stop_clock()
                self._record(exc=exc, submitted=False)
        except Exception as err:
            self.tel.internal_error("instrument", err)

    def activate(self) -> object:
        """Make the submit span current (for spans the SDK call may create); a token."""
        span = self.submit_span
        return None if span is None else otel_context.attach(trace.set_span_in_context(span))

    def deactivate(self, token: object) -> None:
        if token is not None:
            otel_context.detach(token)  # type: ignore[arg-type]

    def mark_started(self) -> None:
        """A worker began executing the job (local jobs; the first call counts)."""
        if self.started_at is None:
            self.started_at = time.time()

    # -- observations from the hooks and the future ---------------------------------------------
    def _future_done(self, future: concurrent.futures.Future[Any]) -> None:
        try:
            self._finish_from_future()
        except Exception as exc:
            self.tel.internal_error("instrument", exc)

    def _finish_from_future(self) -> None:
        future = self.future
        if future is None or not future.done():
            return
        if future.cancelled():
            self.finish(exc=concurrent.futures.CancelledError())
            return
        exc = future.exception()
        if exc is not None:
            self.finish(exc=exc)
        else:
            self.finish(result=future.result())

    def observed_result(self, value: Any) -> None:
        self._remember_origin(value)
        if self.future is not None:
            self._finish_from_future()
        else:
            self.finish(result=value)

    def observed_error(self, exc: BaseException) -> None:
        if self.future is not None:
            if self.future.done():
                self._finish_from_future()
                return
        elif any(cls.__name__ in _FINAL_ERRORS for cls in type(exc).__mro__):
            self.finish(exc=exc)
            return
        self.observed_poll_error(exc)

    def observed_poll_error(self, exc: BaseException) -> None:
        """The job goes on; remember what the caller saw meanwhile."""
        self.client_error = exc
        self._note(
            "client error", {"error.type": classify(exc), "exception.type": type(exc).__name__}
        )

    def observed_status(self, status: Any) -> None:
        name = _status_name(status)
        if name not in _FINAL:
            return
        if self.future is not None:
            self._finish_from_future()
        else:
            self.finish(status=name)

    def observed_cancel(self, value: Any) -> None:
        if self.future is not None:
            self._finish_from_future()
        elif value is not False:
            self.finish(status="CANCELLED")

    def _remember_origin(self, value: Any) -> None:
        if value is not None and value is not _NONE:
            with contextlib.suppress(TypeError):  # not weak-referenceable
                _origins[value] = (self.backend, self.backend_type)

    # -- finishing -------------------------------------------------------------------------------
    def finish(self, *, result: Any = _NONE, exc: BaseException | None = None,
               status: str | None = None) -> None:  # fmt: skip
        """Record the outcome once; later calls return after the first one is recorded."""
        with self.lock:
            if self.done:
                return
            self.done = True
            self._stop_clock()
            self._release()
            if exc is None and status is not None:
                exc = self._status_error(status)
            if self.remote and self.tel.config.job_metrics:
                # one metrics() request, off the caller's thread; the record follows it
                finisher.submit(self, result, exc)
                return
            self._record(result=result, exc=exc)

    def finish_with_metrics(self, result: Any, exc: BaseException | None) -> None:
        """Called by :mod:`finisher`: fetch ``job.metrics()`` once, then record."""
        metrics = None
        try:
            metrics = self.job.metrics()
        except Exception as err:
            self.tel.metrics.inc(contract.TELEMETRY_INCOMPLETE_TOTAL, ("job_metrics_failed",))
            self._note("job.metrics() failed", {"exception.type": type(err).__name__})
        self._record(result=result, exc=exc, metrics=metrics)

    def abandon(self) -> None:
        """The process is ending with the job unfinished: record what the caller last saw,
        or count the job's telemetry as incomplete."""
        with self.lock:
            if self.done:
                return
            self.done = True
            self._stop_clock()
            self._release()
            if self.client_error is not None:
                self._record(exc=self.client_error)
                return
            self.tel.metrics.inc(contract.TELEMETRY_INCOMPLETE_TOTAL, ("unfinished",))
            tracer = self.tel.tracer
            if tracer is not None and self.submit_span is not None:
                event = self._event("", "none", None, None, None, None, None, "", False)
                attrs = {"qobserve.incomplete": True, "qobserve.timing.source": "none"}
                spans.end_job(tracer, self.submit_span, event, attrs, None, self.notes,
                              self.finished_at)  # fmt: skip

    def _note(self, name: str, attributes: dict[str, Any]) -> None:
        if self.submit_span is not None:
            self.notes.append((name, attributes, time.time_ns()))

    def _stop_clock(self) -> None:
        self.t_end = time.perf_counter()
        self.finished_at = time.time()

    def _release(self) -> None:
        """Unhook the job instance and leave the in-flight set."""
        job = self.job
        if job is None:
            return
        state = getattr(job, "__dict__", {})
        for hook in self.hooks:
            if state.get(hook.kind) is hook:
                del state[hook.kind]
        self.hooks = ()
        _inflight.discard(self)
        self.tel.metrics.dec(contract.JOBS_IN_FLIGHT, (self.backend,))

    def _status_error(self, status: str) -> BaseException | None:
        if status == "CANCELLED":
            return concurrent.futures.CancelledError()
        if status != "ERROR":
            return None
        job = self.job
        reason = getattr(job, "_reason", None) or getattr(job, "_error_message", None) or ""
        code = getattr(job, "_reason_code", None)
        return _sdk_failure(str(reason), code)

    # -- recording -------------------------------------------------------------------------------
    def _record(
        self, *, result: Any = _NONE, exc: BaseException | None = None, metrics: Any = None,
        submitted: bool = True,
    ) -> None:  # fmt: skip
        try:
            self._write(result, exc, metrics, submitted)
        except Exception as err:
            self.tel.internal_error("instrument", err)
            self.tel.metrics.inc(contract.TELEMETRY_INCOMPLETE_TOTAL, ("record_failed",))

    def _write(self, result: Any, exc: BaseException | None, metrics: Any, submitted: bool) -> None:
        tel = self.tel
        error_type = "none"
        if exc is None and result is not _NONE:
            self._remember_origin(result)
            exc = failure_of(result)
        if exc is not None:
            error_type = "job_failed" if isinstance(exc, JobResultError) else classify(exc)
        outcome = "success" if exc is None else "error"
        if error_type == "cancelled":
            outcome = "cancelled"

        shots = executed_shots(result) if result is not _NONE and exc is None else None
        if shots is None and submitted and exc is None:
            shots = self.inputs.requested_shots() or _program_shots(self.job)
        started, finished, queue, execution, qpu, source = self._timing(metrics, submitted)
        key, duplicate = self._idempotency(submitted)
        cost = None
        if tel.config.price_model and submitted:
            prices = price_model_for(
                tel.config.price_model, lambda e: tel.internal_error("prices", e)
            )
            cost = prices.cost(self.backend, qpu_seconds=qpu, shots=shots)
        trace_id, exemplar = "", None
        submit = self.submit_span
        if submit is not None:
            trace_id, exemplar = spans.trace_ids(submit)
        event = self._event(outcome, error_type, shots, (started, finished), (queue, execution),
                            qpu, cost, key, duplicate, trace_id)  # fmt: skip
        tracer = tel.tracer
        if submit is not None and tracer is not None:
            if not submitted:  # no job was created: the submit span carries the failure
                submit.set_attributes(
                    {"quantum.backend.name": self.backend, "quantum.primitive": self.primitive}
                )
                if exc is not None:
                    _mark_failed(submit, exc, error_type)
                submit.end()
            else:
                attrs = {"qobserve.timing.source": source}
                spans.end_job(tracer, submit, event, attrs, exc, self.notes, self.finished_at)
        tel.record_job(event, exemplar)

    def _event(
        self, outcome: str, error_type: str, shots: int | None,
        times: tuple[float | None, float | None] | None = None,
        seconds: tuple[float | None, float | None] | None = None,
        qpu: float | None = None, cost: float | None = None, key: str = "",
        duplicate: bool = False, trace_id: str = "",
    ) -> JobEvent:  # fmt: skip
        started, finished = times or (None, self.finished_at)
        queue, execution = seconds or (None, None)
        num_qubits, depth = self.inputs.shape()
        return JobEvent(
            job_id=self.job_id,
            experiment=self.experiment,
            run_id=self.run_id,
            backend=self.backend,
            backend_type=self.backend_type,
            primitive=self.primitive,
            outcome=outcome,
            error_type=error_type,
            submitted_at=self.submitted_at,
            started_at=started,
            finished_at=finished,
            queue_seconds=queue,
            execution_seconds=execution,
            duration_seconds=self.t_end - self.t0,
            shots=shots,
            num_circuits=self.inputs.num_circuits,
            num_qubits=num_qubits,
            depth=depth,
            qpu_seconds=qpu,
            cost_usd=cost,
            duplicate=duplicate,
            trace_id=trace_id,
            idempotency_key=key,
        )

    def _timing(
        self, metrics: Any, submitted: bool
    ) -> tuple[float | None, float, float | None, float | None, float | None, str]:
        """(started, finished, queue s, execution s, qpu s, timing source)."""
        finished = self.finished_at
        if not submitted:
            return None, finished, None, None, None, "none"
        if self.remote:
            t = server_timing(metrics) if metrics is not None else Timing(None, None, None, None)
            if t.started is None:
                return None, finished, None, None, t.qpu_seconds, "none"
            queue = t.started - t.created if t.created is not None else None
            end = t.finished if t.finished is not None else finished
            return (
                t.started,
                end,
                _positive(queue),
                _positive(end - t.started),
                t.qpu_seconds,
                ("server"),
            )
        started = self.started_at
        if started is None:
            return None, finished, None, None, None, "none"
        return (started, finished, _positive(started - self.submitted_at),
                _positive(finished - started), None, "local")  # fmt: skip

    def _idempotency(self, submitted: bool) -> tuple[str, bool]:
        if not submitted:
            return "", False  # a rejected submission is not a resubmission target
        key = self.key
        if key is not None:
            return key, duplicates.check_and_add(key, "", self.tel.store)
        scope = settings.auto_scope
        if scope == "off":
            return "", False
        key = AUTO_PREFIX + self.inputs.fingerprint(self.primitive, self.backend)
        scoped = "" if scope == "global" else self.run_id or _PROCESS_SCOPE
        return key, duplicates.check_and_add(key, scoped, self.tel.store)


class _Hook:
    """A job method replaced on one instance: calls the original and reports to the tracker."""

    __slots__ = ("__wrapped__", "kind", "tracked")

    def __init__(self, tracked: TrackedJob, kind: str, original: Callable[..., Any]) -> None:
        self.tracked = tracked
        self.kind = kind
        self.__wrapped__ = original

    def __getattr__(self, name: str) -> Any:  # __name__, __doc__, ... of the original
        if name == "__wrapped__":
            raise AttributeError(name)
        return getattr(self.__wrapped__, name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        kind, tracked = self.kind, self.tracked
        if kind == "result":
            token = _IN_RESULT.set(True)
            try:
                value = self.__wrapped__(*args, **kwargs)
            except BaseException as exc:
                _IN_RESULT.reset(token)
                _report(tracked.observed_error, tracked, exc)
                raise
            _IN_RESULT.reset(token)
            _report(tracked.observed_result, tracked, value)
            return value
        if kind == "status":
            try:
                value = self.__wrapped__(*args, **kwargs)
            except BaseException as exc:  # a failed poll: the caller's error, not the job's
                if not _IN_RESULT.get():
                    _report(tracked.observed_poll_error, tracked, exc)
                raise
            if not _IN_RESULT.get():
                _report(tracked.observed_status, tracked, value)
            return value
        value = self.__wrapped__(*args, **kwargs)  # a cancel() that raises cancelled nothing
        _report(tracked.observed_cancel, tracked, value)
        return value


_HOOKED = ("result", "status", "cancel")


def _report(observe: Callable[[Any], None], tracked: TrackedJob, value: Any) -> None:
    try:
        observe(value)
    except Exception as exc:  # telemetry never reaches the caller
        tracked.tel.internal_error("instrument", exc)


def in_flight() -> list[TrackedJob]:
    """Jobs submitted and not finished yet (in no particular order)."""
    return list(_inflight)


def abandon_all() -> None:
    """Record every unfinished job as abandoned (at exit)."""
    for tracked in in_flight():
        try:
            tracked.abandon()
        except Exception as exc:
            tracked.tel.internal_error("instrument", exc)


def _status_name(status: Any) -> str:
    name = getattr(status, "name", None)
    return name if isinstance(name, str) else str(status).upper()


def _sdk_failure(reason: str, code: Any) -> BaseException:
    """The exception ``RuntimeJobV2.result()`` raises for a job in state ERROR."""
    try:
        from qiskit_ibm_runtime.exceptions import RuntimeJobFailureError, RuntimeJobMaxTimeoutError
    except ImportError:
        return RuntimeError(reason or "job failed")
    if code == 1305:
        return RuntimeJobMaxTimeoutError(reason)
    return RuntimeJobFailureError(f"Unable to retrieve job result. {reason}")


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
