"""The contract's metrics on the OpenTelemetry metrics API: the OTel path of ``Metrics``.

One instrument per contract metric, named and with the unit :attr:`MetricSpec.otel` says (counters
become ``Counter``, the in-flight gauge an ``UpDownCounter``, histograms ``Histogram`` with the
contract's bucket boundaries as advice), from the meter provider given or the global one.
Label names are the attribute keys, so the standard OTel-to-Prometheus translation gives the
contract's series back. Only ``opentelemetry-api`` is needed: without an SDK meter provider
the instruments are no-ops.

Example::

    otel = OTelMetrics(meter_provider)
    otel.add(contract.JOBS_TOTAL, {"backend": "fake_manila", ...}, 1.0, exemplar)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.context import Context

from qobserve import contract
from qobserve.contract import MetricSpec

INSTRUMENTATION_SCOPE = "qobserve"
_SAMPLED = trace.TraceFlags(trace.TraceFlags.SAMPLED)


class OTelMetrics:
    """The instruments of :data:`contract.INSTRUMENTATION_METRICS` on one meter."""

    def __init__(self, meter_provider: Any = None, version: str = "") -> None:
        meter = metrics.get_meter(INSTRUMENTATION_SCOPE, version, meter_provider)
        self.meter_provider = meter_provider
        self._instruments = {
            spec.name: _create(meter, spec) for spec in contract.INSTRUMENTATION_METRICS
        }
        # a job records several samples with one exemplar: its context is built once
        self._last: tuple[dict[str, str] | None, Context | None] = (None, None)

    def add(
        self,
        spec: MetricSpec,
        attributes: Mapping[str, str],
        amount: float,
        exemplar: dict[str, str] | None = None,
    ) -> None:
        """Add ``amount`` to a counter (or up-down counter)."""
        self._instruments[spec.name].add(amount, attributes, self._context(exemplar))

    def record(
        self,
        spec: MetricSpec,
        attributes: Mapping[str, str],
        value: float,
        exemplar: dict[str, str] | None = None,
    ) -> None:
        """Record a histogram value."""
        self._instruments[spec.name].record(value, attributes, self._context(exemplar))

    def _context(self, exemplar: dict[str, str] | None) -> Context | None:
        if exemplar is None:
            return None
        last = self._last  # one tuple: read and replaced whole, safe across threads
        if last[0] is exemplar:
            return last[1]
        context = exemplar_context(exemplar)
        self._last = (exemplar, context)
        return context


def global_meter_provider() -> Any:
    """The meter provider the application (or ``opentelemetry-instrument``) set; None while
    only the API's placeholder is there."""
    provider = metrics.get_meter_provider()
    # the API's placeholder has no public name; it forwards to the provider set later
    if isinstance(provider, metrics.NoOpMeterProvider) or type(provider).__name__.startswith(
        "_Proxy"
    ):
        return None
    return provider


def exemplar_context(exemplar: dict[str, str] | None) -> Context | None:
    """A context whose current span is the exemplar's, so the SDK's trace-based exemplar
    filter attaches its trace id and span id to the data point; None without one."""
    if exemplar is None or "span_id" not in exemplar:
        return None
    span_context = trace.SpanContext(
        int(exemplar["trace_id"], 16), int(exemplar["span_id"], 16), False, _SAMPLED
    )
    return trace.set_span_in_context(trace.NonRecordingSpan(span_context))


def _create(meter: metrics.Meter, spec: MetricSpec) -> Any:
    name, unit = spec.otel
    if spec.type == "counter":
        return meter.create_counter(name, unit, spec.help)
    if spec.type == "gauge":  # the only in-process gauge goes up and down: jobs in flight
        return meter.create_up_down_counter(name, unit, spec.help)
    return meter.create_histogram(
        name,
        unit,
        spec.help,
        explicit_bucket_boundaries_advisory=list(spec.buckets or contract.DURATION_BUCKETS),
    )
