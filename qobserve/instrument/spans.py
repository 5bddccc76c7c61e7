"""The spans of a job: ``submit {primitive} {backend}`` and ``job {backend}`` with ``queue``
and ``execute`` children.

The submit span (kind CLIENT) covers the SDK call and is the current span during it. The job
span is its child, as a consumer's processing is the child of a producer's send: it starts
at submission and ends when the outcome is known. It is created only then, with its real
start time, because a span is exported only when it ends anyway; this keeps the submit path
to one span, like ``@qobserve.experiment``. What happened to the job meanwhile (a client
timeout, a failed ``metrics()`` request) is kept as notes and becomes span events.

Example::

    submit = tracer.start_span("submit sampler fake_manila", kind=CLIENT)
    ...
    end_submit(submit, job.job_id())
    end_job(tracer, submit, event, exc=None, source="local", notes=[])
"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace

from qobserve.events import JobEvent
from qobserve.tracing import mark_span_failed

CLIENT = trace.SpanKind.CLIENT
#: (event name, attributes, Unix ns) noted on a job before its span exists
Note = tuple[str, dict[str, Any], int]


def end_submit(span: Any, job_id: str) -> None:
    """End a successful submit span (started as ``submit {primitive} {backend}``, kind CLIENT,
    by the tracker). It carries the job id only: backend, primitive and the rest are on its
    child, the job span, so the submit path costs one attribute, as ``@experiment`` does."""
    span.set_attribute("quantum.job.id", job_id)
    span.end()


def trace_ids(span: Any) -> tuple[str, dict[str, str] | None]:
    """(trace id, exemplar) of a sampled span; ("", None) otherwise."""
    context = span.get_span_context()
    if not context.trace_flags.sampled:
        return "", None
    trace_id = format(context.trace_id, "032x")
    return trace_id, {"trace_id": trace_id}


def end_job(
    tracer: Any,
    submit: Any,
    event: JobEvent,
    attributes: dict[str, Any],
    exc: BaseException | None,
    notes: list[Note],
    end: float,
) -> None:
    """Create and end the job span (and its queue/execute children) for a recorded job."""
    context = trace.set_span_in_context(submit)
    span = tracer.start_span(
        f"job {event.backend}", context, start_time=_ns(event.submitted_at or end)
    )
    attrs: dict[str, Any] = {
        "quantum.backend.name": event.backend,
        "quantum.backend.type": event.backend_type,
        "quantum.primitive": event.primitive,
        "quantum.experiment.name": event.experiment,
        "quantum.job.id": event.job_id,
        "quantum.job.num_circuits": event.num_circuits,
        **attributes,
    }
    if event.run_id:
        attrs["qobserve.run_id"] = event.run_id
    for attr, value in (
        ("quantum.shots", event.shots),
        ("quantum.circuit.num_qubits", event.num_qubits),
        ("quantum.circuit.depth", event.depth),
        ("quantum.job.qpu_seconds", event.qpu_seconds),
        ("quantum.job.cost_usd", event.cost_usd),
    ):
        if value is not None:
            attrs[attr] = value
    if event.idempotency_key:
        attrs["qobserve.idempotency_key"] = event.idempotency_key
        attrs["qobserve.duplicate"] = event.duplicate
    span.set_attributes(attrs)
    for name, note_attrs, at in notes:
        span.add_event(name, note_attrs, timestamp=at)
    if event.started_at is not None:
        child_context = trace.set_span_in_context(span)
        queue_start = event.started_at - (event.queue_seconds or 0.0)
        source = attributes.get("qobserve.timing.source", "")
        for name, start, stop in (
            ("queue", queue_start, event.started_at),
            ("execute", event.started_at, event.finished_at or end),
        ):
            child = tracer.start_span(name, child_context, start_time=_ns(start))
            child.set_attribute("qobserve.timing.source", source)
            child.end(end_time=_ns(stop))
    if exc is not None:
        mark_span_failed(span, exc, event.error_type)
    span.end(end_time=_ns(max(end, event.finished_at or 0.0)))


def _ns(seconds: float) -> int:
    return int(seconds * 1e9)
