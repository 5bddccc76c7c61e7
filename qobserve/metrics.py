"""The contract's in-process metrics on a prometheus_client registry, behind a cardinality guard.

Label values of user-controlled labels (``experiment``, ``backend``) are capped per label:
past the cap, new values are folded into ``__other__`` and each distinct folded value is
counted once in ``qobserve_label_overflow_total{label}``, so a bug that puts a run id in an
experiment name cannot blow up Prometheus. Label children are cached, which keeps the hot path
to a dict lookup.

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

#: labels whose values come from user code and are therefore capped
GUARDED_LABELS = frozenset({"experiment", "backend"})
#: label children cached at most; past it, calls go through prometheus_client uncached
_CACHE_LIMIT = 10_000


class Metrics:
    """All instrumentation metrics of the contract, registered on one registry."""

    def __init__(self, registry: CollectorRegistry, *, max_label_values: int = 100) -> None:
        self.registry = registry
        self.max_label_values = max_label_values
        self._metrics: dict[str, MetricWrapperBase] = {
            spec.name: _create(spec, registry) for spec in contract.INSTRUMENTATION_METRICS
        }
        self._children: dict[tuple[str, tuple[str, ...]], Any] = {}
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

    def child(self, spec: MetricSpec, values: tuple[str, ...]) -> Any:
        """The label child for ``values`` (in ``spec.labels`` order), guarded and cached."""
        key = (spec.name, values)
        found = self._children.get(key)
        if found is not None:
            return found
        guarded = tuple(
            self._guard(label, value) if label in GUARDED_LABELS else value
            for label, value in zip(spec.labels, values, strict=True)
        )
        metric = self._metrics[spec.name]
        found = metric.labels(*guarded) if guarded else metric
        # overflowed raw values are not cached, or the cache itself would be unbounded
        if guarded == values and len(self._children) < _CACHE_LIMIT:
            self._children[key] = found
        return found

    def inc(
        self,
        spec: MetricSpec,
        values: tuple[str, ...] = (),
        amount: float = 1.0,
        exemplar: dict[str, str] | None = None,
    ) -> None:
        """Increment a counter (or a gauge when ``spec`` is one)."""
        child = self.child(spec, values)
        if exemplar is not None and spec.type == "counter":
            child.inc(amount, exemplar)
        else:
            child.inc(amount)

    def dec(self, spec: MetricSpec, values: tuple[str, ...] = (), amount: float = 1.0) -> None:
        """Decrement a gauge."""
        self.child(spec, values).dec(amount)

    def observe(
        self,
        spec: MetricSpec,
        values: tuple[str, ...],
        value: float,
        exemplar: dict[str, str] | None = None,
    ) -> None:
        """Observe a histogram value."""
        child = self.child(spec, values)
        if exemplar is not None:
            child.observe(value, exemplar)
        else:
            child.observe(value)

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
        self._metrics[contract.LABEL_OVERFLOW_TOTAL.name].labels(label).inc()  # type: ignore[attr-defined]
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
