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

import atexit
import concurrent.futures
import contextlib
import threading
import time
import weakref
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace

from qobserve import contract
from qobserve.context import NO_EXPERIMENT, current_run
from qobserve.errors import classify
from qobserve.instrument import backends, finisher, hooks, record, spans
from qobserve.instrument.idempotency import explicit_key
from qobserve.instrument.inputs import Inputs
from qobserve.instrument.record import NO_RESULT
from qobserve.telemetry import Telemetry

_FINAL = frozenset({"DONE", "ERROR", "CANCELLED"})
# errors of RuntimeJobV2.result() that mean the job itself ended (others are the client's)
_FINAL_ERRORS = frozenset(
    {"RuntimeJobFailureError", "RuntimeJobMaxTimeoutError", "RuntimeInvalidStateError"}
)
# set.add/discard and list(set) are atomic under the GIL: no lock on the submit path
_inflight: set[TrackedJob] = set()
_exit_lock = threading.Lock()
_exit_hooked = False
# result object (and its pub results) -> the job that returned it, for compare()
_origins: weakref.WeakKeyDictionary[Any, TrackedJob] = weakref.WeakKeyDictionary()


def origin_of(result: Any) -> TrackedJob | None:
    """The instrumented job that returned ``result`` (or the result ``result`` is a pub of)."""
    try:
        return _origins.get(result)
    except TypeError:  # not weak-referenceable
        return None


class TrackedJob:
    """The telemetry of one job; see the module docstring."""

    __slots__ = (
        "backend", "backend_type", "client_error", "done", "experiment", "fidelity",
        "finished_at", "future", "hooks", "inputs", "job", "job_id", "key", "lock", "notes",
        "primitive", "remote", "run_id", "started_at", "submit_span", "submitted_at", "t0",
        "t_end", "tel", "written",
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
        self.hooks: tuple[hooks.Hook, ...] = ()
        self.client_error: BaseException | None = None
        self.fidelity: float | None = None  # from compare(), when it runs before the record
        self.written = False  # the job's event is queued in the store
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
        get_id = getattr(job, "job_id", None)
        self.job_id = job_id = str(get_id() if callable(get_id) else get_id or "")
        if self.submit_span is not None:
            spans.end_submit(self.submit_span, job_id)
        self.tel.metrics.inc(contract.JOBS_IN_FLIGHT, (self.backend,))
        self.job = job  # from here on, finishing releases what the lines above took
        _inflight.add(self)
        future = getattr(job, "_future", None)
        if isinstance(future, concurrent.futures.Future):
            self.future = future
        else:
            self.remote = callable(getattr(job, "metrics", None))
        self.hooks = hooks.install(self, job)
        if self.future is not None:  # runs at once if the job is already done
            self.future.add_done_callback(self._future_done)

    def submit_failed(self, exc: BaseException) -> None:
        """The submit call raised ``exc``: record a failed job without an id. Never raises."""
        try:
            with self.lock:
                if self._claim():  # no job object: nothing to release
                    self.record(exc=exc, submitted=False)
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

    def _conclude(self, **outcome: Any) -> None:
        """A final outcome was seen: a local job's future says what it is, precisely."""
        if self.future is not None:
            self._finish_from_future()
        else:
            self.finish(**outcome)

    def observed_result(self, value: Any) -> None:
        self.remember_origin(value)
        self._conclude(result=value)

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
        if name in _FINAL:
            self._conclude(status=name)

    def observed_cancel(self, value: Any) -> None:
        if self.future is not None or value is not False:  # False: nothing was cancelled
            self._conclude(status="CANCELLED")

    def remember_origin(self, value: Any) -> None:
        """Note that ``value`` is this job's result (for ``compare()``), and so are its pub
        results when it is a ``PrimitiveResult``."""
        if value is None or value is NO_RESULT:
            return
        with contextlib.suppress(TypeError):  # not weak-referenceable
            _origins[value] = self
            if type(value).__name__ == "PrimitiveResult":
                for pub in value:
                    _origins[pub] = self

    # -- finishing -------------------------------------------------------------------------------
    def finish(self, *, result: Any = NO_RESULT, exc: BaseException | None = None,
               status: str | None = None) -> None:  # fmt: skip
        """Record the outcome once; later calls return after the first one is recorded."""
        with self.lock:
            if not self._claim():
                return
            if exc is None and status is not None:
                exc = self._status_error(status)
            if self.remote and self.tel.config.job_metrics:
                # one metrics() request, off the caller's thread; the record follows it
                finisher.submit(self, result, exc)
                return
            self.record(result=result, exc=exc)

    def finish_with_metrics(self, result: Any, exc: BaseException | None) -> None:
        """Called by :mod:`finisher`: fetch ``job.metrics()`` once, then record."""
        metrics = None
        try:
            metrics = self.job.metrics()
        except Exception as err:
            self.tel.metrics.inc(contract.TELEMETRY_INCOMPLETE_TOTAL, ("job_metrics_failed",))
            self._note("job.metrics() failed", {"exception.type": type(err).__name__})
        self.record(result=result, exc=exc, metrics=metrics)

    def abandon(self) -> None:
        """The process is ending with the job unfinished: record what the caller last saw,
        or count the job's telemetry as incomplete."""
        with self.lock:
            if not self._claim():
                return
            if self.client_error is not None:
                self.record(exc=self.client_error)
                return
            self.tel.metrics.inc(contract.TELEMETRY_INCOMPLETE_TOTAL, ("unfinished",))
            tracer = self.tel.tracer
            if tracer is not None and self.submit_span is not None:
                event = record.build_event(self, "", "none")
                attrs = {"qobserve.incomplete": True, "qobserve.timing.source": "none"}
                spans.end_job(tracer, self.submit_span, event, attrs, None, self.notes,
                              self.finished_at)  # fmt: skip

    def _note(self, name: str, attributes: dict[str, Any]) -> None:
        if self.submit_span is not None:
            self.notes.append((name, attributes, time.time_ns()))

    def _claim(self) -> bool:
        """With ``self.lock`` held: True for the one caller that records the outcome, which
        stops the clock and releases the job (hooks, in-flight)."""
        if self.done:
            return False
        self.done = True
        self.t_end = time.perf_counter()
        self.finished_at = time.time()
        self._release()
        return True

    def _release(self) -> None:
        """Unhook the job instance and leave the in-flight set."""
        job = self.job
        if job is None:
            return
        hooks.remove(job, self.hooks)
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
    def record(
        self, *, result: Any = NO_RESULT, exc: BaseException | None = None, metrics: Any = None,
        submitted: bool = True,
    ) -> None:  # fmt: skip
        """Write the job's event, metrics and spans (see :mod:`record`); never raises."""
        try:
            record.write(self, result, exc, metrics, submitted)
        except Exception as err:
            self.tel.internal_error("instrument", err)
            self.tel.metrics.inc(contract.TELEMETRY_INCOMPLETE_TOTAL, ("record_failed",))


def in_flight() -> list[TrackedJob]:
    """Jobs submitted and not finished yet (in no particular order)."""
    return list(_inflight)


def ensure_exit_hook() -> None:
    """Register :func:`at_exit` once. Called on the first submission, after the telemetry is
    configured, so that it runs before the telemetry's own exit hook (atexit is LIFO) and its
    records still reach the store and the exporter."""
    global _exit_hooked
    if _exit_hooked:
        return
    with _exit_lock:
        if not _exit_hooked:
            atexit.register(at_exit)
            _exit_hooked = True


def at_exit() -> None:
    """Record remote jobs still being finished, then account for unfinished ones."""
    finisher.flush(10.0)
    abandon_all()


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
    # the SDK is untyped: its exceptions are Any to mypy
    failure: BaseException = (
        RuntimeJobMaxTimeoutError(reason)
        if code == 1305
        else RuntimeJobFailureError(f"Unable to retrieve job result. {reason}")
    )
    return failure
