"""Pushes that keep counts: a runner's counters continue from what its Pushgateway group holds.

A Pushgateway group keeps only the last push (a push replaces the group), and a batch process
starts with fresh counters. Pushed as they are, three runs leave ``quantum_jobs_total`` at 1
and two runners sharing a group overwrite each other. The design here:

- every runner pushes to a group of its own, ``{job=<service>, instance=<runner id>}``
  (``configure(push_instance=...)``, default the host name), so runners never touch each
  other's series and ``sum without (instance)`` is the fleet total;
- before its first push a process reads its group's current values once
  (``GET /api/v1/metrics``) and pushes every counter, histogram and summary count *added* to
  them (the seed), carrying the group's series this run did not touch. Successive runs of one
  runner continue one monotonic series (1, 2, 3, never a reset), so ``increase()`` and the
  rate-based rules see every run after the series' first.

The one requirement: at most one process at a time per runner id (a CronJob's name with
``concurrencyPolicy: Forbid``, a CI job's name). Two concurrent processes with the same id
would both seed from the same values and the later push would win. When the group cannot be
read the push fails (and is counted) rather than pushing unseeded values, which would be a
counter reset; the next push tries again.

Example::

    pusher = SeededPush("http://pushgateway:9091", "nightly", {"instance": "runner-1"}, registry)
    pusher.push()        # raises on failure; Telemetry.push() counts it instead
"""

from __future__ import annotations

import json
import math
import urllib.request
from collections.abc import Iterable, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, push_to_gateway
from prometheus_client.metrics_core import Metric

#: the Pushgateway's own per-group gauges, never pushed by a client
_GATEWAY_OWN = ("push_time_seconds", "push_failure_time_seconds")
#: sample-name suffixes that accumulate, per metric type (the seeded samples)
_CUMULATIVE = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_count", "_sum"),
    "summary": ("_count", "_sum"),
}

SampleKey = tuple[str, tuple[tuple[str, str], ...]]


class SeededPush:
    """Pushes ``registry`` to one group of ``gateway``, counters seeded from the group's values.

    ``job`` and ``grouping_key`` name the group; construct one per group and reuse it for
    every push of the process (the seed is read once, before the first push).
    """

    def __init__(
        self,
        gateway: str,
        job: str,
        grouping_key: Mapping[str, str],
        registry: CollectorRegistry,
        *,
        timeout: float = 30.0,
    ) -> None:
        self.gateway = gateway.rstrip("/")
        self.job = job
        self.grouping_key = dict(grouping_key)
        self._source = registry
        self._timeout = timeout
        self._seed: list[Metric] | None = None

    def push(self) -> None:
        """Read the seed if not done yet, then push; raises on any failure."""
        if self._seed is None:
            self._seed = self._read_group()
        pushed = CollectorRegistry(auto_describe=False)
        pushed.register(_Seeded(self._source, self._seed))
        push_to_gateway(
            self.gateway,
            job=self.job,
            registry=pushed,
            grouping_key=self.grouping_key,
            timeout=self._timeout,
        )

    def _read_group(self) -> list[Metric]:
        url = f"{self.gateway}/api/v1/metrics"
        with urllib.request.urlopen(url, timeout=self._timeout) as resp:
            body = json.load(resp)
        wanted = {"job": self.job, **self.grouping_key}
        for group in body.get("data") or []:
            if group.get("labels") == wanted:
                return group_families(group, drop=tuple(wanted))
        return []


def group_families(group: Mapping[str, Any], drop: tuple[str, ...]) -> list[Metric]:
    """The cumulative families of one group of ``/api/v1/metrics``, without the ``drop``
    (grouping) labels: counters, histograms, and summaries' count and sum."""
    families: list[Metric] = []
    for name, family in sorted(group.items()):
        if not isinstance(family, dict) or name in _GATEWAY_OWN:
            continue
        kind = str(family.get("type", "")).lower()
        if kind not in _CUMULATIVE:
            continue
        base = name.removesuffix("_total") if kind == "counter" else name
        metric = Metric(base, str(family.get("help", "")), kind)
        for series in family.get("metrics") or []:
            labels = {k: v for k, v in series.get("labels", {}).items() if k not in drop}
            if kind == "counter":
                metric.add_sample(f"{base}_total", labels, float(series["value"]))
                continue
            if kind == "histogram":
                buckets = sorted(series.get("buckets", {}).items(), key=lambda kv: float(kv[0]))
                for le, value in buckets:
                    metric.add_sample(f"{base}_bucket", {**labels, "le": _le(le)}, float(value))
            metric.add_sample(f"{base}_count", labels, float(series["count"]))
            metric.add_sample(f"{base}_sum", labels, float(series["sum"]))
        families.append(metric)
    return families


def _le(text: str) -> str:
    # the client library spells bucket bounds as floats ("1.0"); keep one spelling per series
    value = float(text)
    return "+Inf" if math.isinf(value) else repr(value)


def _key(name: str, labels: Mapping[str, str]) -> SampleKey:
    labels = dict(labels)
    if "le" in labels:
        labels["le"] = _le(labels["le"])
    return name, tuple(sorted(labels.items()))


class _Seeded:
    """A collector: ``source``'s families with the seed's values added to every cumulative
    sample, plus the seed's series ``source`` does not have."""

    def __init__(self, source: CollectorRegistry, seed: list[Metric]) -> None:
        self._source = source
        self._seed = seed

    def collect(self) -> Iterable[Metric]:
        offsets: dict[SampleKey, float] = {}
        seed_family: dict[str, Metric] = {}
        for family in self._seed:
            seed_family[family.name] = family
            for s in family.samples:
                offsets[_key(s.name, s.labels)] = s.value
        emitted: dict[str, Metric] = {}
        out: list[Metric] = []
        for family in self._source.collect():
            suffixes = _CUMULATIVE.get(family.type)
            if suffixes is None:
                out.append(family)
                continue
            seeded = Metric(family.name, family.documentation, family.type, family.unit)
            for s in family.samples:
                value = s.value
                if s.name.endswith(suffixes):
                    value += offsets.pop(_key(s.name, s.labels), 0.0)
                seeded.add_sample(s.name, s.labels, value, s.timestamp, s.exemplar)
            emitted[family.name] = seeded
            out.append(seeded)
        for name, family in seed_family.items():
            left = [s for s in family.samples if _key(s.name, s.labels) in offsets]
            if not left:
                continue
            target = emitted.get(name)
            if target is None:
                target = Metric(name, family.documentation, family.type)
                out.append(target)
            for s in left:
                target.add_sample(s.name, s.labels, s.value)
        return out
