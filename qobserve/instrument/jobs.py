"""One submitted job, from the submit call until its outcome is recorded, exactly once.

A :class:`TrackedJob` is created per instrumented submission, from the :class:`Submission`
an SDK's describe function read. When the SDK returns the job handle, the tracker hooks *that
instance* (not its class): the methods the adapter names (``result``, ``status``, ``cancel``)
become instance attributes that call the class's methods and report what they saw. Local jobs
also run on a ``concurrent.futures.Future``; a done-callback on it records the outcome as soon
as the worker finishes, even when nobody calls ``result()``. Whichever sees the outcome first
records it, under a lock, so a ``result()`` or ``status()`` that returns a final answer
returns after the job's metrics, span and event are written. Then the hooks are removed and
the job object is exactly as the SDK made it.

Outcomes: the exception of ``result()`` or of the future, a final status (``ERROR`` is
classified from the adapter's :meth:`~qobserve.instrument.adapter.Adapter.status_failure`), a
successful ``cancel()``, or a result that reports failure (``job_failed``). A client-side
error while waiting (a ``result(timeout)`` that expired, a failed status poll) does not end
the job: it is remembered and becomes the outcome only if the job never finishes before the
process exits. Jobs still unfinished then count in
``quantum_telemetry_incomplete_total{reason="unfinished"}``.

The tracker collects the job's facts into one immutable
:class:`~qobserve.instrument.observation.JobObservation`, which
:class:`~qobserve.instrument.recorder.Recorder` writes.
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace

from qobserve import contract
from qobserve.context import NO_EXPERIMENT, current_run
from qobserve.errors import classify
from qobserve.instrument import hooks
from qobserve.instrument.adapter import CANCELLED, ERROR, NO_TIMING, Submission
from qobserve.instrument.idempotency import AUTO_PREFIX, DUPLICATE, NEW, RETRY, explicit_key
from qobserve.instrument.observation import JobObservation, Note
from qobserve.instrument.recorder import CLIENT, Recorder, end_submit
from qobserve.instrument.results import error_type_of
from qobserve.instrument.timing import Timing
from qobserve.telemetry import Telemetry

NO_RESULT: Any = object()  # "no result object" (None is a possible result)
#: scope of automatic keys outside any experiment run
_PROCESS_SCOPE = "process"


class TrackedJob:
    """The telemetry of one job; see the module docstring."""

    __slots__ = (
        "adapter", "auto_scope", "client_error", "done", "experiment", "fidelity", "finished_at",
        "future", "hooks", "job", "job_id", "key", "key_scope", "kind", "lock", "notes",
        "queue_position", "remote", "run_id", "started_at", "state", "submission", "submit_span",
        "submitted_at", "t0", "t_end", "tel", "written",
    )  # fmt: skip

    def __init__(self, tel: Telemetry, submission: Submission, auto_scope: str = "run") -> None:
        self.tel = tel
        self.state = tel.instrumentation
        self.submission = submission
        self.adapter = submission.adapter
        self.auto_scope = auto_scope
        self.state.remember_backend(submission.backend, submission.backend_type)
        run = current_run()
        self.experiment = run.experiment if run is not None else NO_EXPERIMENT
        self.run_id = run.run_id if run is not None else ""
        self.key, self.key_scope = self._key(explicit_key(submission.tags))
        self.kind = NEW  # new, duplicate or retry: decided by claim_key() at submission
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
        self.queue_position: int | None = None
        self.finished_at = 0.0
        self.t_end = 0.0
        self.notes: list[Note] = []
        tracer = tel.tracer
        server = submission.server
        self.submit_span: Any = (
            tracer.start_span(
                f"submit {submission.primitive} {submission.backend}",
                kind=CLIENT,
                attributes={"server.address": server[0], "server.port": server[1]}
                if server
                else None,
            )
            if tracer is not None
            else None
        )
        self.submitted_at = time.time()
        self.t0 = time.perf_counter()

    def _key(self, explicit: str | None) -> tuple[str, str]:
        """(idempotency key, its scope): "" for global keys, else the run or the process."""
        if explicit is not None:
            return explicit, ""
        if self.auto_scope == "off":
            return "", ""
        submission = self.submission
        work, options = submission.work, submission.options
        key = AUTO_PREFIX + work.fingerprint(submission.primitive, submission.backend, options)
        return key, "" if self.auto_scope == "global" else self.run_id or _PROCESS_SCOPE

    def claim_key(self) -> None:
        """Decide, at submission, whether this job repeats one already made."""
        if self.key:
            self.kind = self.state.duplicates.submitted(self.key, self.key_scope, self.tel.store)

    def _settle_key(self, outcome: str, submitted: bool) -> None:
        """The job's outcome is known: what later submissions of its key are."""
        if not self.key or self.kind == DUPLICATE:
            return
        duplicates = self.state.duplicates
        if not submitted:  # rejected by the SDK: it never claimed its key
            duplicates.withdraw(self.key, self.key_scope, self.kind)
        else:
            duplicates.finished(self.key, self.key_scope, outcome == "success")

    @property
    def backend(self) -> str:
        """The backend's name."""
        return self.submission.backend

    @property
    def provider(self) -> str:
        """Who runs the backend: the submission's, else the adapter's SDK."""
        return self.submission.provider or self.adapter.sdk

    @property
    def backend_type(self) -> str:
        """``qpu``, ``emulator`` or ``simulator``."""
        return self.submission.backend_type

    # -- submission ----------------------------------------------------------------------------
    def submitted(self, job: Any) -> None:
        """The SDK returned ``job``: hook it and wait for its outcome. Never raises."""
        try:
            self._submitted(job)
        except Exception as exc:
            self.tel.internal_error("instrument", exc)

    def _submitted(self, job: Any) -> None:
        adapter = self.adapter
        self.job_id = adapter.job_id(job)
        if self.submit_span is not None:
            end_submit(self.submit_span, self.job_id)
        self.tel.metrics.inc(contract.JOBS_IN_FLIGHT, (self.backend, self.provider))
        self.job = job  # from here on, finishing releases what the lines above took
        self.state.started(self)
        self.future = adapter.future(job)
        if self.future is None:
            self.remote = adapter.is_remote(job)
        self.hooks = hooks.install(self, job, adapter.methods)
        if self.future is not None:  # runs at once if the job is already done
            self.future.add_done_callback(self._future_done)

    def returned(self, result: Any) -> None:
        """A synchronous call returned its result: record it now. Never raises."""
        try:
            self.job_id = self.adapter.job_id(result)
            if self.submit_span is not None:
                end_submit(self.submit_span, self.job_id)
            with self.lock:
                if self._claim():
                    self.record(result=result)
        except Exception as exc:
            self.tel.internal_error("instrument", exc)

    def submit_failed(self, exc: BaseException, *, submitted: bool = False) -> None:
        """The submit call raised ``exc``: record a failed job without an id (``submitted``:
        a synchronous call, whose job ran and failed). Never raises."""
        try:
            if submitted and self.submit_span is not None:
                end_submit(self.submit_span, "")
            with self.lock:
                if self._claim():  # no job object: nothing to release
                    self.record(exc=exc, submitted=submitted)
        except Exception as err:
            self.tel.internal_error("instrument", err)

    def refused(self) -> None:
        """A pre-submission hook refused the submission: end the submit span, nothing else."""
        span = self.submit_span
        if span is not None:
            span.set_attribute("qobserve.submission.refused", True)
            span.end()

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
    def _future_done(self, _future: concurrent.futures.Future[Any]) -> None:
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
        if not self.adapter.result_final(self.job, value):
            self.observed_poll_error(TimeoutError("result() returned before the job ended"))
            return
        self.remember_origin(value)
        self._conclude(result=value)

    def observed_error(self, exc: BaseException) -> None:
        if self.future is not None:
            if self.future.done():
                self._finish_from_future()
                return
        elif self.adapter.ends_job(exc):
            self.finish(exc=exc)
            return
        self.observed_poll_error(exc)

    def observed_poll_error(self, exc: BaseException) -> None:
        """The job goes on; remember what the caller saw meanwhile."""
        self.client_error = exc
        self._note(
            "client error", {"error.type": classify(exc), "exception.type": type(exc).__name__}
        )

    def observed_status(self, value: Any) -> None:
        status = self.adapter.final_status(value)
        if status is not None:
            self._conclude(status=status)

    def observed_progress(self, value: Any) -> None:
        """A poll's answer: the first one that says running starts the execution (measured
        locally), a new queue position is noted on the job span."""
        running, position = self.adapter.progress(value)
        if running:
            self.mark_started()
        if position is not None and position != self.queue_position:
            self.queue_position = position
            self._note("queue position", {"quantum.job.queue_position": position})

    def observed_cancel(self, value: Any) -> None:
        if self.future is not None or self.adapter.cancelled(value):
            self._conclude(status=CANCELLED)

    def remember_origin(self, value: Any) -> None:
        """Note that ``value`` is this job's result (for ``compare()``), and so are its pub
        results when it is a ``PrimitiveResult``."""
        if value is None or value is NO_RESULT:
            return
        self.state.remember_origin(value, self)
        if type(value).__name__ == "PrimitiveResult":
            for pub in value:
                self.state.remember_origin(pub, self)

    def set_fidelity(self, fidelity: float) -> None:
        """Attach a result check's fidelity to the job's event: in the event when it is not yet
        written (a remote job's record waits for its timing request), else as an update queued
        after it."""
        with self.lock:
            if not self.written:
                self.fidelity = fidelity
                return
        store = self.tel.store
        if store is not None and self.job_id:
            store.set_fidelity(self.job_id, fidelity)

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
                # one timing request, off the caller's thread; the record follows it
                self.state.finisher.submit(self, result, exc)
                return
            self.record(result=result, exc=exc)

    def finish_with_timing(self, result: Any, exc: BaseException | None) -> None:
        """Called by the finisher: fetch the server's timing once, then record."""
        timing = NO_TIMING
        try:
            timing = self.adapter.server_timing(self.job)
        except Exception as err:
            self.tel.metrics.inc(contract.TELEMETRY_INCOMPLETE_TOTAL, ("job_metrics_failed",))
            self._note("job.metrics() failed", {"exception.type": type(err).__name__})
        with self.lock:
            self.record(result=result, exc=exc, timing=timing)

    def abandon(self) -> None:
        """The process is ending with the job unfinished: record what the caller last saw,
        else store the job as ``unfinished`` (``qobserve events reconcile`` records its outcome
        later) and count its telemetry as incomplete."""
        with self.lock:
            if not self._claim():
                return
            if self.client_error is not None:
                self.record(exc=self.client_error)
                return
            self.tel.metrics.inc(contract.TELEMETRY_INCOMPLETE_TOTAL, ("unfinished",))
            try:
                Recorder(self.tel).record(
                    self._observe("unfinished", "none", None, incomplete=True)
                )
            except Exception as err:
                self.tel.internal_error("instrument", err)

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
        self.state.ended(self)
        self.tel.metrics.dec(contract.JOBS_IN_FLIGHT, (self.backend, self.provider))

    def _status_error(self, status: str) -> BaseException | None:
        if status == CANCELLED:
            return concurrent.futures.CancelledError()
        if status == ERROR:
            return self.adapter.status_failure(self.job)
        return None

    # -- recording -------------------------------------------------------------------------------
    def record(
        self, *, result: Any = NO_RESULT, exc: BaseException | None = None,
        timing: Timing = NO_TIMING, submitted: bool = True,
    ) -> None:  # fmt: skip
        """With ``self.lock`` held: observe the outcome and write it; never raises."""
        try:
            if exc is None and result is not NO_RESULT:
                self.remember_origin(result)
                exc = self.adapter.result_failure(self.job, result)
            error_type = "none" if exc is None else error_type_of(exc)
            outcome = "success" if exc is None else "error"
            if error_type == "cancelled":
                outcome = "cancelled"
            shots = None
            if exc is None and submitted:
                if result is not NO_RESULT:
                    shots = self.adapter.executed_shots(result, self.submission.work)
                if shots is None:
                    shots = self.submission.work.requested_shots()
            observation = self._observe(outcome, error_type, exc, shots=shots, timing=timing,
                                        submitted=submitted)  # fmt: skip
            Recorder(self.tel).record(observation)
            self.written = True
        except Exception as err:
            self.tel.internal_error("instrument", err)
            self.tel.metrics.inc(contract.TELEMETRY_INCOMPLETE_TOTAL, ("record_failed",))

    def _observe(
        self, outcome: str, error_type: str, exc: BaseException | None, *,
        shots: int | None = None, timing: Timing = NO_TIMING, submitted: bool = True,
        incomplete: bool = False,
    ) -> JobObservation:  # fmt: skip
        """The job's facts, collected once."""
        submission = self.submission
        shape = submission.work.shape()
        started, end, queue, execution, qpu, source = self._timing(timing, submitted)
        finished: float | None = end
        if incomplete:  # nothing is known of how it ran, nor when it will end
            started, finished, queue, execution, qpu, source = None, None, None, None, None, "none"
        else:
            self._settle_key(outcome, submitted)
        key = self.key if submitted else ""  # a rejected submission is no resubmission target
        cost = None
        config = self.tel.config
        if config.price_model and submitted and not incomplete:
            prices = self.state.price_model(
                config.price_model, lambda e: self.tel.internal_error("prices", e)
            )
            cost = prices.cost(self.backend, qpu_seconds=qpu, shots=shots)
        return JobObservation(
            backend=self.backend,
            backend_type=self.backend_type,
            provider=self.provider,
            primitive=submission.primitive,
            experiment=self.experiment,
            outcome=outcome,
            error_type=error_type,
            error=exc,
            job_id=self.job_id,
            run_id=self.run_id,
            submitted=submitted,
            incomplete=incomplete,
            submitted_at=self.submitted_at,
            started_at=started,
            finished_at=finished,
            queue_seconds=queue,
            execution_seconds=execution,
            duration_seconds=self.t_end - self.t0,
            timing_source=source,
            shots=shots,
            num_circuits=shape.num_circuits,
            num_qubits=shape.num_qubits,
            depth=shape.depth,
            two_qubit_gates=shape.two_qubit_gates,
            circuit_width=shape.device_qubits,
            qpu_seconds=qpu,
            cost_usd=cost,
            fidelity=self.fidelity,
            idempotency_key=key,
            duplicate=bool(key) and self.kind == DUPLICATE,
            retry=bool(key) and self.kind == RETRY,
            calibration_at=submission.calibration_at,
            execution_mode=submission.execution_mode,
            session_id=submission.session_id,
            attributes=submission.attributes,
            notes=tuple(self.notes),
            submit_span=self.submit_span,
        )

    def _timing(
        self, t: Timing, submitted: bool
    ) -> tuple[float | None, float, float | None, float | None, float | None, str]:
        """(started, finished, queue s, execution s, qpu s, timing source)."""
        finished = self.finished_at
        if not submitted:
            return None, finished, None, None, None, "none"
        if self.remote:
            if t.started is None:
                if self.started_at is not None:  # the server has no start: the polls saw it
                    local = self._local_timing(self.started_at, finished)
                    return (*local[:4], t.qpu_seconds, "local")
                return None, finished, None, None, t.qpu_seconds, "none"
            queue = t.started - t.created if t.created is not None else None
            end = t.finished if t.finished is not None else finished
            return (t.started, end, _positive(queue), _positive(end - t.started), t.qpu_seconds,
                    "server")  # fmt: skip
        if self.started_at is None:
            return None, finished, None, None, None, "none"
        return self._local_timing(self.started_at, finished)

    def _local_timing(
        self, started: float, finished: float
    ) -> tuple[float | None, float, float | None, float | None, float | None, str]:
        """Queue and execution from the start observed here (a worker, or a poll)."""
        return (started, finished, _positive(started - self.submitted_at),
                _positive(finished - started), None, "local")  # fmt: skip


def _positive(value: float | None) -> float | None:
    return None if value is None else max(value, 0.0)
