"""The rendered ``/metrics`` payload, cached between polls.

Samples change only when a poll finishes, so each exposition format is rendered once per
poll and every scrape gets the same bytes. A format is rendered on the first scrape that asks
for it; from then on every publish renders it in the poller's thread, outside the lock, and
scrapes only copy bytes (the previous poll's while the new ones render), even for a payload
of megabytes (every qubit of every backend).
Rendering goes through prometheus_client's encoders (Prometheus text 0.0.4 and OpenMetrics,
chosen from the ``Accept`` header as the client library does) over a custom collector on the
exporter's own :class:`~prometheus_client.CollectorRegistry`, never the process default one.
That registry also holds ``qobserve_exporter_build_info`` and the exporter process's own
``process_*`` and ``python_*`` metrics, sampled when a poll's payload is rendered.

Example::

    cache = PayloadCache()
    cache.publish(poller.samples())
    body, content_type = cache.render(accept="application/openmetrics-text; version=1.0.0")
"""

from __future__ import annotations

import gzip
import platform
import threading
from collections.abc import Iterable, Iterator

from prometheus_client import CollectorRegistry, GCCollector, PlatformCollector, ProcessCollector
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric

from qobserve import __version__, contract
from qobserve.collectors.base import Sample, sample


def build_families(samples: Iterable[Sample]) -> list[Metric]:
    """Metric families in the contract's order; a repeated series keeps its first value."""
    grouped: dict[str, dict[tuple[str, ...], float]] = {}
    for s in samples:
        series = grouped.setdefault(s.metric.name, {})
        series.setdefault(s.labels, s.value)
    families: list[Metric] = []
    for spec in contract.EXPORTER_METRICS:
        found = grouped.get(spec.name)
        if not found:
            continue
        family: Metric
        if spec.type == "counter":
            family = CounterMetricFamily(spec.base_name, spec.help, labels=spec.labels)
        else:
            family = GaugeMetricFamily(spec.name, spec.help, labels=spec.labels)
        for labels, value in found.items():
            family.add_metric(list(labels), value)
        families.append(family)
    return families


def build_info() -> Sample:
    """The ``qobserve_exporter_build_info`` sample of this process."""
    return sample(contract.EXPORTER_BUILD_INFO, 1, __version__, platform.python_version())


class SnapshotCollector:
    """A prometheus_client custom collector that yields the families of the last poll."""

    def __init__(self) -> None:
        self.families: list[Metric] = []

    def collect(self) -> Iterator[Metric]:
        """The current families."""
        return iter(self.families)

    def describe(self) -> list[Metric]:
        """Nothing: the set of families changes with every poll."""
        return []


class PayloadCache:
    """The exporter's registry and the bytes rendered from it since the last publish."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self._collector = SnapshotCollector()
        self.registry.register(self._collector)
        # what the default registry of an instrumented process has, on this registry only
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self._build_info = build_info()
        self._lock = threading.Lock()
        self._rendered: dict[tuple[str, bool], bytes] = {}
        # the Accept headers seen per (content type, gzip): what publish renders ahead
        self._asked: dict[tuple[str, bool], str] = {}
        self.generation = 0

    def publish(self, samples: Iterable[Sample], extra: Iterable[Metric] = ()) -> None:
        """Replace the exposed samples (and ``extra`` families, e.g. the store's job counts)
        and render every format scrapers have asked for. Rendering happens outside the
        lock: until it is done, scrapes get the previous poll's bytes without waiting."""
        families = build_families([self._build_info, *samples]) + list(extra)
        with self._lock:
            self._collector.families = families
            self.generation += 1
            generation, asked = self.generation, list(self._asked.items())
        rendered: dict[tuple[str, bool], bytes] = {}
        for (content_type, gzipped), accept in asked:
            plain = rendered.get((content_type, False)) or self._encode(accept)
            rendered[(content_type, False)] = plain
            if gzipped:
                rendered[(content_type, True)] = gzip.compress(plain, compresslevel=6)
        with self._lock:
            if self.generation == generation:  # a later publish has its own bytes
                self._rendered = rendered

    def render(self, accept: str = "", *, gzipped: bool = False) -> tuple[bytes, str]:
        """The payload for an ``Accept`` header: (body, content type). ``gzipped`` returns
        the body gzip-compressed."""
        _, content_type = choose_encoder(accept)
        key = (content_type, gzipped)
        with self._lock:
            self._asked.setdefault(key, accept)
            body = self._rendered.get(key)
            plain = self._rendered.get((content_type, False))
            generation = self.generation
        if body is not None:
            return body, content_type
        if plain is None:
            plain = self._encode(accept)
        body = gzip.compress(plain, compresslevel=6) if gzipped else plain
        with self._lock:
            if self.generation == generation:
                self._rendered.setdefault((content_type, False), plain)
                self._rendered.setdefault(key, body)
        return body, content_type

    def _encode(self, accept: str) -> bytes:
        encoder, _ = choose_encoder(accept)
        return encoder(self.registry)
