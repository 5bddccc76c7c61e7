"""The one place instrumentation records a contract metric: on a prometheus_client registry,
on the OpenTelemetry metrics API (:mod:`qobserve.otel_metrics`), or both, behind one
cardinality guard.

Which paths record is the ``metrics`` setting (``prometheus``, ``otel``, ``both``); callers
only ever call :meth:`Metrics.inc`, :meth:`Metrics.dec` and :meth:`Metrics.observe`. An exemplar
(``{"trace_id": ..., "span_id": ...}``) goes on prometheus_client's sample and, as the span
context of the measurement, on the OTel data point.

Label values of user-controlled labels (``experiment``, ``backend``) are capped per label:
past the cap, new values are folded into ``__other__`` and each distinct folded value is
counted once in ``qobserve_label_overflow_total{label}``, so a bug that puts a run id in an
experiment name cannot blow up Prometheus; both paths see the same folded values. Label
children (and OTel attribute sets) are cached, which keeps the hot path to a dict lookup.

Example::

    m = Metrics(CollectorRegistry(), max_label_values=100)
    m.inc(contract.EXPERIMENTS_TOTAL, ("bell", "success"))
    m.observe(contract.EXPERIMENT_DURATION, ("bell",), 0.25)
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.metrics import MetricWrapperBase

from qobserve import contract
from qobserve.contract import MetricSpec
from qobserve.otel_metrics import OTelMetrics

#: labels whose values come from user code and are therefore capped
GUARDED_LABELS = frozenset({"experiment", "backend"})
#: label children cached at most; past it, calls go through prometheus_client uncached
_CACHE_LIMIT = 10_000


class Metrics:
    """All instrumentation metrics of the contract, on the registry (``prometheus=True``), on
    ``otel`` when given, or both."""

    def __init__(
        self,
        registry: CollectorRegistry,
        *,
        max_label_values: int = 100,
        prometheus: bool = True,
        otel: OTelMetrics | None = None,
    ) -> None:
        self.registry = registry
        self.max_label_values = max_label_values
        self._metrics: dict[str, MetricWrapperBase] = (
            {spec.name: _create(spec, registry) for spec in contract.INSTRUMENTATION_METRICS}
            if prometheus
            else {}
        )
        self.otel = otel
        self._children: dict[tuple[str, tuple[str, ...]], Any] = {}
        self._attributes: dict[tuple[str, tuple[str, ...]], dict[str, str]] = {}
        self._seen: dict[str, set[str]] = {label: set() for label in GUARDED_LABELS}
        self._folded: dict[str, set[str]] = {label: set() for label in GUARDED_LABELS}
        self._lock = threading.Lock()

    def unregister(self) -> None:
        """Take every metric off the registry, so that another instance can register them."""
        for metric in self._metrics.values():
            with contextlib.suppress(KeyError):  # already taken off
                self.registry.unregister(metric)

    def metric(self, spec: MetricSpec) -> MetricWrapperBase:
        """The prometheus_client metric object of ``spec``."""
        return self._metrics[spec.name]

    @property
    def prometheus(self) -> bool:
        """True when the prometheus_client path records."""
        return bool(self._metrics)

    def child(self, spec: MetricSpec, values: tuple[str, ...]) -> Any:
        """The prometheus_client label child for ``values`` (in ``spec.labels`` order),
        guarded and cached."""
        key = (spec.name, values)
        found = self._children.get(key)
        if found is not None:
            return found
        guarded = self._guarded(spec, values)
        metric = self._metrics[spec.name]
        found = metric.labels(*guarded) if guarded else metric
        # overflowed raw values are not cached, or the cache itself would be unbounded
        if guarded == values and len(self._children) < _CACHE_LIMIT:
            self._children[key] = found
        return found

    def attributes(self, spec: MetricSpec, values: tuple[str, ...]) -> dict[str, str]:
        """The OTel attribute set for ``values``, guarded and cached like :meth:`child`."""
        key = (spec.name, values)
        found = self._attributes.get(key)
        if found is not None:
            return found
        guarded = self._guarded(spec, values)
        found = dict(zip(spec.labels, guarded, strict=True))
        if guarded == values and len(self._attributes) < _CACHE_LIMIT:
            self._attributes[key] = found
        return found

    def inc(
        self,
        spec: MetricSpec,
        values: tuple[str, ...] = (),
        amount: float = 1.0,
        exemplar: dict[str, str] | None = None,
    ) -> None:
        """Increment a counter (or a gauge when ``spec`` is one)."""
        if self._metrics:
            child = self.child(spec, values)
            if exemplar is not None and spec.type == "counter":
                child.inc(amount, exemplar)
            else:
                child.inc(amount)
        if self.otel is not None:
            self.otel.add(spec, self.attributes(spec, values), amount, exemplar)

    def dec(self, spec: MetricSpec, values: tuple[str, ...] = (), amount: float = 1.0) -> None:
        """Decrement a gauge."""
        if self._metrics:
            self.child(spec, values).dec(amount)
        if self.otel is not None:
            self.otel.add(spec, self.attributes(spec, values), -amount)

    def observe(
        self,
        spec: MetricSpec,
        values: tuple[str, ...],
        value: float,
        exemplar: dict[str, str] | None = None,
    ) -> None:
        """Observe a histogram value."""
        if self._metrics:
            child = self.child(spec, values)
            if exemplar is not None:
                child.observe(value, exemplar)
            else:
                child.observe(value)
        if self.otel is not None:
            self.otel.record(spec, self.attributes(spec, values), value, exemplar)

    def _guarded(self, spec: MetricSpec, values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(
            self._guard(label, value) if label in GUARDED_LABELS else value
            for label, value in zip(spec.labels, values, strict=True)
        )

    def _guard(self, label: str, value: str) -> str:
        seen = self._seen[label]
        if value in seen:
            return value
        with self._lock:
            if len(seen) < self.max_label_values:
                seen.add(value)
                return value
            folded = self._folded[label]
            if value in folded:
                return contract.OVERFLOW_VALUE
            if len(folded) < _CACHE_LIMIT:  # past it, repeats count again: memory stays bounded
                folded.add(value)
        self.inc(contract.LABEL_OVERFLOW_TOTAL, (label,))
        return contract.OVERFLOW_VALUE


def _create(spec: MetricSpec, registry: CollectorRegistry) -> MetricWrapperBase:
    if spec.type == "counter":
        return Counter(spec.base_name, spec.help, spec.labels, registry=registry)
    if spec.type == "gauge":
        return Gauge(spec.name, spec.help, spec.labels, registry=registry)
    return Histogram(
        spec.name,
        spec.help,
        spec.labels,
        registry=registry,
        buckets=spec.buckets or contract.DURATION_BUCKETS,
    )
