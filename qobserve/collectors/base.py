"""Samples and the collector interface shared by the calibration, status, usage and info
collectors.

A collector turns one provider answer into :class:`Sample` rows of the contract's metrics. It
does no I/O of its own beyond calling the provider, keeps no state, and never decides about
timeouts or retries: the exporter's poller does that around every call.

Example::

    from qobserve.collectors import COLLECTORS
    status = COLLECTORS["status"]
    samples = status.collect(provider, backend_ref, CollectOptions())
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from qobserve.collectors.provider import BackendRef, Provider
from qobserve.contract import MetricSpec

Scope = Literal["backend", "provider"]


@dataclass(frozen=True)
class Sample:
    """One exposed value: a metric of the contract, its label values in the spec's order."""

    metric: MetricSpec
    labels: tuple[str, ...]
    value: float


@dataclass(frozen=True)
class CollectOptions:
    """What the user asked for: ``per_qubit`` adds the opt-in per-qubit series."""

    per_qubit: bool = False


class Collector(Protocol):
    """One kind of telemetry. ``scope`` says whether it runs once per backend or once per
    provider (``backend`` is then None)."""

    name: str
    scope: Scope

    def collect(
        self, provider: Provider, backend: BackendRef | None, options: CollectOptions
    ) -> Sequence[Sample]:
        """Ask the provider and return the samples; may raise or block."""
        ...


def sample(metric: MetricSpec, value: float, *labels: str) -> Sample:
    """A sample; checks the label count against the contract so a typo fails loudly."""
    if len(labels) != len(metric.labels):
        raise ValueError(f"{metric.name} takes labels {metric.labels}, got {labels}")
    return Sample(metric, labels, float(value))
