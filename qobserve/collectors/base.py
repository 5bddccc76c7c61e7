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

import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Real
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
    """A sample; checks the label count against the contract so a typo fails loudly.

    A ``value`` that is not a real number (a provider's ``None`` or ``"n/a"``) becomes NaN
    instead of failing the whole collector call: :func:`invalid` then names it, and the
    poller drops that one sample.
    """
    if len(labels) != len(metric.labels):
        raise ValueError(f"{metric.name} takes labels {metric.labels}, got {labels}")
    return Sample(metric, labels, float(value) if isinstance(value, Real) else math.nan)


def invalid(s: Sample) -> str:
    """Why ``s`` cannot be exposed ('' when it can): every label value must be text that
    encodes as UTF-8 and the value a finite number. Provider data is not trusted: one such
    value would otherwise make every scrape of the payload fail.

    >>> from qobserve import contract
    >>> invalid(sample(contract.BACKEND_PENDING_JOBS, 3, "qpu"))
    ''
    >>> invalid(sample(contract.BACKEND_PENDING_JOBS, 3, 12345))  # type: ignore[arg-type]
    'label backend is int 12345, not text'
    >>> invalid(sample(contract.BACKEND_PENDING_JOBS, float("inf"), "qpu"))
    'value inf is not finite'
    """
    for name, value in zip(s.metric.labels, s.labels, strict=True):
        if not isinstance(value, str):
            return f"label {name} is {type(value).__name__} {value!r:.40}, not text"
        try:
            value.encode()
        except UnicodeEncodeError:
            return f"label {name} {value!r:.40} is not valid Unicode"
    if math.isnan(s.value):
        return "value is NaN or no number at all"
    if math.isinf(s.value):
        return f"value {s.value!r} is not finite"
    return ""
