"""Tracer setup: OTLP, console, in-memory or none, with the OpenTelemetry SDK imported lazily.

Only ``opentelemetry-api`` is needed to import qobserve; the SDK (extra ``qobserve[otel]``) is
imported when a mode needs it. The standard ``OTEL_*`` variables are honoured: the SDK reads
``OTEL_SERVICE_NAME``/``OTEL_RESOURCE_ATTRIBUTES`` and ``OTEL_TRACES_SAMPLER[_ARG]`` itself, and
the OTLP exporter reads ``OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT`` and its headers.

Modes: ``otlp`` (batch export over HTTP/protobuf), ``console`` (one JSON span per line on
stdout), ``memory`` (kept in an in-memory exporter, for tests), ``global`` (the tracer provider
the application already set), ``none`` (no spans at all: the cheapest). A tracer provider the
application set wins over ``auto``, ``otlp`` and ``console`` (see :func:`resolve_mode`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from opentelemetry import trace

_ERROR = trace.Status(trace.StatusCode.ERROR)
logger = logging.getLogger("qobserve")

MODES = ("auto", "otlp", "console", "memory", "global", "none")
INSTRUMENTATION_NAME = "qobserve"


def mark_span_failed(span: Any, exc: BaseException, error_type: str) -> None:
    """Mark ``span`` as failed: status ERROR, ``error.type`` (the contract's error type) and
    an ``exception`` event whose message is redacted (no API token reaches a span).

    Example::

        mark_span_failed(span, exc, classify(exc))
    """
    from qobserve.errors import message
    from qobserve.redact import redact

    span.set_status(_ERROR)
    span.set_attribute("error.type", error_type)
    span.add_event(
        "exception",
        {"exception.type": type(exc).__qualname__, "exception.message": redact(message(exc))},
    )


def trace_ids(span: Any) -> tuple[str, dict[str, str] | None]:
    """(trace id, exemplar) of a sampled span, ("", None) otherwise (or for no span); the
    exemplar carries the trace id and the span id, as OpenMetrics exemplars and OTel data
    points do.

    Example::

        trace_id, exemplar = trace_ids(span)
        metrics.observe(contract.JOB_DURATION, labels, seconds, exemplar)
    """
    if span is None:
        return "", None
    context = span.get_span_context()
    if not context.trace_flags.sampled:
        return "", None
    trace_id = format(context.trace_id, "032x")
    return trace_id, {"trace_id": trace_id, "span_id": format(context.span_id, "016x")}


@dataclass
class TracingSetup:
    """What :func:`setup_tracing` built: the tracer (None in mode ``none``) and its parts."""

    mode: str
    tracer: trace.Tracer | None
    provider: Any = None  # the SDK TracerProvider qobserve owns, if any
    memory: Any = None  # the InMemorySpanExporter in mode "memory"
    exporter: Any = None  # the counting OTLP exporter in mode "otlp"

    def export_failures(self) -> int:
        """Span exports that failed so far (OTLP only; 0 otherwise)."""
        return self.exporter.failures if self.exporter is not None else 0

    def shutdown(self) -> None:
        """Flush and stop what qobserve started (never the application's own provider)."""
        if self.provider is not None:
            self.provider.shutdown()


def global_provider_set() -> bool:
    """True when the application (or ``opentelemetry-instrument``) set a tracer provider."""
    return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


def resolve_mode(mode: str, otlp_endpoint: str | None) -> str:
    """The mode :func:`setup_tracing` actually uses for the ``mode`` setting.

    The rule (a library's etiquette): a tracer provider the application or
    ``opentelemetry-instrument`` already set is used, whatever ``mode`` and the ``OTEL_*``
    variables say, so there is one provider, one exporter and the application's resource;
    ``memory`` (tests) and ``none`` are the exceptions. Otherwise ``auto`` means ``otlp`` when
    an endpoint is configured, else ``none``. The one way to use another provider is to hand
    it over: ``configure(tracer_provider=...)`` or ``instrument(tracer_provider=...)``.
    """
    if mode in ("none", "memory"):
        return mode
    if mode == "global" or global_provider_set():
        return "global"
    if mode != "auto":
        return mode
    if (
        otlp_endpoint
        or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    ):
        return "otlp"
    return "none"


def setup_tracing(
    mode: str,
    *,
    service_name: str | None = None,
    otlp_endpoint: str | None = None,
    on_export_error: Callable[[BaseException | None], None] | None = None,
    version: str = "",
    tracer_provider: Any = None,
) -> TracingSetup:
    """Build the tracer for ``mode`` (see :func:`resolve_mode`), or take it from
    ``tracer_provider`` when one is given; raises ImportError when the SDK is needed and not
    installed."""
    if tracer_provider is not None:
        return TracingSetup("provided", tracer_provider.get_tracer(INSTRUMENTATION_NAME, version))
    requested, mode = mode, resolve_mode(mode, otlp_endpoint)
    if mode == "none":
        return TracingSetup(mode, None)
    if mode == "global":
        if requested not in ("auto", "global"):
            logger.info(
                "qobserve: the application's tracer provider is used; tracing=%r is ignored "
                "(pass tracer_provider= to configure() to use another one)",
                requested,
            )
        return TracingSetup(mode, trace.get_tracer(INSTRUMENTATION_NAME, version))

    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        ConsoleSpanExporter,
        SimpleSpanProcessor,
    )

    attrs = {SERVICE_NAME: service_name} if service_name else {}
    provider = TracerProvider(resource=Resource.create(attrs))
    memory: Any = None
    exporter: _CountingExporter | None = None
    if mode == "memory":
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        memory = InMemorySpanExporter()
        provider.add_span_processor(SimpleSpanProcessor(memory))
    elif mode == "console":
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    elif mode == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        kwargs: dict[str, Any] = {}  # timeout, headers: from OTEL_EXPORTER_OTLP_* variables
        if otlp_endpoint:
            kwargs["endpoint"] = otlp_endpoint.rstrip("/") + "/v1/traces"
        exporter = _CountingExporter(OTLPSpanExporter(**kwargs), on_export_error)
        provider.add_span_processor(BatchSpanProcessor(exporter))  # type: ignore[arg-type]
    else:
        raise ValueError(f"unknown tracing mode {mode!r}; one of {', '.join(MODES)}")
    tracer = provider.get_tracer(INSTRUMENTATION_NAME, version)
    return TracingSetup(mode, tracer, provider, memory, exporter)


class _CountingExporter:
    """Wraps a span exporter so that failed exports are counted instead of only logged."""

    def __init__(self, inner: Any, on_error: Callable[[BaseException | None], None] | None) -> None:
        self._inner = inner
        self._on_error = on_error
        self.failures = 0

    def export(self, spans: Sequence[Any]) -> Any:
        from opentelemetry.sdk.trace.export import SpanExportResult

        try:
            result = self._inner.export(spans)
        except Exception as exc:
            self._failed(exc)
            return SpanExportResult.FAILURE
        if result != SpanExportResult.SUCCESS:
            self._failed(None)
        return result

    def _failed(self, exc: BaseException | None) -> None:
        self.failures += 1
        if self._on_error is not None:
            self._on_error(exc)

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return bool(self._inner.force_flush(timeout_millis))
