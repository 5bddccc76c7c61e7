"""The calibration collector: T1, T2, readout and gate errors summarised across qubits.

A 156-qubit device has 156 T1 values; dashboards and alerts want their spread, not each one.
The collector exposes the 10th, 50th and 90th percentiles per backend (per gate for gate errors)
as the ``stat`` label (``p10``, ``p50``, ``p90``),
the calibration timestamp, and per-qubit series only with ``per_qubit`` because all fake
backends at full detail are tens of thousands of series.

Example::

    >>> quantiles([3.0, 1.0, 2.0])
    [('p10', 1.2), ('p50', 2.0), ('p90', 2.8)]
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Real
from typing import Any

from qobserve import contract
from qobserve.collectors.base import CollectOptions, Sample, Scope, sample
from qobserve.collectors.provider import BackendRef, Calibration, Provider

#: Quantiles exposed for every distribution, as (``stat`` label value, probability).
QUANTILES: tuple[tuple[str, float], ...] = tuple(
    zip(contract.CALIBRATION_STATS, (0.1, 0.5, 0.9), strict=True)
)


def quantiles(values: Iterable[float | None]) -> list[tuple[str, float]]:
    """The :data:`QUANTILES` of ``values`` (None and NaN skipped), linear interpolation between
    closest ranks as numpy's default does; empty when no value is left.

    A distribution holding anything else that is not a finite number (text, infinity) is
    corrupt: every quantile is then NaN, which the exporter drops and counts.

    >>> quantiles([1.0, "n/a"])
    [('p10', nan), ('p50', nan), ('p90', nan)]
    """
    known = _known(values)
    if known is None:
        return [(label, math.nan) for label, _ in QUANTILES]
    data = sorted(known)
    if not data:
        return []
    last = len(data) - 1
    out = []
    for label, q in QUANTILES:
        pos = q * last
        lo = int(pos)
        hi = min(lo + 1, last)
        out.append((label, data[lo] + (data[hi] - data[lo]) * (pos - lo)))
    return out


def calibration_samples(backend: str, cal: Calibration, *, per_qubit: bool = False) -> list[Sample]:
    """The contract's calibration samples for one backend's :class:`Calibration`."""
    out: list[Sample] = []
    if cal.timestamp is not None:
        out.append(sample(contract.BACKEND_CALIBRATION_TIMESTAMP, cal.timestamp, backend))
    for metric, values in (
        (contract.BACKEND_T1, cal.t1),
        (contract.BACKEND_T2, cal.t2),
        (contract.BACKEND_READOUT_ERROR, cal.readout_error),
    ):
        out.extend(sample(metric, v, backend, q) for q, v in quantiles(values))
    for gate in sorted(cal.gate_errors, key=str):  # a provider's int gate key must not fail
        out.extend(
            sample(contract.BACKEND_GATE_ERROR, v, backend, gate, q)
            for q, v in quantiles(cal.gate_errors[gate])
        )
    if per_qubit:
        for metric, values in (
            (contract.QUBIT_T1, cal.t1),
            (contract.QUBIT_T2, cal.t2),
            (contract.QUBIT_READOUT_ERROR, cal.readout_error),
        ):
            out.extend(_per_qubit(metric, backend, values))
    return out


def _unknown(value: object) -> bool:
    """None or NaN: what providers report for a qubit they have no value of."""
    return value is None or (isinstance(value, Real) and math.isnan(value))


def _known(values: Iterable[float | None]) -> list[float] | None:
    """The known ``values`` (see :func:`_unknown`); None when the rest are not all finite
    numbers, or ``values`` is no sequence at all."""
    try:
        items: list[Any] = list(values)  # a provider's: anything, however it is typed
    except TypeError:
        return None
    known = [float(v) for v in items if isinstance(v, Real) and math.isfinite(v)]
    if len(known) != sum(not _unknown(v) for v in items):
        return None
    return known


def _per_qubit(
    metric: contract.MetricSpec, backend: str, values: Iterable[float | None]
) -> Iterable[Sample]:
    try:
        items: list[Any] = list(values)
    except TypeError:  # not a sequence: its quantiles already stand for it, as NaN
        return
    for qubit, value in enumerate(items):
        if not _unknown(value):
            yield sample(metric, value, backend, str(qubit))  # not a number: NaN, dropped


class CalibrationCollector:
    """Asks ``provider.calibration(backend)``; a backend without calibration yields nothing."""

    name = "calibration"
    scope: Scope = "backend"

    def collect(
        self, provider: Provider, backend: BackendRef | None, options: CollectOptions
    ) -> list[Sample]:
        """Calibration samples of ``backend``."""
        assert backend is not None
        cal = provider.calibration(backend)
        if cal is None:
            return []
        return calibration_samples(backend.name, cal, per_qubit=options.per_qubit)
