"""The one writer of job telemetry: a :class:`JobObservation` becomes the job span, the
contract's metric samples and the stored job event.

Spans: the submit span (``submit {primitive} {backend}``, kind CLIENT) covers the SDK call;
the job span (``job {backend}``) is its child, as a consumer's processing is the child of a
producer's send, from submission until the outcome, with ``queue`` and ``execute`` children
where times are known. The job span is created when the job is recorded, with its real start
time (a span is exported only when it ends anyway), which keeps the submit path to one span.
A rejected submission has only its submit span, marked failed.

Example::

    Recorder(get_telemetry()).record(observation)
"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace

from qobserve import contract
from qobserve.events import JobEvent
from qobserve.instrument.observation import JobObservation
from qobserve.telemetry import Telemetry
from qobserve.tracing import mark_span_failed, trace_ids

CLIENT = trace.SpanKind.CLIENT
#: job event columns of the primitive options that change results: (column, the job span
#: attribute the describe function set, its type)
_OPTIONS: tuple[tuple[str, str, type], ...] = (
    ("resilience_level", "quantum.options.resilience_level", int),
    ("twirling_gates", "quantum.options.twirling.gates", bool),
    ("twirling_measure", "quantum.options.twirling.measure", bool),
    ("dynamical_decoupling", "quantum.options.dynamical_decoupling", bool),
)


def _option(obs: JobObservation, attribute: str, kind: type) -> Any:
    value = obs.attributes.get(attribute)
    # bool is an int: a level must not be True, a switch must be a bool
    return value if type(value) is kind else None


class Recorder:
    """Writes observations to one telemetry's tracer, metrics and store."""

    __slots__ = ("tel",)

    def __init__(self, tel: Telemetry) -> None:
        self.tel = tel

    def record(self, obs: JobObservation) -> JobEvent:
        """Write ``obs`` everywhere it goes; returns the stored event. An incomplete job (the
        process ends before its outcome) has its span and an ``unfinished`` event, no job
        metrics: it has not finished."""
        trace_id, exemplar = trace_ids(obs.submit_span)
        self.span(obs)
        event = self.event(obs, trace_id)
        # queued first: a job counted in the metrics is in the store
        if obs.job_id or not obs.incomplete:
            self.tel.add_job(event, exemplar)
        if not obs.incomplete:
            self.metrics(obs, exemplar)
        return event

    # -- metrics -------------------------------------------------------------------------------
    def metrics(self, obs: JobObservation, exemplar: dict[str, str] | None = None) -> None:
        """The job's samples of the contract's job metrics."""
        m = self.tel.metrics
        labels = obs.labels
        be = (obs.backend, obs.provider, obs.experiment)
        if self.tel.instrumentation.first_job(labels):
            for outcome, error_type in contract.JOB_OUTCOME_SERIES:
                m.inc(contract.JOBS_TOTAL, (*labels, outcome, error_type), 0)
            m.inc(contract.JOB_DUPLICATES_TOTAL, be, 0)
            m.inc(contract.JOB_RETRIES_TOTAL, be, 0)
        m.inc(contract.JOBS_TOTAL, (*labels, obs.outcome, obs.error_type), 1, exemplar)
        if obs.duration_seconds is not None:
            m.observe(contract.JOB_DURATION, labels, obs.duration_seconds, exemplar)
        bt = (obs.backend, obs.provider, obs.backend_type)
        if obs.queue_seconds is not None:
            m.observe(contract.JOB_QUEUE, bt, obs.queue_seconds, exemplar)
        if obs.execution_seconds is not None:
            m.observe(contract.JOB_EXECUTION, bt, obs.execution_seconds, exemplar)
        if obs.shots:
            m.inc(contract.SHOTS_TOTAL, labels, obs.shots)
        if obs.qpu_seconds:
            m.inc(contract.QPU_SECONDS_TOTAL, be, obs.qpu_seconds)
        if obs.cost_usd:
            m.inc(contract.COST_USD_TOTAL, be, obs.cost_usd)
        if obs.duplicate:
            m.inc(contract.JOB_DUPLICATES_TOTAL, be)
        if obs.retry:
            m.inc(contract.JOB_RETRIES_TOTAL, be)

    # -- event ---------------------------------------------------------------------------------
    @staticmethod
    def event(obs: JobObservation, trace_id: str = "") -> JobEvent:
        """The job's row in the event store."""
        return JobEvent(
            job_id=obs.job_id,
            experiment=obs.experiment,
            run_id=obs.run_id,
            backend=obs.backend,
            backend_type=obs.backend_type,
            primitive=obs.primitive,
            outcome=obs.outcome,
            error_type=obs.error_type,
            submitted_at=obs.submitted_at,
            started_at=obs.started_at,
            finished_at=obs.finished_at,
            queue_seconds=obs.queue_seconds,
            execution_seconds=obs.execution_seconds,
            duration_seconds=obs.duration_seconds,
            shots=obs.shots,
            num_circuits=obs.num_circuits,
            num_qubits=obs.num_qubits,
            depth=obs.depth,
            qpu_seconds=obs.qpu_seconds,
            cost_usd=obs.cost_usd,
            fidelity=obs.fidelity,
            duplicate=obs.duplicate,
            trace_id=trace_id,
            idempotency_key=obs.idempotency_key,
            two_qubit_gates=obs.two_qubit_gates,
            retry=obs.retry,
            calibration_at=obs.calibration_at,
            execution_mode=obs.execution_mode,
            session_id=obs.session_id,
            **{column: _option(obs, attribute, kind) for column, attribute, kind in _OPTIONS},
            provider=obs.provider,
        )

    # -- spans ---------------------------------------------------------------------------------
    def span(self, obs: JobObservation) -> None:
        """End the submit span of a rejected submission, or create and end the job span."""
        submit, tracer = obs.submit_span, self.tel.tracer
        if submit is None or tracer is None:
            return
        if not obs.submitted:  # no job was created: the submit span carries the failure
            submit.set_attributes(
                {"quantum.backend.name": obs.backend, "quantum.primitive": obs.primitive}
            )
            if obs.error is not None:
                mark_span_failed(submit, obs.error, obs.error_type)
            submit.end()
            return
        end = obs.finished_at or 0.0
        span = tracer.start_span(
            f"job {obs.backend}",
            trace.set_span_in_context(submit),
            start_time=_ns(obs.submitted_at or end),
        )
        span.set_attributes(job_attributes(obs))
        for name, note_attrs, at in obs.notes:
            span.add_event(name, note_attrs, timestamp=at)
        if obs.started_at is not None:
            child_context = trace.set_span_in_context(span)
            queue_start = obs.started_at - (obs.queue_seconds or 0.0)
            for name, start, stop in (
                ("queue", queue_start, obs.started_at),
                ("execute", obs.started_at, end),
            ):
                child = tracer.start_span(name, child_context, start_time=_ns(start))
                child.set_attribute("qobserve.timing.source", obs.timing_source)
                child.end(end_time=_ns(stop))
        if obs.error is not None:
            mark_span_failed(span, obs.error, obs.error_type)
        # the outcome is seen (locally) after the server's finish time
        seen = (obs.submitted_at or end) + (obs.duration_seconds or 0.0)
        span.end(end_time=_ns(max(end, seen)))


def job_attributes(obs: JobObservation) -> dict[str, Any]:
    """The attributes of the job span."""
    attrs: dict[str, Any] = {
        "quantum.backend.name": obs.backend,
        "quantum.backend.type": obs.backend_type,
        "quantum.provider.name": obs.provider,
        "quantum.primitive": obs.primitive,
        "quantum.experiment.name": obs.experiment,
        "quantum.job.id": obs.job_id,
        "qobserve.timing.source": obs.timing_source,
        **obs.attributes,
    }
    if obs.run_id:
        attrs["qobserve.run_id"] = obs.run_id
    for attr, value in (
        ("quantum.circuit.count", obs.num_circuits),
        ("quantum.shots", obs.shots),
        ("quantum.circuit.num_qubits", obs.num_qubits),
        ("quantum.circuit.depth", obs.depth),
        ("quantum.circuit.two_qubit_gates", obs.two_qubit_gates),
        ("quantum.circuit.width", obs.circuit_width),
        ("quantum.backend.calibration_at", obs.calibration_at),
        ("quantum.job.qpu_seconds", obs.qpu_seconds),
        ("quantum.job.cost_usd", obs.cost_usd),
    ):
        if value is not None:
            attrs[attr] = value
    if obs.execution_mode:
        attrs["quantum.execution.mode"] = obs.execution_mode
    if obs.session_id:
        attrs["quantum.execution.session_id"] = obs.session_id
    if obs.idempotency_key:
        attrs["qobserve.idempotency_key"] = obs.idempotency_key
        attrs["qobserve.duplicate"] = obs.duplicate
        attrs["qobserve.retry"] = obs.retry
    if obs.incomplete:
        attrs["qobserve.incomplete"] = True
    return attrs


def end_submit(span: Any, job_id: str) -> None:
    """End a successful submit span. It carries the job id only: backend, primitive and the
    rest are on its child, the job span, so the submit path costs one attribute, as
    ``@experiment`` does."""
    span.set_attribute("quantum.job.id", job_id)
    span.end()


def _ns(seconds: float) -> int:
    return int(seconds * 1e9)
